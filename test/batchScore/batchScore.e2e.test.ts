// AzureMLBatchScore@1 from its bundle through the runner against the emulator: success (predictions at the output
// location), a failing scoring job (the step fails with the job's error), and a pipeline cancelled while the
// step waits (the scoring job is cancelled). The endpoint is deployed once with AzureMLDeploy@1's batch files.
// Needs the four branches of issue 17 merged and `npm run build`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { Cancellation, DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { tempDir } from '../runner/helpers';
import { arm, datastoreFiles, workspaceId } from './emulatorReads';

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
    return (await arm(emulator, 'GET', `${workspaceId(emulator)}/jobs/${name}`)).properties.status;
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

  it('deploys a pipeline component batch deployment (api-version 2023-04-01-preview) and invokes it with a named input', async () => {
    const { outcome, outputs, console } = await run('deploy-pipeline-component.yml');
    assert.equal(outcome.result, 'Succeeded', console);
    const deployment = await arm(emulator, 'GET', `${workspaceId(emulator)}/batchEndpoints/batch-e2e-pipe/deployments/copy`, '2023-04-01-preview');
    assert.equal(deployment.properties.provisioningState, 'Succeeded');
    assert.equal(deployment.properties.deploymentConfiguration.deploymentConfigurationType, 'PipelineComponent');
    assert.match(deployment.properties.deploymentConfiguration.componentId.assetId, /\/components\/azureml_anonymous\/versions\/[0-9a-f-]+$/);
    assert.equal(deployment.properties.deploymentConfiguration.settings.default_compute, 'cpu-cluster');
    assert.equal(outputs.jobStatus, 'Completed');
    assert.equal(await jobStatus(outputs.jobName), 'Completed');
    // The component ran on the uploaded input: its output has the input's files.
    const files = await datastoreFiles(emulator, emulator.connection.workspaceName, outputs.outputLocation ?? '');
    assert.deepEqual(Object.keys(files).map((name) => name.split('/').pop()).sort(), ['one.csv', 'two.csv'], `${outputs.outputLocation}: ${Object.keys(files).join(', ')}`);
  });

  it('cancels the scoring job when the pipeline is cancelled while the step waits', async () => {
    const cancellation = new Cancellation();
    const { outcome, outputs, console } = await run('score-pipeline.yml', { input: 'test/fixtures/batch-score/input-slow' }, { cancellation, onLine: (line) => (/status: Running/.test(line) ? cancellation.cancel() : undefined) });
    assert.equal(outcome.result, 'Canceled', console);
    assert.match(console, new RegExp(`cancelling Azure ML job '${outputs.jobName}'[\\s\\S]*Cancellation of job '${outputs.jobName}' requested`));
    assert.ok(['CancelRequested', 'Canceled'].includes(await jobStatus(outputs.jobName)));
  });
});
