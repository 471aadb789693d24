// Every job YAML under ../shared/azureml-examples/jobs must translate, or be refused with a message
// that names file:line:column. Prints the counts so regressions in coverage are visible.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finalizeTranslation } from '../../tasks/common/jobSpec/finalize';
import { isJobSchema, translateJobFile } from '../../tasks/common/jobSpec/translate';
import { JobSpecError, loadYamlFile } from '../../tasks/common/jobSpec/yamlSource';
import { scope } from './helpers';

const repoRoot = path.resolve(__dirname, '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'azureml-examples', 'jobs');

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

/** A job file declares a job schema, or (without $schema) has the fields only jobs have. */
function isJobFile(file: string): boolean {
  const root = loadYamlFile(file).root();
  const schema = root.get('$schema')?.scalar;
  if (typeof schema === 'string') return isJobSchema(schema);
  return ['command', 'jobs', 'trial'].some((key) => root.has(key)) && !root.has('version');
}

describe('jobSpec: azureml-examples corpus', () => {
  it('translates every job YAML or refuses it with file:line:column', function () {
    assert.ok(fs.existsSync(corpus), `the azureml-examples corpus is missing at ${corpus}`);
    const jobs = yamlFiles(corpus).filter(isJobFile).sort();
    assert.ok(jobs.length >= 40, `expected the corpus to hold at least 40 job files, found ${jobs.length}`);

    const translated: Record<string, number> = {};
    const refused: Record<string, string[]> = {};
    for (const file of jobs) {
      const relative = path.relative(corpus, file);
      try {
        const t = translateJobFile(file, { scope, defaultExperimentName: 'corpus', jobName: 'corpus-job' });
        // Every pending item can be resolved and leaves no token behind.
        const uploads = Object.fromEntries(t.pending.map((p) => [p.token, fakeUpload(p.token)]));
        const latest = Object.fromEntries(t.pending.map((p) => [p.token, '7']));
        const plan = finalizeTranslation(t, { uploads, latestVersions: latest }, scope);
        assert.doesNotMatch(JSON.stringify(plan), /<pending:/, relative);
        translated[t.jobType] = (translated[t.jobType] ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof JobSpecError)) throw new Error(`${relative}: translation crashed: ${(err as Error).stack}`);
        assert.match(err.location, /:\d+:\d+/, `${relative}: refusal without a position: ${err.message}`);
        assert.ok(err.message.startsWith(file) || err.message.includes(path.dirname(file)), `${relative}: refusal names another file: ${err.message}`);
        const reason = err.message.slice(err.location.length + 2).replace(/'[^']*'/g, "'…'").split(';')[0];
        (refused[reason] ??= []).push(relative);
      }
    }
    const total = Object.values(translated).reduce((a, b) => a + b, 0);
    console.log(`      corpus: ${jobs.length} job files, ${total} translated (${Object.entries(translated).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    for (const [reason, files] of Object.entries(refused)) console.log(`      refused ${files.length}: ${reason} (${files.join(', ')})`);
    // The corpus's command, sweep and pipeline jobs all translate; only other job types are refused.
    assert.deepEqual(Object.keys(refused), ["job type '…' is not supported by this task"]);
    assert.ok(translated.command && translated.sweep && translated.pipeline);
  });
});

function fakeUpload(token: string) {
  return {
    datastoreUri: `azureml://datastores/workspaceblobstore/paths/LocalUpload/${token.length}/x`,
    storageUrl: 'https://acct.blob.core.windows.net/c/LocalUpload/h/x',
    objectHash: 'h',
    codeAssetId: `/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/codes/c/versions/1`,
  };
}
