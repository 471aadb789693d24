// The agentless wait for Azure ML jobs (AzureMLJobWait@1, packaged in build/tasks) against the
// emulator: the task PATCHes an AzureDevOps webhook onto the job, and the emulator, like Azure ML,
// completes the task through the runner's plan events stand-in when the job ends.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmbeddedEmulator, type EmulatorHandle } from '../../../runner/embeddedEmulator';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../../runner/index';
import type { AzureTarget } from '../../../runner/serviceConnection';
import { armCaller } from './armCall';
import { runYaml, steps, tempDir } from '../helpers';

describe('runner: the agentless wait for Azure ML jobs against the emulator', function () {
  this.timeout(240_000);
  let emulator: EmulatorHandle;
  let target: AzureTarget;
  let workspaceUrl: string;

  const arm = armCaller(() => target, () => workspaceUrl);

  const submit = async (name: string, command: string) => {
    const created = await arm('PUT', `/jobs/${name}?api-version=2023-04-01`, {
      properties: { jobType: 'Command', command, environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1', experimentName: 'agentless-wait' },
    });
    assert.ok(created.status < 300, JSON.stringify(created.json));
  };

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLJobWaitV1', 'task.json')), `no AzureMLJobWait in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmbeddedEmulator(tempDir('runner-wait-emulator-'));
    target = emulatorTarget(emulator.connection, 'secret');
    const c = emulator.connection;
    workspaceUrl = `https://management.azure.com/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}`;
  });

  after(async () => {
    await emulator?.stop();
  });

  const wait = (job: string, timeoutInMinutes = 10) =>
    runYaml(
      `
jobs:
- job: waitForTraining
  pool: server
  timeoutInMinutes: ${timeoutInMinutes}
  steps:
  - task: AzureMLJobWait@1
    name: wait
    inputs:
      azureSubscription: arm
      resourceGroupName: $(rg)
      workspaceName: $(ws)
      jobName: ${job}
`,
      { target, tasksDirectory: DEFAULT_TASKS_DIRECTORY, variables: { rg: emulator.connection.resourceGroupName, ws: emulator.connection.workspaceName }, minuteMs: 1000 },
    );

  it('completes when the job completes', async () => {
    await submit('wait-ok', 'sleep 2 && echo trained');
    const result = await wait('wait-ok');
    assert.equal(result.result, 'Succeeded', result.console);
    assert.match(result.console, /PATCH https:\/\/management\.azure\.com\/subscriptions\/.*\/jobs\/wait-ok\?api-version=2024-04-01/);
    assert.match(result.console, /TaskCompleted: succeeded/);
    const job = await arm('GET', '/jobs/wait-ok?api-version=2023-04-01');
    assert.equal(job.json.properties.status, 'Completed');
    const hooks = Object.values(job.json.properties.notificationSetting.webhooks) as Array<Record<string, string>>;
    assert.equal(hooks[0].webhookType, 'AzureDevOps');
    assert.equal(hooks[0].eventType, 'RunTerminated');
    assert.ok(!result.console.includes(hooks[0].authToken), 'the AuthToken never shows in the log');
  });

  it('fails when the job fails', async () => {
    await submit('wait-fail', 'sleep 1 && exit 3');
    const result = await wait('wait-fail');
    assert.equal(result.result, 'Failed', result.console);
    assert.match(steps(result)['waitForTraining.wait'].reason ?? '', /completed the task as failed/);
  });

  it('completes at once when the job had already ended before the wait started', async () => {
    await submit('wait-done', 'echo quick');
    for (let i = 0; i < 60 && (await arm('GET', '/jobs/wait-done?api-version=2023-04-01')).json.properties.status !== 'Completed'; i++) await new Promise((r) => setTimeout(r, 500));
    const result = await wait('wait-done');
    assert.equal(result.result, 'Succeeded', result.console);
  });

  it('times out with the job timeout, leaving the job running', async () => {
    await submit('wait-long', 'sleep 120');
    const result = await wait('wait-long', 2);
    assert.equal(result.result, 'Failed', result.console);
    assert.match(result.console, /ran longer than the maximum time of 2 minutes/);
    const job = await arm('GET', '/jobs/wait-long?api-version=2023-04-01');
    assert.ok(['Running', 'Starting', 'Preparing', 'Queued', 'NotStarted'].includes(job.json.properties.status), job.json.properties.status);
    await arm('POST', '/jobs/wait-long/cancel?api-version=2023-04-01');
  });
});

describe('samples/agentless-wait.yml against the embedded emulator', function () {
  this.timeout(300_000);
  let emulator: EmulatorHandle;

  before(async () => {
    emulator = await startEmbeddedEmulator(tempDir('runner-wait-sample-'));
  });

  after(async () => {
    await emulator?.stop();
  });

  it('submits without waiting, waits agentless until the job completes, then registers the model', async () => {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: path.resolve(__dirname, '..', '..', '..', 'samples', 'agentless-wait.yml'),
      target: emulatorTarget(emulator.connection, 'secret'),
      variables: { resourceGroupName: emulator.connection.resourceGroupName, workspaceName: emulator.connection.workspaceName },
      sink: (l) => lines.push(l),
    });
    const console = lines.join('\n');
    assert.equal(outcome.result, 'Succeeded', console);
    assert.match(console, /TaskCompleted: succeeded/);
    assert.match(console, /Registered churn-model version \d+ from /);
  });
});
