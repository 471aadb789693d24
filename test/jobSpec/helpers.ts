// Shared fixtures for the jobSpec tests: a workspace scope and YAML files written to a temp folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isJobSchema, translateJobFile, type JobTranslation, type TranslateOptions } from '../../tasks/common/jobSpec/translate';
import { loadYamlFile } from '../../tasks/common/jobSpec/yamlSource';

export const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-ml', workspace: 'ws-ml' };
/** The job corpora the corpus and golden tests read (see test/fixtures/authored-jobs/README.md). */
export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
export const SHARED_CORPUS = path.join(FIXTURES, 'azureml-examples', 'jobs');
export const AUTHORED_CORPUS = path.join(FIXTURES, 'authored-jobs');
/** azure-ai-ml's bodies (npm run goldens): the shared corpus's here, the authored corpus's under authored/. */
export const GOLDENS = path.join(FIXTURES, 'goldens');
export const AUTHORED_GOLDENS = path.join(GOLDENS, 'authored');

export function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

/** A job file declares a job schema, or (without $schema) has the fields only jobs have (generate.py's rule too). */
export function isJobFile(file: string): boolean {
  const root = loadYamlFile(file).root();
  const schema = root.get('$schema')?.scalar;
  if (typeof schema === 'string') return isJobSchema(schema);
  return ['command', 'jobs', 'trial'].some((key) => root.has(key)) && !root.has('version');
}

/** The job files of a corpus, as paths relative to it, sorted. */
export function corpusJobFiles(corpus: string): string[] {
  return yamlFiles(corpus).filter(isJobFile).map((f) => path.relative(corpus, f).split(path.sep).join('/')).sort();
}

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
