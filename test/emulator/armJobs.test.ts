import { strict as assert } from 'node:assert';
import { type JobExecutor, setJobStatus } from '../../emulator/src/arm';
import { WS, createHarness } from './armFixtures';

const COMMAND_JOB = {
  properties: {
    jobType: 'Command',
    command: 'python train.py --lr ${{inputs.lr}}',
    environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1',
    computeId: `${WS}/computes/cpu-cluster`,
    experimentName: 'churn',
    inputs: { lr: { jobInputType: 'literal', value: '0.01' }, data: { jobInputType: 'uri_file', uri: 'azureml://datastores/workspaceblobstore/paths/iris.csv' } },
    outputs: { model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } },
    tags: { build: '42' },
  },
};

describe('emulator ARM: jobs', () => {
  it('creates a job NotStarted with its services, and gets and lists it', async () => {
    const h = createHarness();
    const created = await h.send('PUT', `${WS}/jobs/job-1`, { body: COMMAND_JOB });
    assert.equal(created.status, 201);
    assert.equal(created.json.properties.status, 'NotStarted');
    // No &tid=: clients append the tenant (azure-ai-ml's _append_tid_to_studio_url), so a service-side one is doubled.
    assert.equal(created.json.properties.services.Studio.endpoint, `https://ml.azure.com/runs/job-1?wsid=${WS.replace('/resourceGroups/', '/resourcegroups/').replace('/providers/Microsoft.MachineLearningServices/', '/')}`);
    assert.equal(created.json.properties.experimentName, 'churn');
    assert.equal((await h.send('GET', `${WS}/jobs/job-1`)).json.properties.inputs.lr.value, '0.01');
    assert.deepEqual((await h.send('GET', `${WS}/jobs?jobType=Command&tag=build`)).json.value.map((j: any) => j.name), ['job-1']);
    assert.deepEqual((await h.send('GET', `${WS}/jobs?jobType=Pipeline`)).json.value, []);
  });

  it('refuses bad job bodies and references', async () => {
    const h = createHarness();
    assert.equal((await h.send('PUT', `${WS}/jobs/j`, { body: { tags: {} } })).json.error.target, 'properties');
    const unknownType = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { jobType: 'Notebook' } } });
    assert.equal(unknownType.json.error.message, "Unknown value 'Notebook' for 'properties.jobType'. Allowed values: AutoML, Command, Pipeline, Sweep, Spark.");
    // Spark is a job type (newer than the SDK's model): its own required properties are checked.
    const sparkWithoutCode = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { jobType: 'Spark', entry: { sparkJobEntryType: 'SparkJobScalaEntry', className: 'Main' } } } });
    assert.equal(sparkWithoutCode.json.error.message, "Required property 'codeId' not found in JSON. Path 'properties'.");
    // AutoML's required properties, which the SDK's generated model leaves optional.
    const automlWithoutData = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { jobType: 'AutoML', taskDetails: { taskType: 'Regression', targetColumnName: 'y' } } } });
    assert.equal(automlWithoutData.json.error.message, "Required property 'trainingData' not found in JSON. Path 'properties.taskDetails'.");
    const automlWithoutTask = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { jobType: 'AutoML' } } });
    assert.equal(automlWithoutTask.json.error.message, "Required property 'taskDetails' not found in JSON. Path 'properties'.");
    const noCommand = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { jobType: 'Command', environmentId: 'x' } } });
    assert.equal(noCommand.json.error.message, "Required property 'command' not found in JSON. Path 'properties'.");
    const badInput = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { ...COMMAND_JOB.properties, inputs: { d: { jobInputType: 'uri_file' } } } } });
    assert.equal(badInput.json.error.target, 'properties.inputs.d.uri');
    const badMode = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { ...COMMAND_JOB.properties, outputs: { model: { jobOutputType: 'uri_folder', mode: 'Download' } } } } });
    assert.match(badMode.json.error.message, /'properties.outputs.model.mode'. Allowed values: ReadWriteMount, Upload/);
    const noCompute = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { ...COMMAND_JOB.properties, computeId: `${WS}/computes/missing` } } });
    assert.match(noCompute.json.error.message, /computes\/missing' referenced by 'properties.computeId' was not found/);
    // Azure ML takes ARM ids (or registry URIs for assets), never short names: the client resolves those.
    const malformed: Array<[string, unknown, RegExp]> = [
      ['environmentId', 'not-an-environment-reference', /'properties.environmentId' is not a valid environment reference: 'not-an-environment-reference'. It must be an ARM id \(.*\/environments\/<name>\/versions\/<version>\) or a registry URI/],
      ['environmentId', 'azureml:AzureML-minimal:1', /not a valid environment reference/],
      ['environmentId', `${WS}/models/m/versions/1`, /not a valid environment reference/],
      ['codeId', 'azureml://registries/r/environments/e/versions/1', /'properties.codeId' is not a valid code reference/],
      ['computeId', 'cpu-cluster', /'properties.computeId' is not a valid compute reference: 'cpu-cluster'. It must be an ARM id \(\/subscriptions\/<subscription>\/.*\/computes\/<name>\)\.$/],
      ['computeId', 42, /Invalid value 42 at path 'properties.computeId': expected a string/],
    ];
    for (const [property, value, message] of malformed) {
      const refused = await h.send('PUT', `${WS}/jobs/j`, { body: { properties: { ...COMMAND_JOB.properties, [property]: value } } });
      assert.deepEqual([refused.status, refused.json.error.code, refused.json.error.target], [400, 'UserError', `properties.${property}`], JSON.stringify(value));
      assert.match(refused.json.error.message, message);
    }
    const fromRegistry = await h.send('PUT', `${WS}/jobs/j-registry`, { body: { properties: { ...COMMAND_JOB.properties, environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest' } } });
    assert.equal(fromRegistry.status, 201, 'a registry URI with a label is a reference');
    const prefixed = await h.send('PUT', `${WS}/jobs/j-prefixed`, { body: { properties: { ...COMMAND_JOB.properties, environmentId: `azureml:${WS}/environments/missing/versions/1` } } });
    assert.match(prefixed.json.error.message, /environments\/missing\/versions\/1' referenced by 'properties.environmentId' was not found/, 'an azureml:-prefixed ARM id is a reference, checked for existence');
    const changed = await h.send('PUT', `${WS}/jobs/j2`, { body: COMMAND_JOB });
    assert.equal(changed.status, 201);
    const resubmitted = await h.send('PUT', `${WS}/jobs/j2`, { body: { properties: { ...COMMAND_JOB.properties, command: 'echo other' } } });
    assert.equal(resubmitted.status, 400);
  });

  it('cancels as a long-running operation (202 + Location) ending Canceled', async () => {
    const h = createHarness();
    await h.send('PUT', `${WS}/jobs/job-1`, { body: COMMAND_JOB });
    const cancel = await h.send('POST', `${WS}/jobs/job-1/cancel`);
    assert.equal(cancel.status, 202);
    assert.equal((await h.send('GET', `${WS}/jobs/job-1`)).json.properties.status, 'CancelRequested');
    const location = new URL(cancel.headers!.Location);
    assert.equal((await h.send('GET', `${location.pathname}${location.search}`, { apiVersion: null })).status, 202);
    h.advance(1000);
    assert.equal((await h.send('GET', `${location.pathname}${location.search}`, { apiVersion: null })).status, 200);
    assert.equal((await h.send('GET', `${WS}/jobs/job-1`)).json.properties.status, 'Canceled');
  });

  it('hands jobs to a pluggable executor and waits for it to stop a cancelled job', async () => {
    const submitted: string[] = [];
    const cancelled: string[] = [];
    const executor: JobExecutor = { submit: (_ctx, job) => void submitted.push(job.name), cancel: (_ctx, job) => void cancelled.push(job.name) };
    const h = createHarness({ jobExecutor: executor });
    await h.send('PUT', `${WS}/jobs/job-1`, { body: COMMAND_JOB });
    assert.deepEqual(submitted, ['job-1']);
    setJobStatus(h.ctx, `${WS}/jobs/job-1`, 'Running');
    const cancel = await h.send('POST', `${WS}/jobs/job-1/cancel`);
    assert.deepEqual(cancel.status, 202);
    assert.deepEqual(cancelled, ['job-1']);
    h.advance(5000);
    const status = new URL(cancel.headers!['Azure-AsyncOperation']);
    assert.equal((await h.send('GET', `${status.pathname}${status.search}`, { apiVersion: null })).json.status, 'InProgress', 'the job is still stopping');
    setJobStatus(h.ctx, `${WS}/jobs/job-1`, 'Canceled');
    assert.equal((await h.send('GET', `${status.pathname}${status.search}`, { apiVersion: null })).json.status, 'Succeeded');
  });

  it('deletes a job as a long-running operation', async () => {
    const h = createHarness();
    await h.send('PUT', `${WS}/jobs/job-1`, { body: COMMAND_JOB });
    const deleted = await h.send('DELETE', `${WS}/jobs/job-1`);
    assert.equal(deleted.status, 202);
    h.advance(1000);
    assert.equal((await h.send('GET', `${WS}/jobs/job-1`)).status, 404);
    assert.equal((await h.send('DELETE', `${WS}/jobs/job-1`)).status, 204);
  });
});
