// Shared fixtures for the jobSpec tests: a workspace scope and YAML files written to a temp folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { translateJobFile, type JobTranslation, type TranslateOptions } from '../../tasks/common/jobSpec/translate';

export const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-ml', workspace: 'ws-ml' };
export const WS = `/subscriptions/${scope.subscriptionId}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-ml`;

/** Writes files (path → content) under a fresh temp folder and returns it. */
export function writeTree(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jobspec-'));
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(root, relative);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return root;
}

/** Translates `job.yml` (plus any other files) written to a temp folder. */
export function translateYaml(yaml: string, options: Partial<TranslateOptions> = {}, files: Record<string, string> = {}): JobTranslation & { dir: string } {
  const dir = writeTree({ 'job.yml': yaml, ...files });
  return { ...translateJobFile(path.join(dir, 'job.yml'), { scope, defaultExperimentName: 'exp', ...options }), dir };
}

/** The error message a translation fails with, relative to the temp folder. */
export function translationError(yaml: string, options: Partial<TranslateOptions> = {}, files: Record<string, string> = {}): string {
  const dir = writeTree({ 'job.yml': yaml, ...files });
  try {
    translateJobFile(path.join(dir, 'job.yml'), { scope, defaultExperimentName: 'exp', ...options });
  } catch (err) {
    return (err as Error).message.split(dir + path.sep).join('');
  }
  throw new Error('expected the translation to fail');
}
