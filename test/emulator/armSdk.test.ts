// The official client (@azure/arm-machinelearning) against the ARM handler, its HTTP layer wired
// straight to the handler: request serialization, response mappers and the SDK's LRO pollers must
// all work with what the emulator answers.
import { strict as assert } from 'node:assert';
import { type AccountKeyDatastoreSecrets, type AmlCompute, AzureMachineLearningWorkspaces, type ComputeInstance } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { type HttpClient, createHttpHeaders } from '@azure/core-rest-pipeline';
import { type ArmHarness, CONTRIBUTOR, FACTS, READER, WS, bearer, createHarness } from './armFixtures';

function sdkClient(h: ArmHarness, principal = CONTRIBUTOR): AzureMachineLearningWorkspaces {
  const credential: TokenCredential = { getToken: async () => ({ token: bearer(principal).slice('Bearer '.length), expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const httpClient: HttpClient = {
    async sendRequest(request) {
      const headers = request.headers.toJSON();
      const body = typeof request.body === 'string' ? request.body : '';
      const response = await h.send(request.method, new URL(request.url).pathname + new URL(request.url).search, { apiVersion: null, rawBody: body, authorization: headers.authorization, headers });
      const text = response.body === undefined ? '' : JSON.stringify(response.body);
      return { request, status: response.status, headers: createHttpHeaders(response.headers), bodyAsText: text };
    },
  };
  return new AzureMachineLearningWorkspaces(credential, FACTS.subscriptionId, { httpClient, retryOptions: { maxRetries: 0 } });
}

const { resourceGroupName: RG, workspaceName: WSNAME } = FACTS;

describe('emulator ARM with the official @azure/arm-machinelearning client', function () {
  // Real pollers wait Retry-After (1 s) between polls.
  this.timeout(30_000);

  it('creates, scales and deletes a cluster with the SDK pollers', async () => {
    const h = createHarness({ realClock: true });
    const client = sdkClient(h);
    const created = await client.computeOperations.beginCreateOrUpdateAndWait(RG, WSNAME, 'sdk-cluster', {
      location: FACTS.location,
      properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 2, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT2M' } } },
    });
    assert.equal(created.properties?.provisioningState, 'Succeeded');
    const updated = await client.computeOperations.beginUpdateAndWait(RG, WSNAME, 'sdk-cluster', { properties: { scaleSettings: { maxNodeCount: 3 } } });
    assert.equal(updated.properties?.computeType, 'AmlCompute');
    const got = await client.computeOperations.get(RG, WSNAME, 'sdk-cluster');
    assert.equal((got.properties as AmlCompute).properties?.scaleSettings?.maxNodeCount, 3);
    const nodes = [];
    for await (const node of client.computeOperations.listNodes(RG, WSNAME, 'sdk-cluster')) nodes.push(node);
    assert.deepEqual(nodes, []);
    await client.computeOperations.beginDeleteAndWait(RG, WSNAME, 'sdk-cluster', 'Delete');
    await assert.rejects(client.computeOperations.get(RG, WSNAME, 'sdk-cluster'), (e: any) => e.statusCode === 404 && e.code === 'ResourceNotFound');
  });

  it('starts the seeded compute instance and reads usages, sizes and datastore secrets', async () => {
    const h = createHarness({ realClock: true });
    const client = sdkClient(h);
    await client.computeOperations.beginStartAndWait(RG, WSNAME, 'dev-instance');
    const instance = await client.computeOperations.get(RG, WSNAME, 'dev-instance');
    assert.equal((instance.properties as ComputeInstance).properties?.state, 'Running');
    const usages = [];
    for await (const usage of client.usages.list(FACTS.location)) usages.push(usage);
    assert.ok(usages.some((u) => u.name?.value === 'standardDSv2Family' && u.limit === 24));
    const sizes = await client.virtualMachineSizes.list(FACTS.location);
    assert.ok(sizes.value?.some((s) => s.name === 'Standard_DS3_v2' && s.vCPUs === 4));
    const secrets = await client.datastores.listSecrets(RG, WSNAME, 'workspaceblobstore');
    assert.equal((secrets as AccountKeyDatastoreSecrets).key, FACTS.storageAccountKey);
  });

  it('registers a model, submits and cancels a job', async () => {
    const h = createHarness({ realClock: true });
    const client = sdkClient(h);
    const version = await client.modelVersions.createOrUpdate(RG, WSNAME, 'churn', '1', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/m', modelType: 'mlflow_model' } });
    assert.equal(version.properties.modelType, 'mlflow_model');
    const container = await client.modelContainers.get(RG, WSNAME, 'churn');
    assert.equal(container.properties.nextVersion, '2');
    const job = await client.jobs.createOrUpdate(RG, WSNAME, 'sdk-job', {
      properties: { jobType: 'Command', command: 'echo hi', environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1', computeId: `${WS}/computes/cpu-cluster` },
    });
    assert.equal(job.properties.status, 'NotStarted');
    await client.jobs.beginCancelAndWait(RG, WSNAME, 'sdk-job');
    assert.equal((await client.jobs.get(RG, WSNAME, 'sdk-job')).properties.status, 'Canceled');
  });

  it('deploys to a managed online endpoint and routes traffic', async () => {
    const h = createHarness({ realClock: true });
    const client = sdkClient(h);
    const endpoint = await client.onlineEndpoints.beginCreateOrUpdateAndWait(RG, WSNAME, 'sdk-endpoint', { location: FACTS.location, properties: { authMode: 'Key' } });
    assert.equal(endpoint.properties.provisioningState, 'Succeeded');
    const deployment = await client.onlineDeployments.beginCreateOrUpdateAndWait(RG, WSNAME, 'sdk-endpoint', 'blue', {
      location: FACTS.location,
      sku: { name: 'Default', capacity: 1 },
      properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' },
    });
    assert.equal(deployment.properties.provisioningState, 'Succeeded');
    const routed = await client.onlineEndpoints.beginCreateOrUpdateAndWait(RG, WSNAME, 'sdk-endpoint', { location: FACTS.location, properties: { authMode: 'Key', traffic: { blue: 100 } } });
    assert.deepEqual(routed.properties.traffic, { blue: 100 });
    const keys = await client.onlineEndpoints.listKeys(RG, WSNAME, 'sdk-endpoint');
    assert.ok(keys.primaryKey);
    await assert.rejects(
      client.onlineEndpoints.beginCreateOrUpdateAndWait(RG, WSNAME, 'sdk-endpoint', { location: FACTS.location, properties: { authMode: 'Key', traffic: { blue: 60 } } }),
      (e: any) => e.statusCode === 400 && /sums to 60/.test(e.message),
    );
  });

  it('scales, inspects and removes a deployment and its endpoint', async () => {
    const h = createHarness({ realClock: true });
    const client = sdkClient(h);
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(RG, WSNAME, 'sdk-endpoint', { location: FACTS.location, properties: { authMode: 'Key' } });
    await client.onlineDeployments.beginCreateOrUpdateAndWait(RG, WSNAME, 'sdk-endpoint', 'blue', { location: FACTS.location, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' } });
    const scaled = await client.onlineDeployments.beginUpdateAndWait(RG, WSNAME, 'sdk-endpoint', 'blue', { sku: { capacity: 2 } });
    assert.equal(scaled.sku?.capacity, 2);
    const logs = await client.onlineDeployments.getLogs(RG, WSNAME, 'sdk-endpoint', 'blue', { containerType: 'InferenceServer', tail: 3 });
    assert.equal(logs.content?.split('\n').length, 3);
    const skus = [];
    for await (const sku of client.onlineDeployments.listSkus(RG, WSNAME, 'sdk-endpoint', 'blue')) skus.push(sku);
    assert.equal(skus[0].capacity?.scaleType, 'Automatic');
    await client.onlineEndpoints.beginRegenerateKeysAndWait(RG, WSNAME, 'sdk-endpoint', { keyType: 'Secondary' });
    await client.onlineDeployments.beginDeleteAndWait(RG, WSNAME, 'sdk-endpoint', 'blue');
    await client.onlineEndpoints.beginDeleteAndWait(RG, WSNAME, 'sdk-endpoint');
    const endpoints = [];
    for await (const endpoint of client.onlineEndpoints.list(RG, WSNAME)) endpoints.push(endpoint);
    assert.deepEqual(endpoints, []);
  });

  it('stops the compute instance and deletes a job', async () => {
    const h = createHarness({ realClock: true });
    const client = sdkClient(h);
    await client.computeOperations.beginStartAndWait(RG, WSNAME, 'dev-instance');
    await client.computeOperations.beginStopAndWait(RG, WSNAME, 'dev-instance');
    assert.equal(((await client.computeOperations.get(RG, WSNAME, 'dev-instance')).properties as ComputeInstance).properties?.state, 'Stopped');
    await client.codeVersions.createOrUpdate(RG, WSNAME, 'src', '1', { properties: { codeUri: 'https://devstoreaccount1.blob.core.windows.net/c/LocalUpload/x' } });
    await client.jobs.createOrUpdate(RG, WSNAME, 'to-delete', { properties: { jobType: 'Command', command: 'echo', environmentId: 'azureml://registries/azureml/environments/e/versions/1', codeId: `${WS}/codes/src/versions/1` } });
    await client.jobs.beginDeleteAndWait(RG, WSNAME, 'to-delete');
    await assert.rejects(client.jobs.get(RG, WSNAME, 'to-delete'), (e: any) => e.statusCode === 404);
  });

  it('surfaces a failed operation, a validation error and a 403 as SDK errors', async () => {
    const h = createHarness({ realClock: true });
    const client = sdkClient(h);
    h.fault('lroFailed', 'PUT', /onlineEndpoints\/failing-ep$/);
    await assert.rejects(client.onlineEndpoints.beginCreateOrUpdateAndWait(RG, WSNAME, 'failing-ep', { location: FACTS.location, properties: { authMode: 'Key' } }), /InternalServerError|internal error/);
    await assert.rejects(
      client.computeOperations.beginCreateOrUpdateAndWait(RG, WSNAME, 'x', { properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 2, minNodeCount: 3 } } } }),
      (e: any) => e.statusCode === 400 && e.code === 'UserError',
    );
    await assert.rejects(
      sdkClient(h, READER).computeOperations.beginCreateOrUpdateAndWait(RG, WSNAME, 'reader-cluster', { properties: { computeType: 'AmlCompute' } }),
      (e: any) => e.statusCode === 403 && e.code === 'AuthorizationFailed',
    );
  });
});
