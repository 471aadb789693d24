// AzureMLBatchScore@1 from its bundle through the runner against the emulator: success (predictions at the output
// location), a failing scoring job (the step fails with the job's error), and a pipeline cancelled while the
// step waits (the scoring job is cancelled). The endpoint is deployed once with AzureMLDeploy@1's batch files.
// Needs the four branches of issue 17 merged and `npm run build`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { Cancellation, DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { proxiedRequest, secretToken } from '../emulator/emulatorFixtures';
import { tempDir } from '../runner/helpers';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'batch-score');

describe('AzureMLBatchScore@1 against the emulator (e2e)', function () {
  this.timeout(600_000);
  let emulator: RunningEmulator;

  const variables = (extra: Record<string, string> = {}) => ({ resourceGroupName: emulator.connection.resourceGroupName, workspaceName: emulator.connection.workspaceName, ...extra });

  async function run(pipeline: string, extra: Record<string, string> = {}, options: { cancellation?: Cancellation; onLine?: (line: string) => void } = {}) {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: path.join(FIXTURES, pipeline),
      target: emulatorTarget(emulator.connection, 'secret'),
      variables: variables(extra),
      cancellation: options.cancellation,
      sink: (line) => {
        lines.push(line);
        options.onLine?.(line);
      },
    });
    const steps = outcome.report.stages.flatMap((stage) => stage.jobs.flatMap((job) => job.steps));
    return { outcome, outputs: steps[steps.length - 1]?.outputVariables ?? {}, console: lines.join('\n') };
  }

  async function jobStatus(name: string): Promise<string> {
    const token = await secretToken(emulator.connection, 'https://management.azure.com/.default');
    const c = emulator.connection;
    const response = await proxiedRequest(c, `https://management.azure.com/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}/jobs/${name}?api-version=2023-04-01`, { headers: { authorization: `Bearer ${token}` } });
    return response.json().properties.status;
  }

  before(async () => {
    for (const task of ['AzureMLBatchScoreV1', 'AzureMLDeployV1', 'AzureMLModelV1']) {
      assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, task, 'index.js')), `no ${task} bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    }
    emulator = await startEmulator({ stateDir: tempDir('batch-score-emulator-') });
    const { outcome, console } = await run('deploy-pipeline.yml');
    assert.equal(outcome.result, 'Succeeded', console);
  });

  after(async () => {
    await emulator?.stop();
  });

  it('scores a local folder on the named deployment: job completed, logs streamed, output location set', async () => {
    const { outcome, outputs, console } = await run('score-pipeline.yml', { input: 'test/fixtures/batch-score/input-ok' });
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(outputs.jobStatus, 'Completed');
    assert.equal(await jobStatus(outputs.jobName), 'Completed');
    assert.match(console, /Uploading .*input-ok \(2 file\(s\)/);
    assert.match(console, new RegExp(`Job '${outputs.jobName}' status: Completed`));
    assert.match(console, /scorer ready/, 'the scoring job\'s log was streamed');
    assert.match(outputs.outputLocation ?? '', /^azureml:\/\/datastores\/workspaceblobstore\/paths\/.+/);
  });

  it('fails the step when the scoring job fails, with the job\'s error', async () => {
    const { outcome, outputs, console } = await run('score-pipeline.yml', { input: 'test/fixtures/batch-score/input-fail' });
    assert.equal(outcome.result, 'Failed', console);
    assert.equal(outputs.jobStatus, 'Failed');
    assert.match(console, new RegExp(`Azure ML job '${outputs.jobName}' ended with status Failed`));
    assert.doesNotMatch(console, /\n\s+at .+\.js:\d+/, 'no stack trace');
  });

  it('cancels the scoring job when the pipeline is cancelled while the step waits', async () => {
    const cancellation = new Cancellation();
    const { outcome, outputs, console } = await run('score-pipeline.yml', { input: 'test/fixtures/batch-score/input-slow' }, { cancellation, onLine: (line) => (/status: Running/.test(line) ? cancellation.cancel() : undefined) });
    assert.equal(outcome.result, 'Canceled', console);
    assert.match(console, new RegExp(`cancelling Azure ML job '${outputs.jobName}'[\\s\\S]*Cancellation of job '${outputs.jobName}' requested`));
    assert.ok(['CancelRequested', 'Canceled'].includes(await jobStatus(outputs.jobName)));
  });
});
