import { strict as assert } from 'node:assert';
import type { ServiceContext } from '../../emulator/src/contract';
import type { ArmResource } from '../../emulator/src/arm/resources';
import { FACTS, WS, createHarness, pollToEnd, type ArmHarness } from './armFixtures';

const API = '2023-04-01';
const MODEL = `${WS}/models/churn/versions/1`;
const MLFLOW_MODEL = `${WS}/models/churn-mlflow/versions/1`;
const CODE = `${WS}/codes/score/versions/1`;
const ENVIRONMENT = `${WS}/environments/sklearn/versions/1`;
const CLUSTER = `${WS}/computes/cpu-cluster`;
const ENDPOINT = { location: FACTS.location, properties: { authMode: 'AADToken' } };

function modelDeployment(overrides: Record<string, unknown> = {}) {
  return {
    location: FACTS.location,
    properties: { model: { referenceType: 'Id', assetId: MODEL }, codeConfiguration: { codeId: CODE, scoringScript: 'score.py' }, environmentId: ENVIRONMENT, compute: CLUSTER, ...overrides },
  };
}

async function assets(h: ArmHarness): Promise<void> {
  await h.send('PUT', MODEL, { body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/model', modelType: 'custom_model' } } });
  await h.send('PUT', MLFLOW_MODEL, { body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/def/model', modelType: 'mlflow_model' } } });
  await h.send('PUT', CODE, { body: { properties: { codeUri: 'https://devstoreaccount1.blob.core.windows.net/c/LocalUpload/x/src' } } });
  await h.send('PUT', ENVIRONMENT, { body: { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04' } } });
}

async function endpointWith(h: ArmHarness, deployments: string[]): Promise<void> {
  await assets(h);
  assert.equal((await pollToEnd(h, await h.send('PUT', `${WS}/batchEndpoints/churn-batch`, { body: ENDPOINT, apiVersion: API }))).status, 'Succeeded');
  for (const name of deployments) {
    const created = await h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/${name}`, { body: modelDeployment(), apiVersion: API });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal((await pollToEnd(h, created)).status, 'Succeeded');
  }
}

describe('emulator ARM: batch endpoints and deployments', () => {
  it('provisions a batch endpoint through Creating to Succeeded, scoring at https://<endpoint>.<region>.inference.ml.azure.com/jobs', async () => {
    const h = createHarness();
    const created = await h.send('PUT', `${WS}/batchEndpoints/churn-batch`, { body: ENDPOINT, apiVersion: API });
    assert.equal(created.status, 201);
    assert.equal(created.json.properties.provisioningState, 'Creating');
    assert.equal(created.json.properties.scoringUri, `https://churn-batch.${FACTS.location}.inference.ml.azure.com/jobs`);
    assert.equal(created.json.type, 'Microsoft.MachineLearningServices/workspaces/batchEndpoints');
    assert.equal((await pollToEnd(h, created)).status, 'Succeeded');
    const got = await h.send('GET', `${WS}/batchEndpoints/churn-batch`, { apiVersion: API });
    assert.deepEqual([got.json.properties.provisioningState, got.json.properties.authMode, got.json.properties.defaults], ['Succeeded', 'AADToken', { deploymentName: null }]);
    assert.deepEqual((await h.send('GET', `${WS}/batchEndpoints`, { apiVersion: API })).json.value.map((e: ArmResource) => e.name), ['churn-batch']);
    const keys = await h.send('POST', `${WS}/batchEndpoints/churn-batch/listKeys`, { apiVersion: API });
    assert.equal(keys.status, 400);
    assert.match(keys.json.error.message, /uses authMode 'AADToken'; it has no keys/);
    const patched = await h.send('PATCH', `${WS}/batchEndpoints/churn-batch`, { body: { tags: { team: 'scoring' } }, apiVersion: API });
    assert.equal(patched.status, 202);
    await pollToEnd(h, patched);
    assert.deepEqual((await h.send('GET', `${WS}/batchEndpoints/churn-batch`, { apiVersion: API })).json.tags, { team: 'scoring' });
  });

  it('takes only AADToken auth and a name no online or batch endpoint of the region has', async () => {
    const h = createHarness();
    const key = await h.send('PUT', `${WS}/batchEndpoints/churn-batch`, { body: { ...ENDPOINT, properties: { authMode: 'Key' } }, apiVersion: API });
    assert.equal(key.status, 400);
    assert.match(key.json.error.message, /support only authMode 'AADToken'/);
    await pollToEnd(h, await h.send('PUT', `${WS}/onlineEndpoints/churn-online`, { body: { location: FACTS.location, properties: { authMode: 'Key' } }, apiVersion: API }));
    const taken = await h.send('PUT', `${WS}/batchEndpoints/churn-online`, { body: ENDPOINT, apiVersion: API });
    assert.equal(taken.status, 409);
    assert.match(taken.json.error.message, /An online endpoint named 'churn-online' already exists/);
    await pollToEnd(h, await h.send('PUT', `${WS}/batchEndpoints/churn-batch`, { body: ENDPOINT, apiVersion: API }));
    const online = await h.send('PUT', `${WS}/onlineEndpoints/churn-batch`, { body: { location: FACTS.location, properties: { authMode: 'Key' } }, apiVersion: API });
    assert.equal(online.status, 409);
    assert.match(online.json.error.message, /A batch endpoint named 'churn-batch'/);
  });

  it('creates a model deployment with the service defaults, on an AmlCompute cluster only', async () => {
    const h = createHarness();
    await endpointWith(h, ['blue']);
    const got = (await h.send('GET', `${WS}/batchEndpoints/churn-batch/deployments/blue`, { apiVersion: API })).json;
    assert.equal(got.type, 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments');
    assert.deepEqual(
      [got.properties.provisioningState, got.properties.miniBatchSize, got.properties.errorThreshold, got.properties.outputAction, got.properties.outputFileName, got.properties.retrySettings, got.properties.resources.instanceCount],
      ['Succeeded', 10, -1, 'AppendRow', 'predictions.csv', { maxRetries: 3, timeout: 'PT30S' }, 1],
    );
    const instance = await h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/green`, { body: modelDeployment({ compute: `${WS}/computes/dev-instance` }), apiVersion: API });
    assert.equal(instance.status, 400);
    assert.match(instance.json.error.message, /is a ComputeInstance; batch deployments run on AmlCompute clusters only/);
    const missing = await h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/green`, { body: modelDeployment({ compute: `${WS}/computes/nope` }), apiVersion: API });
    assert.match(missing.json.error.message, /was not found in workspace/);
    assert.equal(missing.json.error.target, 'properties.compute');
    const noCompute = await h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/green`, { body: modelDeployment({ compute: undefined }), apiVersion: API });
    assert.match(noCompute.json.error.message, /needs a compute/);
  });

  it('refuses invalid references and settings out of range', async () => {
    const h = createHarness();
    await endpointWith(h, []);
    const put = (overrides: Record<string, unknown>) => h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/green`, { body: modelDeployment(overrides), apiVersion: API });
    assert.match((await put({ model: { referenceType: 'Id', assetId: `${WS}/models/nope/versions/1` } })).json.error.message, /models\/nope\/versions\/1' referenced by 'properties.model' was not found/);
    assert.match((await put({ model: undefined })).json.error.message, /needs a model/);
    assert.match((await put({ codeConfiguration: undefined })).json.error.message, /not an MLflow model needs a scoring script/);
    assert.equal((await put({ miniBatchSize: 0 })).json.error.target, 'properties.miniBatchSize');
    assert.equal((await put({ errorThreshold: -2 })).json.error.target, 'properties.errorThreshold');
    assert.equal((await put({ maxConcurrencyPerInstance: 0 })).json.error.target, 'properties.maxConcurrencyPerInstance');
    assert.equal((await put({ outputAction: 'Overwrite' })).status, 400);
    // An MLflow model needs neither scoring script nor environment.
    const mlflow = await put({ model: { referenceType: 'Id', assetId: MLFLOW_MODEL }, codeConfiguration: undefined, environmentId: undefined });
    assert.equal(mlflow.status, 201, JSON.stringify(mlflow.json));
  });

  it('makes only an existing deployment the default, and keeps the default from being deleted', async () => {
    const h = createHarness();
    await endpointWith(h, ['blue', 'green']);
    const unknown = await h.send('PUT', `${WS}/batchEndpoints/churn-batch`, { body: { ...ENDPOINT, properties: { ...ENDPOINT.properties, defaults: { deploymentName: 'red' } } }, apiVersion: API });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.target, 'properties.defaults.deploymentName');
    const set = await h.send('PUT', `${WS}/batchEndpoints/churn-batch`, { body: { ...ENDPOINT, properties: { ...ENDPOINT.properties, defaults: { deploymentName: 'blue' } } }, apiVersion: API });
    assert.equal(set.status, 200);
    await pollToEnd(h, set);
    const refused = await h.send('DELETE', `${WS}/batchEndpoints/churn-batch/deployments/blue`, { apiVersion: API });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /is the default deployment of batch endpoint 'churn-batch'/);
    const deleted = await h.send('DELETE', `${WS}/batchEndpoints/churn-batch/deployments/green`, { apiVersion: API });
    assert.equal(deleted.status, 202);
    await pollToEnd(h, deleted);
    assert.equal((await h.send('GET', `${WS}/batchEndpoints/churn-batch/deployments/green`, { apiVersion: API })).status, 404);
    // Deleting the endpoint takes its deployments with it.
    await pollToEnd(h, await h.send('DELETE', `${WS}/batchEndpoints/churn-batch`, { apiVersion: API }));
    assert.equal((await h.send('GET', `${WS}/batchEndpoints/churn-batch`, { apiVersion: API })).status, 404);
    assert.equal(h.ctx.store.list('arm.batchDeployments').length, 0);
  });

  it('takes pipeline component deployments (deploymentConfiguration) from 2023-04-01-preview on, the version azure-ai-ml and AzureMLDeploy@1 send them with', async () => {
    const h = createHarness();
    await endpointWith(h, []);
    const component = `${WS}/components/retrain/versions/1`;
    await h.send('PUT', component, { body: { properties: { componentSpec: { name: 'retrain', type: 'pipeline', jobs: {}, outputs: { model: { type: 'uri_folder' } } } } } });
    const body = { location: FACTS.location, properties: { deploymentConfiguration: { deploymentConfigurationType: 'PipelineComponent', componentId: { referenceType: 'Id', assetId: component }, settings: { default_compute: CLUSTER } } } };
    const preview = await h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/retrain`, { body, apiVersion: '2023-04-01-preview' });
    assert.equal(preview.status, 201, JSON.stringify(preview.json));
    assert.equal(preview.json.properties.deploymentConfiguration.deploymentConfigurationType, 'PipelineComponent');
    await pollToEnd(h, preview);
    // 2023-04-01 has no deploymentConfiguration: a client of it does not see one, and cannot create one.
    assert.equal((await h.send('GET', `${WS}/batchEndpoints/churn-batch/deployments/retrain`, { apiVersion: API })).json.properties.deploymentConfiguration, undefined);
    assert.match((await h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/other`, { body, apiVersion: API })).json.error.message, /needs a compute/);
    const command = `${WS}/components/train/versions/1`;
    await h.send('PUT', command, { body: { properties: { componentSpec: { name: 'train', type: 'command', command: 'echo' } } } });
    const wrongType = await h.send('PUT', `${WS}/batchEndpoints/churn-batch/deployments/other`, {
      body: { ...body, properties: { deploymentConfiguration: { ...body.properties.deploymentConfiguration, componentId: { referenceType: 'Id', assetId: command } } } },
      apiVersion: '2024-01-01-preview',
    });
    assert.match(wrongType.json.error.message, /is a command component; pipeline component deployments take a pipeline component/);
  });
});

/** Jobs the schedules created, by name, with the executor's view. */
function recordingExecutor(): { submitted: ArmResource[]; executor: { submit(ctx: ServiceContext, job: ArmResource): void; cancel(): void } } {
  const submitted: ArmResource[] = [];
  return { submitted, executor: { submit: (_ctx, job) => void submitted.push(job), cancel: () => undefined } };
}

const JOB_DEFINITION = { jobType: 'Command', command: 'python train.py', environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1', computeId: CLUSTER };
const MINUTE = 60_000;

describe('emulator ARM: schedules', () => {
  async function schedule(h: ArmHarness, name: string, trigger: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const created = await h.send('PUT', `${WS}/schedules/${name}`, { body: { properties: { trigger, action: { actionType: 'CreateJob', jobDefinition: JOB_DEFINITION }, ...extra } }, apiVersion: API });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal((await pollToEnd(h, created)).status, 'Succeeded');
    return created.json;
  }
  /** Moves the clock and lets the ARM handler look for due schedules (any request does). */
  async function advance(h: ArmHarness, ms: number) {
    h.advance(ms);
    await h.send('GET', `${WS}/schedules`, { apiVersion: API });
  }

  it('stores a schedule with its shapes; lists enabled ones by default', async () => {
    const { executor } = recordingExecutor();
    const h = createHarness({ jobExecutor: executor });
    const created = await schedule(h, 'nightly', { triggerType: 'Cron', expression: '0 2 * * *', timeZone: 'UTC' });
    assert.deepEqual([created.properties.isEnabled, created.properties.provisioningState, created.type], [true, 'Creating', 'Microsoft.MachineLearningServices/workspaces/schedules']);
    await schedule(h, 'paused', { triggerType: 'Cron', expression: '0 2 * * *' }, { isEnabled: false });
    const names = async (view?: string) => (await h.send('GET', `${WS}/schedules${view ? `?listViewType=${view}` : ''}`, { apiVersion: API })).json.value.map((s: ArmResource) => s.name);
    assert.deepEqual(await names(), ['nightly']);
    assert.deepEqual(await names('DisabledOnly'), ['paused']);
    assert.deepEqual(await names('All'), ['nightly', 'paused']);
    const got = (await h.send('GET', `${WS}/schedules/nightly`, { apiVersion: API })).json;
    assert.deepEqual([got.properties.provisioningState, got.properties.trigger.expression, got.properties.action.jobDefinition.command], ['Succeeded', '0 2 * * *', 'python train.py']);
    const active = await h.send('DELETE', `${WS}/schedules/nightly`, { apiVersion: API });
    assert.deepEqual([active.status, active.json.error.message], [400, "Cannot delete an active trigger: schedule 'nightly' is enabled. Disable it first."]);
    const disabled = await h.send('PUT', `${WS}/schedules/nightly`, { body: { properties: { ...got.properties, isEnabled: false } }, apiVersion: API });
    assert.equal((await pollToEnd(h, disabled)).status, 'Succeeded');
    const deleted = await h.send('DELETE', `${WS}/schedules/nightly`, { apiVersion: API });
    assert.equal(deleted.status, 202);
    await pollToEnd(h, deleted);
    assert.equal((await h.send('GET', `${WS}/schedules/nightly`, { apiVersion: API })).status, 404);
  });

  it('refuses bad triggers: cron fields, unknown time zones, recurrence settings', async () => {
    const h = createHarness();
    const put = (trigger: Record<string, unknown>) => h.send('PUT', `${WS}/schedules/bad`, { body: { properties: { trigger, action: { actionType: 'CreateJob', jobDefinition: JOB_DEFINITION } } }, apiVersion: API });
    assert.match((await put({ triggerType: 'Cron', expression: '0 2 * *' })).json.error.message, /needs five fields/);
    assert.match((await put({ triggerType: 'Cron', expression: '0 25 * * *' })).json.error.message, /out of range for hour/);
    assert.match((await put({ triggerType: 'Cron', expression: '0 2 * * *', timeZone: 'Mars Standard Time' })).json.error.message, /Unknown time zone 'Mars Standard Time'/);
    assert.match((await put({ triggerType: 'Recurrence', frequency: 'Week', interval: 0 })).json.error.message, /interval 0/);
    assert.match((await put({ triggerType: 'Recurrence', frequency: 'Hour', interval: 1, schedule: { hours: [1], minutes: [0] } })).json.error.message, /applies to frequency Day, Week or Month/);
  });

  it('fires a cron schedule at each due minute of the emulator clock, one job per jump, never when disabled', async () => {
    const { executor, submitted } = recordingExecutor();
    const h = createHarness({ jobExecutor: executor });
    // The harness clock starts at 2026-01-01T00:00:00Z.
    await schedule(h, 'hourly', { triggerType: 'Cron', expression: '30 * * * *', timeZone: 'UTC' });
    await schedule(h, 'off', { triggerType: 'Cron', expression: '*/1 * * * *' }, { isEnabled: false });
    await advance(h, 20 * MINUTE);
    assert.equal(submitted.length, 0);
    await advance(h, 15 * MINUTE);
    assert.deepEqual(submitted.map((j) => j.name), ['hourly-202601010030']);
    const job = submitted[0];
    assert.deepEqual([job.properties.jobType, job.properties.command, job.properties.displayName], ['Command', 'python train.py', 'hourly-20260101T003000Z']);
    assert.equal((await h.send('GET', `${WS}/jobs/hourly-202601010030`, { apiVersion: API })).json.properties.status, 'NotStarted');
    // A jump over three due times creates one job, for the latest (Azure ML does not backfill).
    await advance(h, 3 * 60 * MINUTE);
    assert.deepEqual(submitted.map((j) => j.name), ['hourly-202601010030', 'hourly-202601010330']);
  });

  it('fires recurrences on their days and hours in the trigger time zone', async () => {
    const { executor, submitted } = recordingExecutor();
    const h = createHarness({ jobExecutor: executor });
    // Weekly on Monday 09:15 Pacific time (17:15 UTC in January); 2026-01-01 is a Thursday.
    await schedule(h, 'weekly', { triggerType: 'Recurrence', frequency: 'Week', interval: 1, schedule: { hours: [9], minutes: [15], weekDays: ['Monday'] }, timeZone: 'Pacific Standard Time', startTime: '2026-01-01T00:00:00' });
    // Every 2 days at the start time's hour and minute (06:00 UTC), from 2026-01-01.
    await schedule(h, 'everyother', { triggerType: 'Recurrence', frequency: 'Day', interval: 2, startTime: '2026-01-01T06:00:00Z' });
    await advance(h, 7 * 60 * MINUTE);
    assert.deepEqual(submitted.map((j) => j.name), ['everyother-202601010600']);
    for (let hours = 7; hours < 5 * 24; hours += 1) await advance(h, 60 * MINUTE);
    assert.deepEqual(submitted.map((j) => j.name).sort(), ['everyother-202601010600', 'everyother-202601030600', 'everyother-202601050600', 'weekly-202601051715']);
  });

  it('creates the job of an existing job when the definition names it (sourceJobId), without the output locations the service picked for it', async () => {
    const { executor, submitted } = recordingExecutor();
    const h = createHarness({ jobExecutor: executor });
    const source = {
      jobType: 'Pipeline', settings: { default_compute: CLUSTER }, jobs: { train: { type: 'command', command: 'python train.py' } },
      outputs: { model: { jobOutputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/azureml/train-1/model/' }, report: { jobOutputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/reports/' } },
    };
    assert.equal((await h.send('PUT', `${WS}/jobs/train-1`, { body: { properties: source }, apiVersion: API })).status, 201);
    const put = (sourceJobId: string) => h.send('PUT', `${WS}/schedules/retrain`, { body: { properties: { trigger: { triggerType: 'Cron', expression: '0 * * * *' }, action: { actionType: 'CreateJob', jobDefinition: { jobType: 'Pipeline', sourceJobId } } } }, apiVersion: API });
    const unknown = await put(`${WS}/jobs/nope`);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.target, 'properties.action.jobDefinition.sourceJobId');
    await pollToEnd(h, await put(`${WS}/jobs/train-1`));
    await advance(h, 61 * MINUTE);
    const job = submitted.find((j) => j.name.startsWith('retrain-'))!;
    assert.deepEqual(job.properties.jobs, source.jobs);
    assert.deepEqual(job.properties.outputs, { model: { jobOutputType: 'uri_folder' }, report: source.outputs.report });
  });

  it('does not fire before startTime or after endTime', async () => {
    const { executor, submitted } = recordingExecutor();
    const h = createHarness({ jobExecutor: executor });
    await schedule(h, 'window', { triggerType: 'Cron', expression: '0 * * * *', startTime: '2026-01-01T02:00:00Z', endTime: '2026-01-01T03:30:00Z' });
    for (let hours = 0; hours < 6; hours += 1) await advance(h, 60 * MINUTE);
    assert.deepEqual(submitted.map((j) => j.name), ['window-202601010200', 'window-202601010300']);
  });
});
