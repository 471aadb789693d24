// Every job YAML under test/fixtures/azureml-examples/jobs (copied from the reference data's shared/azureml-examples)
// must translate, or be refused with a message that names file:line:column: either a file azure-ai-ml
// refuses too (its golden in test/fixtures/goldens holds the refusal), or one of the gaps listed below.
// The counts are exact, so any change in what the task does with the corpus shows here.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finalizeTranslation } from '../../tasks/common/jobSpec/finalize';
import { translateJobFile } from '../../tasks/common/jobSpec/translate';
import { JobSpecError } from '../../tasks/common/jobSpec/yamlSource';
import { GOLDENS, SHARED_CORPUS as corpus, corpusJobFiles, scope } from './helpers';

/**
 * Refusals of files azure-ai-ml accepts: a placeholder compute such as <ATTACHED_SPARK_POOL_NAME>,
 * which az ml sends unchecked and Azure refuses. Every job and step type az ml v2 defines translates.
 */
const KNOWN_GAPS = ["invalid compute '…'"];

/** What the task does with the shared corpus (60 job files of the reference data's shared/azureml-examples at its SOURCE commit). */
const EXPECTED_TRANSLATED = { automl: 1, command: 25, pipeline: 31, sweep: 3 };
const EXPECTED_REFUSED = {};

function refusedByAzureMl(relative: string): boolean {
  const golden = path.join(GOLDENS, `${relative}.json`);
  return fs.existsSync(golden) && 'refused' in JSON.parse(fs.readFileSync(golden, 'utf8'));
}

describe('jobSpec: azureml-examples corpus', () => {
  it('translates every job YAML or refuses it with file:line:column', function () {
    assert.ok(fs.existsSync(corpus), `the azureml-examples corpus is missing at ${corpus}`);
    const jobs = corpusJobFiles(corpus).map((relative) => path.join(corpus, relative));

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
        if (!refusedByAzureMl(relative)) assert.ok(KNOWN_GAPS.includes(reason), `${relative}: refused, but azure-ai-ml translates it: ${err.message}`);
        (refused[reason] ??= []).push(relative);
      }
    }
    const total = Object.values(translated).reduce((a, b) => a + b, 0);
    console.log(`      corpus: ${jobs.length} job files, ${total} translated (${Object.entries(translated).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    for (const [reason, files] of Object.entries(refused)) console.log(`      refused ${files.length}: ${reason} (${files.join(', ')})`);
    assert.equal(jobs.length, 60, 'the shared corpus holds 60 job files');
    assert.deepEqual(translated, EXPECTED_TRANSLATED);
    assert.deepEqual(refused, EXPECTED_REFUSED);
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
