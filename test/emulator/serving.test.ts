// Online endpoints served for real: a deployment's score.py runs behind the endpoint's scoring URI,
// with Azure's auth, routing by traffic weights and header, mirroring, status codes, faults and the
// record of every scored request.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningEmulator, startEmulator } from '../../emulator/src';
import { AdminClient } from '../../emulator/src/adminClient';
import { okValue, proxiedRequest, runProbes } from './emulatorFixtures';
import { JobClient, processWatch, writeFiles } from './jobFixtures';

const SCORE_PY = `import json, os

model = None

def init():
    global model
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.json")) as f:
        model = json.load(f)
    print("model loaded", model, flush=True)

def run(raw_data):
    data = json.loads(raw_data)["data"]
    if data == ["boom"]:
        raise ValueError("bad input")
    return {"prediction": [x * model["factor"] for x in data], "tag": os.environ.get("TAG", ""), "pid": os.getpid()}
`;

const BROKEN_SCORE_PY = `def init():
    raise RuntimeError("cannot load the model: weights missing")

def run(raw_data):
    return raw_data
`;

describe('emulator: online endpoints serve deployments for real', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let client: JobClient;
  let admin: AdminClient;
  let tempRoot: string;
  let codeId: string;
  let brokenCodeId: string;
  let modelId: string;
  let scoringUri: string;
  let keys: { primaryKey: string; secondaryKey: string };

  const deploymentProperties = (code: string, tag: string) => ({
    endpointComputeType: 'Managed',
    instanceType: 'Standard_DS3_v2',
    model: modelId,
    codeConfiguration: { codeId: code, scoringScript: 'score.py' },
    environmentVariables: { TAG: tag },
  });

  const score = (options: { key?: string; deployment?: string; uri?: string; data?: unknown[] } = {}) =>
    proxiedRequest(emulator.connection, options.uri ?? scoringUri, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.key === '' ? {} : { authorization: `Bearer ${options.key ?? keys.primaryKey}` }),
        ...(options.deployment ? { 'azureml-model-deployment': options.deployment } : {}),
      },
      body: JSON.stringify({ data: options.data ?? [1, 2] }),
    });

  /** Polls the request's Azure-AsyncOperation until it ends; returns the status document. */
  const pollOperation = async (response: { headers: Record<string, unknown> }) => {
    const url = String(response.headers['azure-asyncoperation']);
    for (;;) {
      const status = (await client.armUrl('GET', url)).json();
      if (status.status !== 'InProgress') return status;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  };

  const putDeployment = async (name: string, properties: Record<string, unknown>) => {
    const created = await client.arm('PUT', `/onlineEndpoints/score-ep/deployments/${name}`, { location: emulator.connection.location, sku: { name: 'Default', capacity: 1 }, properties });
    assert.equal(created.status, 201, created.text);
    return pollOperation(created);
  };

  const setTraffic = async (traffic: Record<string, number>, mirrorTraffic?: Record<string, number>) => {
    const updated = await client.arm('PUT', '/onlineEndpoints/score-ep', { location: emulator.connection.location, properties: { authMode: 'Key', traffic, ...(mirrorTraffic ? { mirrorTraffic } : {}) } }, '2023-04-01');
    assert.equal(updated.status, 200, updated.text);
    await pollOperation(updated);
  };

  before(async () => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'serving-'));
    emulator = await startEmulator({ stateDir: path.join(tempRoot, 'state') });
    client = new JobClient(emulator);
    admin = new AdminClient(emulator.connection.adminUrl);
    codeId = await client.createCode(writeFiles(path.join(tempRoot, 'good', 'src'), { 'score.py': SCORE_PY }));
    brokenCodeId = await client.createCode(writeFiles(path.join(tempRoot, 'broken', 'src'), { 'score.py': BROKEN_SCORE_PY }));
    await client.uploadBlob('models/churn/model/weights.json', JSON.stringify({ factor: 10 }));
    const model = await client.arm('PUT', '/models/churn/versions/1', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/models/churn/model', modelType: 'custom_model' } });
    modelId = model.json().id;
  });

  let stopped = false;
  afterEach(() => (stopped ? undefined : admin.clearFaults()));

  after(async () => {
    await emulator?.stop();
    fs.rmSync(tempRoot, { recursive: true, force: true });
  });

  it('provisions a deployment with the SDK and answers predictions from its score.py', async () => {
    const [created] = await runProbes(emulator, [{ probe: 'onlineDeployment', endpoint: 'score-ep', authMode: 'Key', deployment: 'blue', deploymentProperties: deploymentProperties(codeId, 'blue'), traffic: { blue: 100 } }]);
    const value = okValue(created);
    assert.equal(value.provisioningState, 'Succeeded');
    assert.equal(value.scoringUri, `https://score-ep.${emulator.connection.location}.inference.ml.azure.com/score`);
    assert.equal(value.swaggerUri, `https://score-ep.${emulator.connection.location}.inference.ml.azure.com/swagger.json`);
    assert.match(value.logs, /model loaded \{'factor': 10\}/);
    assert.match(value.logs, /Users's init has completed successfully/);
    assert.match(value.storageLogs, /Model downloaded to .*azureml-models\/churn\/1/);
    scoringUri = value.scoringUri;
    keys = value.credentials;

    const answer = await score({ data: [1, 2, 3] });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json().prediction, [10, 20, 30]);
    assert.equal(answer.headers['azureml-model-deployment'], 'blue');
    const failed = await score({ data: ['boom'] });
    assert.equal(failed.status, 424, 'the model\'s own 500 reaches the client as a 424');
    assert.equal(failed.headers['ms-azureml-model-error-statuscode'], '500');
    const swagger = await proxiedRequest(emulator.connection, value.swaggerUri, { headers: { authorization: `Bearer ${keys.secondaryKey}` } });
    assert.equal(swagger.status, 200);
    assert.ok(swagger.json().paths['/score']);
  });

  it('refuses requests without a valid key or token with 401', async () => {
    assert.equal((await score({ key: '' })).status, 401);
    assert.equal((await score({ key: 'not-a-key' })).status, 401);
    assert.equal((await score({ key: keys.secondaryKey })).status, 200);
    const unknown = await proxiedRequest(emulator.connection, `https://no-such-ep.${emulator.connection.location}.inference.ml.azure.com/score`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
  });

  it('fails provisioning when init() raises, with the traceback in the container logs', async () => {
    const result = await putDeployment('broken', deploymentProperties(brokenCodeId, 'broken'));
    assert.equal(result.status, 'Failed');
    assert.equal(result.error.code, 'ResourceNotReady');
    const deployment = (await client.arm('GET', '/onlineEndpoints/score-ep/deployments/broken')).json();
    assert.equal(deployment.properties.provisioningState, 'Failed');
    const logs = (await client.arm('POST', '/onlineEndpoints/score-ep/deployments/broken/getLogs', { containerType: 'InferenceServer', tail: 50 })).json().content;
    assert.match(logs, /RuntimeError: cannot load the model: weights missing/);
    const missing = await putDeployment('noscript', { ...deploymentProperties(codeId, 'x'), codeConfiguration: { codeId, scoringScript: 'missing.py' } });
    assert.equal(missing.status, 'Failed');
    const missingLogs = (await client.arm('POST', '/onlineEndpoints/score-ep/deployments/noscript/getLogs', { containerType: 'InferenceServer' })).json().content;
    assert.match(missingLogs, /entry script 'missing.py' was not found/);
  });

  it('routes by traffic weights exactly, lets the header override them, and mirrors copies', async () => {
    assert.equal((await putDeployment('green', deploymentProperties(codeId, 'green'))).status, 'Succeeded');
    await setTraffic({ blue: 70, green: 30 });
    const served: string[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await score();
      assert.equal(answer.status, 200);
      assert.equal(answer.json().tag, answer.headers['azureml-model-deployment']);
      served.push(String(answer.headers['azureml-model-deployment']));
    }
    assert.deepEqual([served.filter((d) => d === 'blue').length, served.filter((d) => d === 'green').length], [7, 3]);
    const named = await score({ deployment: 'green' });
    assert.equal(named.headers['azureml-model-deployment'], 'green');
    assert.equal((await score({ deployment: 'purple' })).status, 404);

    await setTraffic({ blue: 100 }, { green: 20 });
    const since = await admin.now();
    for (let i = 0; i < 10; i++) assert.equal((await score()).headers['azureml-model-deployment'], 'blue');
    await score({ deployment: 'blue' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const records = await admin.scoring({ since, endpoint: 'score-ep' });
    const mirrored = records.filter((r) => r.mirrored);
    assert.equal(mirrored.length, 2, 'a 20% mirror copies 2 of 10 requests; a request naming a deployment is not mirrored');
    assert.ok(mirrored.every((r) => r.deployment === 'green' && r.statusCode === 200));
    assert.equal(records.filter((r) => !r.mirrored).length, 11);
    assert.ok(records.every((r) => typeof r.latencyMs === 'number' && r.time >= since));

    const refused = await client.arm('DELETE', '/onlineEndpoints/score-ep/deployments/green');
    assert.equal(refused.status, 400);
    assert.match(refused.json().error.message, /receives 20% of endpoint 'score-ep' mirror traffic/);
    await setTraffic({}, {});
    assert.equal((await score()).status, 404, 'no deployment has a positive weight');
    await setTraffic({ blue: 100 }, {});
  });

  it('updates a deployment in place without dropping requests: the old container serves until the new one is up', async () => {
    const updated = await client.arm('PUT', '/onlineEndpoints/score-ep/deployments/blue', { location: emulator.connection.location, sku: { name: 'Default', capacity: 1 }, properties: deploymentProperties(codeId, 'blue-v2') });
    assert.equal(updated.status, 200, updated.text);
    const tags = new Set<string>();
    let status = 'InProgress';
    while (status === 'InProgress') {
      const answer = await score({ deployment: 'blue' });
      assert.equal(answer.status, 200, answer.text);
      tags.add(answer.json().tag);
      status = (await client.armUrl('GET', String(updated.headers['azure-asyncoperation']))).json().status;
    }
    assert.equal(status, 'Succeeded');
    assert.ok(tags.has('blue'), 'the old container answered during the update');
    assert.equal((await score({ deployment: 'blue' })).json().tag, 'blue-v2');
  });

  it('answers a share of requests with a 5xx and slows answers under faults, and records them', async () => {
    const deploymentPath = `${client.workspaceId}/onlineEndpoints/score-ep/deployments/green`;
    await admin.addFault({ kind: 'deploymentErrors', pathPattern: deploymentPath, errorRate: 0.5, status: 503 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await score({ deployment: 'green' })).status);
    assert.deepEqual(statuses.sort(), [200, 200, 503, 503]);
    await admin.clearFaults();
    await admin.addFault({ kind: 'deploymentLatency', pathPattern: deploymentPath, latencyMs: 300 });
    const since = await admin.now();
    assert.equal((await score({ deployment: 'green' })).status, 200);
    const [slow] = await admin.scoring({ since, deployment: 'green' });
    assert.ok(slow.latencyMs >= 300, `latency ${slow.latencyMs}`);
  });

  it('refuses what Azure ML refuses, through the SDK: names, traffic sums and targets, deployment kinds, deleting a deployment with traffic', async () => {
    const [rules] = await runProbes(emulator, [{ probe: 'endpointRules', endpoint: 'score-ep', deployment: 'blue' }]);
    const value = okValue(rules);
    for (const refused of Object.values(value) as Array<{ statusCode: number; code: string }>) assert.deepEqual([refused.statusCode, refused.code], [400, 'UserError']);
    assert.match(value.badName.message, /must start with an upper- or lowercase letter/);
    assert.match(value.trafficSum.message, /sums to 60; it must sum to 0 or 100/);
    assert.match(value.missingDeployment.message, /Deployment 'ghost' named in traffic does not exist/);
    assert.match(value.wrongKind.message, /takes 'Managed' deployments/);
    assert.match(value.deleteWithTraffic.message, /receives 100% of endpoint 'score-ep' traffic/);
  });

  it('computes Azure Monitor metrics from the scored requests, once the metrics delay has passed', async () => {
    const since = await admin.now();
    for (let i = 0; i < 4; i++) await score({ deployment: 'blue' });
    await admin.addFault({ kind: 'deploymentErrors', pathPattern: '**/deployments/green', errorRate: 1, status: 500 });
    for (let i = 0; i < 2; i++) await score({ deployment: 'green' });
    const query = (metricnames: string, filter: string, apiVersion = '2018-01-01', resource = '/onlineEndpoints/score-ep') => {
      const params = new URLSearchParams({ 'api-version': apiVersion, metricnames, timespan: `${since}/PT10M`, interval: 'FULL', aggregation: 'Total,Average', $filter: filter });
      return client.armUrl('GET', `https://management.azure.com${client.workspaceId}${resource}/providers/Microsoft.Insights/metrics?${params}`);
    };
    const series = (body: any) =>
      Object.fromEntries(body.value[0].timeseries.map((t: any) => [t.metadatavalues.map((m: any) => m.value).join('/'), t.data.reduce((sum: number, d: any) => sum + (d.total ?? 0), 0)]));
    const early = await query('RequestsPerMinute', "deployment eq '*' and statusCodeClass eq '*'");
    assert.equal(early.status, 200, early.text);
    assert.deepEqual(series(early.json()), {}, 'Azure Monitor data arrives late (60 s by default)');
    await admin.advanceTime(120);
    const requests = (await query('RequestsPerMinute', "deployment eq '*' and statusCodeClass eq '*'", '2023-10-01')).json();
    assert.equal(requests.value[0].name.value, 'RequestsPerMinute');
    assert.equal(requests.value[0].timeseries[0].metadatavalues[0].name.value, 'deployment');
    assert.deepEqual(series(requests), { 'blue/2xx': 4, 'green/5xx': 2 });
    const green = (await query('RequestsPerMinute', "statusCodeClass eq '*'", '2023-10-01', '/onlineEndpoints/score-ep/deployments/green')).json();
    assert.equal(green.namespace, 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments');
    assert.deepEqual(series(green), { '5xx': 2 }, 'a deployment\'s metrics count its own requests');
    const p95 = (await query('RequestLatency_P95', "deployment eq 'blue'")).json();
    assert.equal(p95.value[0].unit, 'MilliSeconds');
    assert.ok(p95.value[0].timeseries[0].data[0].average > 0);
    const wrongDimension = await query('RequestLatency_P95', "statusCodeClass eq '*'");
    assert.equal(wrongDimension.status, 400);
    assert.match(wrongDimension.json().error.message, /does not support requested dimension combination/);
  });

  it('crashes a deployment at start under a deploymentUnhealthy fault, with logs saying why', async () => {
    await admin.addFault({ kind: 'deploymentUnhealthy', method: 'PUT', pathPattern: '/subscriptions/**/deployments/crashy' });
    const result = await putDeployment('crashy', deploymentProperties(codeId, 'crashy'));
    assert.equal(result.status, 'Failed');
    const logs = (await client.arm('POST', '/onlineEndpoints/score-ep/deployments/crashy/getLogs', { containerType: 'InferenceServer' })).json().content;
    assert.match(logs, /Exception in worker process: the container was OOMKilled/);
  });

  it('serves an aml_token endpoint with tokens from getToken, and stops processes when deleted', async () => {
    const [created] = await runProbes(emulator, [{ probe: 'onlineDeployment', endpoint: 'token-ep', authMode: 'AMLToken', deployment: 'only', deploymentProperties: deploymentProperties(codeId, 'only'), traffic: { only: 100 } }]);
    const value = okValue(created);
    assert.equal(value.provisioningState, 'Succeeded');
    const uri = value.scoringUri;
    assert.equal((await score({ uri, key: value.credentials.accessToken })).status, 200);
    assert.equal((await score({ uri, key: keys.primaryKey })).status, 401, 'a key does not open an aml_token endpoint');
    const scoring = processWatch((await score({ uri, key: value.credentials.accessToken })).json().pid as number);
    assert.ok(scoring());
    await admin.advanceTime(3601);
    assert.equal((await score({ uri, key: value.credentials.accessToken })).status, 401, 'the token expired');
    // The clock moved past the ARM token too: a new client signs in again.
    const deleted = await new JobClient(emulator).arm('DELETE', '/onlineEndpoints/token-ep');
    assert.equal(deleted.status, 202);
    for (let i = 0; i < 40 && scoring(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(scoring(), false, 'the scoring process is gone');
  });

  it('stops every scoring process when the emulator stops', async () => {
    const scoring = processWatch((await score()).json().pid as number);
    assert.ok(scoring());
    stopped = true;
    await emulator.stop();
    assert.equal(scoring(), false);
  });

  it('serves its deployments again after a restart on the same state directory', async () => {
    emulator = await startEmulator({ stateDir: path.join(tempRoot, 'state') });
    let answer = await score();
    for (let i = 0; i < 50 && answer.status === 502; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await score();
    }
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json().prediction, [10, 20]);
  });
});
