// samples/batch-pipeline.yml through the runner against the emulator: train and register in mlw-dev, deploy the
// batch endpoint (default only after the smoke invocation), score samples/batch/input with AzureMLBatchScore@1 and
// check the predictions on the datastore, then deploy the weekly retraining schedule to mlw-prod. Everything is
// checked through Azure's contract (ARM REST, the datastore's blobs), not the emulator's internals.
// Needs the four branches of issue 17 merged (AzureMLDeploy@1 batch files, AzureMLSchedule@1, the emulator's batch
// endpoints and schedules) and `npm run build`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import type { StepRecord } from '../../runner/stepExecutor';
import { tempDir } from '../runner/helpers';
import { arm as emulatorArm, datastoreFiles as emulatorDatastoreFiles, workspaceId as emulatorWorkspaceId } from './emulatorReads';

const REPO = path.resolve(__dirname, '..', '..');
const API = '2023-04-01';

describe('samples/batch-pipeline.yml against the emulator (e2e)', function () {
  this.timeout(900_000);
  let emulator: RunningEmulator;

  before(async () => {
    for (const task of ['AzureMLBatchScoreV1', 'AzureMLDeployV1', 'AzureMLScheduleV1']) {
      assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, task, 'index.js')), `no ${task} bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    }
    emulator = await startEmulator({ stateDir: tempDir('batch-sample-emulator-') });
  });

  after(async () => {
    await emulator?.stop();
  });

  const workspaceId = (name: string) => emulatorWorkspaceId(emulator, name);
  const arm = (method: string, armPath: string) => emulatorArm(emulator, method, armPath, API);
  const datastoreFiles = (workspace: string, uri: string) => emulatorDatastoreFiles(emulator, workspace, uri);

  it('deploys the batch endpoint, scores the sample input, checks the predictions and schedules weekly retraining in prod', async () => {
    const lines: string[] = [];
    const outcome = await runPipeline({ pipelineFile: path.join(REPO, 'samples', 'batch-pipeline.yml'), target: emulatorTarget(emulator.connection, 'secret'), sink: (line) => lines.push(line) });
    const console = lines.join('\n');
    assert.equal(outcome.result, 'Succeeded', console);
    const steps: StepRecord[] = outcome.report.stages.flatMap((stage) => stage.jobs.flatMap((job) => job.steps));
    const step = (name: string) => steps.find((s) => s.name === name)?.outputVariables ?? {};

    // The deployment became the endpoint's default only after its smoke invocation.
    const endpoint = await arm('GET', `${workspaceId('mlw-dev')}/batchEndpoints/churn-batch`);
    assert.equal(endpoint.properties.defaults?.deploymentName, step('deploy').deploymentName, JSON.stringify(endpoint.properties));
    assert.ok(step('deploy').smokeJobName, 'a smoke invocation ran');

    // The scoring job: completed, and waited for through the shared wait.
    const score = step('score');
    assert.equal(score.jobStatus, 'Completed', console);
    assert.notEqual(score.jobName, step('deploy').smokeJobName);
    const job = await arm('GET', `${workspaceId('mlw-dev')}/jobs/${score.jobName}`);
    assert.equal(job.properties.status, 'Completed');
    assert.match(console, new RegExp(`Job '${score.jobName}' status: Completed`));
    assert.match(console, /Check the scoring output/);

    // predictions.csv at the output location: one row per customer of the three input files.
    assert.match(score.outputLocation ?? '', /^azureml:\/\/datastores\/[^/]+\/paths\/.+/, console);
    const files = await datastoreFiles('mlw-dev', score.outputLocation);
    const predictions = Object.entries(files).find(([name]) => name.endsWith('/predictions.csv'))?.[1];
    assert.ok(predictions, `no predictions.csv under ${score.outputLocation}: ${Object.keys(files).join(', ')}`);
    const rows = predictions.trim().split(/\r?\n/).map((line) => line.split(','));
    assert.deepEqual(rows.map(([file, row]) => `${file}#${row}`).sort(), ['customers-1.csv#0', 'customers-1.csv#1', 'customers-1.csv#2', 'customers-2.csv#0', 'customers-2.csv#1', 'customers-3.csv#0']);
    for (const [, , prediction, probability] of rows) {
      assert.ok(prediction === '0' || prediction === '1', prediction);
      assert.ok(Number(probability) >= 0 && Number(probability) <= 1, probability);
    }

    // The retraining schedule in prod: weekly, Mondays at 02:00, creating the training job.
    const schedule = await arm('GET', `${workspaceId('mlw-prod')}/schedules/churn-weekly-retraining`);
    assert.equal(schedule.properties.isEnabled, true);
    // Enum values as azure-ai-ml sends them (week, monday); the service reads them without case.
    assert.equal(schedule.properties.trigger.triggerType, 'Recurrence');
    assert.equal(String(schedule.properties.trigger.frequency).toLowerCase(), 'week');
    assert.deepEqual(schedule.properties.trigger.schedule.weekDays.map((d: string) => d.toLowerCase()), ['monday']);
    assert.deepEqual([schedule.properties.trigger.schedule.hours, schedule.properties.trigger.schedule.minutes], [[2], [0]]);
    assert.equal(schedule.properties.action.actionType, 'CreateJob');
    assert.equal(step('schedule').isEnabled, 'true');
  });
});
