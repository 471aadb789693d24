// Batch endpoint invocations end to end through the proxy: a POST to the endpoint's scoringUri with
// an Entra token, as azure-ai-ml's batch_endpoints.invoke sends it, creates a real job that runs the
// deployment's scoring script over mini-batches of the input files and writes predictions.csv.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { proxiedRequest, secretToken, sharedEmulator } from './emulatorFixtures';
import { JobClient, writeFiles } from './jobFixtures';

const API = '2023-04-01';
const ENVIRONMENT = 'azureml://registries/azureml/environments/sklearn-1.5/versions/1';

/** A batch scoring script: the model's factor read in init() (at AZUREML_MODEL_DIR/$MODEL_FILE), one row per file in run(). */
const SCORE_PY = [
  'import os, time',
  'def init():',
  '    global factor',
  '    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], *os.environ.get("MODEL_FILE", "model/factor.txt").split("/"))) as f:',
  '        factor = int(f.read())',
  '    print("init: factor", factor, flush=True)',
  'def run(mini_batch):',
  '    print("mini-batch of", len(mini_batch), flush=True)',
  '    rows = []',
  '    for path in mini_batch:',
  '        if os.environ.get("SLOW"):',
  '            time.sleep(60)',
  '        rows.append(f"{os.path.basename(path)},{int(open(path).read()) * factor}")',
  '    return rows',
].join('\n');

const BROKEN_PY = ['def init():', '    raise FileNotFoundError("model.pkl is missing from AZUREML_MODEL_DIR")', 'def run(mini_batch):', '    return []'].join('\n');

describe('emulator: batch endpoint invocations run the scoring script as a job', function () {
  this.timeout(180_000);
  const shared = sharedEmulator();
  let client: JobClient;
  let scoringUri: string;
  let mlToken: string;
  let scoreCode: string;

  async function waitProvisioned(relative: string): Promise<any> {
    for (;;) {
      const resource = (await client.arm('GET', relative, undefined, API)).json();
      if (resource.properties.provisioningState !== 'Creating' && resource.properties.provisioningState !== 'Updating') return resource;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function deploy(name: string, codeId: string | undefined, properties: Record<string, unknown> = {}, model = 'factor'): Promise<void> {
    const response = await client.arm('PUT', `/batchEndpoints/sales-batch/deployments/${name}`, {
      location: shared.emulator().connection.location,
      properties: {
        model: { referenceType: 'Id', assetId: `${client.workspaceId}/models/${model}/versions/1` },
        ...(codeId ? { codeConfiguration: { codeId, scoringScript: 'score.py' }, environmentId: ENVIRONMENT } : {}),
        compute: `${client.workspaceId}/computes/cpu-cluster`,
        miniBatchSize: 2,
        ...properties,
      },
    }, API);
    assert.equal(response.status, 201, response.text);
    assert.equal((await waitProvisioned(`/batchEndpoints/sales-batch/deployments/${name}`)).properties.provisioningState, 'Succeeded');
  }

  function invoke(body: unknown, headers: Record<string, string> = {}, token: string | null = mlToken) {
    return proxiedRequest(shared.emulator().connection, scoringUri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify(body),
    });
  }

  /** The body azure-ai-ml sends for invoke(input=Input(type="uri_folder", path=...)). */
  const folderInput = (folder: string) => ({ properties: { InputData: { input: { JobInputType: 'UriFolder', Uri: `azureml://datastores/workspaceblobstore/paths/${folder}/` } } } });

  async function scoringChild(jobName: string): Promise<any> {
    const children = (await client.dataplane('GET', 'history/v1.0', `/runs/${jobName}/children`)).json().value;
    assert.equal(children.length, 1, JSON.stringify(children));
    return children[0];
  }

  before(async () => {
    client = new JobClient(shared.emulator());
    const stateDir = shared.emulator().stateDir;
    scoreCode = await client.createCode(writeFiles(path.join(stateDir, 'batch-src'), { 'score.py': SCORE_PY }));
    const brokenCode = await client.createCode(writeFiles(path.join(stateDir, 'broken-src'), { 'score.py': BROKEN_PY }));
    await client.uploadBlob('LocalUpload/factor1/model/factor.txt', '3');
    const model = await client.arm('PUT', '/models/factor/versions/1', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/factor1/model', modelType: 'custom_model' } }, API);
    assert.equal(model.status, 201, model.text);
    await client.arm('PUT', '/models/factor-mlflow/versions/1', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/factor1/model', modelType: 'mlflow_model' } }, API);
    for (const [name, value] of [['a.csv', '1'], ['b.csv', '2'], ['c.csv', '5']]) await client.uploadBlob(`sales/${name}`, value);
    const endpoint = await client.arm('PUT', '/batchEndpoints/sales-batch', { location: shared.emulator().connection.location, properties: { authMode: 'AADToken' } }, API);
    assert.equal(endpoint.status, 201, endpoint.text);
    scoringUri = (await waitProvisioned('/batchEndpoints/sales-batch')).properties.scoringUri;
    await deploy('scorer', scoreCode);
    await deploy('broken', brokenCode);
    await deploy('slow', scoreCode, { environmentVariables: { SLOW: '1' } });
    await deploy('mlflow', undefined, {}, 'factor-mlflow');
    mlToken = await secretToken(shared.emulator().connection, 'https://ml.azure.com/.default');
  });

  it('refuses invocations without a token or a deployment to run', async () => {
    const anonymous = await invoke(folderInput('sales'), {}, null);
    assert.equal(anonymous.status, 401, anonymous.text);
    const noDefault = await invoke(folderInput('sales'));
    assert.equal(noDefault.status, 400);
    assert.match(noDefault.json().error.message, /has no default deployment/);
    const unknown = await invoke(folderInput('sales'), { 'azureml-model-deployment': 'nope' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json().error.message, /Deployment 'nope' does not exist in batch endpoint 'sales-batch'/);
  });

  it('runs the default deployment: init() then run() per mini-batch, rows in predictions.csv on the datastore, job Completed', async () => {
    const setDefault = await client.arm('PUT', '/batchEndpoints/sales-batch', { location: shared.emulator().connection.location, properties: { authMode: 'AADToken', defaults: { deploymentName: 'scorer' } } }, API);
    assert.equal(setDefault.status, 200, setDefault.text);
    await waitProvisioned('/batchEndpoints/sales-batch');
    const invoked = await invoke(folderInput('sales'));
    assert.equal(invoked.status, 200, invoked.text);
    const name: string = invoked.json().name;
    assert.match(name, /^batchjob-[0-9a-f-]{36}$/);
    assert.equal(invoked.headers['azureml-model-deployment'], 'scorer');
    const job = await client.waitFor(name);
    const child = await scoringChild(name);
    const log = await client.stdLog(child.runId);
    assert.equal(job.properties.status, 'Completed', log);
    assert.deepEqual([job.properties.jobType, job.properties.experimentName, job.properties.properties['azureml.deploymentname']], ['Pipeline', 'sales-batch', 'scorer']);
    // Clients load a pipeline job's steps as components: the scoring step is an anonymous one.
    assert.match(job.properties.jobs.batchscoring.componentId, /\/components\/azureml_anonymous\/versions\/[0-9a-f-]{36}$/);
    assert.match(log, /init: factor 3/);
    assert.equal(log.match(/^mini-batch of \d$/gm)?.join('|'), 'mini-batch of 2|mini-batch of 1', log);
    const output: string = job.properties.outputs.score.uri;
    assert.match(output, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/azureml\/[^/]+\/score\/$/);
    const predictions = await client.readBlob(`${output.replace(/^azureml:\/\/datastores\/workspaceblobstore\/paths\//, '')}predictions.csv`);
    assert.equal(predictions, 'a.csv,3\nb.csv,6\nc.csv,15\n');
  });

  it('writes to the invocation outputDataset, with its own file name and mini-batch size', async () => {
    const datastoreId = `${client.workspaceId}/datastores/workspaceblobstore`;
    const invoked = await invoke({ properties: { ...folderInput('sales').properties, outputDataset: { datastoreId, path: 'scored/run1' }, outputFileName: 'out.csv', miniBatchSize: 3 } }, { 'azureml-model-deployment': 'scorer' });
    assert.equal(invoked.status, 200, invoked.text);
    const job = await client.waitFor(invoked.json().name);
    assert.equal(job.properties.status, 'Completed');
    const log = await client.stdLog((await scoringChild(job.name)).runId);
    assert.equal(log.match(/^mini-batch of \d$/gm)?.join('|'), 'mini-batch of 3', log);
    assert.equal(await client.readBlob('scored/run1/out.csv'), 'a.csv,3\nb.csv,6\nc.csv,15\n');
  });

  /** Registers a model at modelUri, deploys the scorer with it (reading the factor at AZUREML_MODEL_DIR/<modelFile>), and scores sales/. */
  async function scoreWithModel(name: string, modelUri: string, modelFile: string): Promise<{ job: any; log: string; predictions: string | undefined }> {
    const model = await client.arm('PUT', `/models/${name}/versions/1`, { properties: { modelUri, modelType: 'custom_model' } }, API);
    assert.equal(model.status, 201, model.text);
    await deploy(name, scoreCode, { environmentVariables: { MODEL_FILE: modelFile } }, name);
    const invoked = await invoke(folderInput('sales'), { 'azureml-model-deployment': name });
    assert.equal(invoked.status, 200, invoked.text);
    const job = await client.waitFor(invoked.json().name);
    const log = await client.stdLog((await scoringChild(job.name)).runId);
    const output: string = job.properties.outputs.score.uri;
    return { job, log, predictions: await client.readBlob(`${output.replace(/^azureml:\/\/datastores\/workspaceblobstore\/paths\//, '')}predictions.csv`) };
  }

  it('mounts a model registered from a file as AZUREML_MODEL_DIR/<file name>', async () => {
    await client.uploadBlob('LocalUpload/factor2/factor.txt', '4');
    const { job, log, predictions } = await scoreWithModel('factor-file', 'azureml://datastores/workspaceblobstore/paths/LocalUpload/factor2/factor.txt', 'factor.txt');
    assert.equal(job.properties.status, 'Completed', log);
    assert.match(log, /init: factor 4/);
    assert.equal(predictions, 'a.csv,4\nb.csv,8\nc.csv,20\n');
  });

  it('mounts a model registered from a job output (azureml://jobs/<job>/outputs/model) as AZUREML_MODEL_DIR/<its folder>', async () => {
    await client.submit('train-factor', { jobType: 'Command', command: 'echo 7 > ${{outputs.model}}/factor.txt', environmentId: ENVIRONMENT, computeId: `${client.workspaceId}/computes/cpu-cluster`, outputs: { model: { jobOutputType: 'uri_folder' } } });
    const trained = await client.waitFor('train-factor');
    assert.equal(trained.properties.status, 'Completed', JSON.stringify(trained.properties));
    const folder = String(trained.properties.outputs.model.uri).replace(/\/+$/, '').split('/').pop();
    const { job, log, predictions } = await scoreWithModel('factor-job', 'azureml://jobs/train-factor/outputs/model', `${folder}/factor.txt`);
    assert.equal(job.properties.status, 'Completed', log);
    assert.match(log, /init: factor 7/);
    assert.equal(predictions, 'a.csv,7\nb.csv,14\nc.csv,35\n');
  });

  it('ends Failed when the scoring script fails, with its error in the logs', async () => {
    const invoked = await invoke(folderInput('sales'), { 'azureml-model-deployment': 'broken' });
    const job = await client.waitFor(invoked.json().name);
    assert.equal(job.properties.status, 'Failed');
    const log = await client.stdLog((await scoringChild(job.name)).runId);
    assert.match(log, /FileNotFoundError: model.pkl is missing from AZUREML_MODEL_DIR/);
  });

  it('ends an MLflow deployment without a scoring script Failed, saying why', async () => {
    const invoked = await invoke(folderInput('sales'), { 'azureml-model-deployment': 'mlflow' });
    const job = await client.waitFor(invoked.json().name);
    assert.equal(job.properties.status, 'Failed');
    assert.match(await client.stdLog((await scoringChild(job.name)).runId), /cannot score this MLflow model deployment/);
  });

  it('runs a pipeline component deployment as a pipeline job with the component as its step', async () => {
    const component = await client.arm('PUT', '/components/count_files/versions/1', {
      properties: {
        componentSpec: {
          name: 'count_files', type: 'pipeline',
          inputs: { data: { type: 'uri_folder' } },
          outputs: { listing: { type: 'uri_folder' } },
          jobs: {
            list: {
              type: 'command', command: 'ls ${{inputs.data}} > ${{outputs.listing}}/files.txt',
              inputs: { data: { job_input_type: 'literal', value: '${{parent.inputs.data}}' } },
              outputs: { listing: { value: '${{parent.outputs.listing}}' } },
            },
          },
        },
      },
    }, API);
    assert.equal(component.status, 201, component.text);
    const deployment = await client.arm('PUT', '/batchEndpoints/sales-batch/deployments/retrain', {
      location: shared.emulator().connection.location,
      properties: { deploymentConfiguration: { deploymentConfigurationType: 'PipelineComponent', componentId: { referenceType: 'Id', assetId: component.json().id }, settings: { default_compute: `${client.workspaceId}/computes/cpu-cluster` } } },
    }, '2023-04-01-preview');
    assert.equal(deployment.status, 201, deployment.text);
    await waitProvisioned('/batchEndpoints/sales-batch/deployments/retrain');
    const invoked = await invoke({ properties: { InputData: { data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/workspaceblobstore/paths/sales/' } } } }, { 'azureml-model-deployment': 'retrain' });
    assert.equal(invoked.status, 200, invoked.text);
    const job = await client.waitFor(invoked.json().name);
    assert.equal(job.properties.status, 'Completed', JSON.stringify(job.properties));
    const listing: string = job.properties.outputs.listing.uri;
    assert.equal(await client.readBlob(`${listing.replace(/^azureml:\/\/datastores\/workspaceblobstore\/paths\//, '')}files.txt`), 'a.csv\nb.csv\nc.csv\n');
  });

  it('cancels an invocation job like any job', async () => {
    const invoked = await invoke(folderInput('sales'), { 'azureml-model-deployment': 'slow' });
    const name = invoked.json().name;
    await client.waitFor(name, (job) => job.properties.status === 'Running');
    for (;;) {
      const children = (await client.dataplane('GET', 'history/v1.0', `/runs/${name}/children`)).json().value;
      if (children.length === 1 && (await client.stdLog(children[0].runId)).includes('init: factor')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cancel = await client.arm('POST', `/jobs/${name}/cancel`, undefined, API);
    assert.equal(cancel.status, 202);
    assert.equal((await client.waitFor(name)).properties.status, 'Canceled');
  });
});

describe('emulator: schedules create real jobs on the advanced clock', function () {
  this.timeout(120_000);
  const shared = sharedEmulator();

  it('runs the job of an enabled schedule once per due time, and none of a disabled one', async () => {
    let client = new JobClient(shared.emulator());
    const jobDefinition = { jobType: 'Command', command: 'echo retraining', environmentId: ENVIRONMENT, computeId: `${client.workspaceId}/computes/cpu-cluster`, experimentName: 'retrain' };
    for (const [name, isEnabled] of [['half-hourly', true], ['paused', false]] as const) {
      const created = await client.arm('PUT', `/schedules/${name}`, { properties: { isEnabled, trigger: { triggerType: 'Cron', expression: '*/30 * * * *', timeZone: 'UTC' }, action: { actionType: 'CreateJob', jobDefinition } } }, API);
      assert.equal(created.status, 201, created.text);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Exactly one */30 minute lies in any 30 minutes.
    await shared.admin().advanceTime(30 * 60);
    // Tokens issued before the jump have expired on the emulator clock: a new client gets new ones.
    client = new JobClient(shared.emulator());
    // Azure ML gives every job a schedule triggers the display name <schedule>-YYYYMMDDThhmmssZ.
    const jobs = (await client.arm('GET', '/jobs', undefined, API)).json().value.filter((j: any) => /^(half-hourly|paused)-\d{8}T\d{6}Z$/.test(j.properties.displayName ?? ''));
    assert.deepEqual(jobs.map((j: any) => j.properties.displayName.replace(/-\d{8}T\d{6}Z$/, '')), ['half-hourly']);
    assert.match(jobs[0].name, /^half-hourly-\d{12}$/);
    const job = await client.waitFor(jobs[0].name);
    assert.equal(job.properties.status, 'Completed');
    assert.match(await client.stdLog(job.name), /retraining/);
  });
});
