// The registry mlr-shared as azure-ai-ml 1.4.0 reaches it: registry discovery, model versions under the primary
// region's management front end, the data-reference SAS for a version's files in the registry's own storage,
// with Azure's errors (unknown registry or version, wrong api-version, no role on the registry, immutable versions).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningEmulator, startEmulator } from '../../emulator/src';
import { loadOrCreateCloud } from '../../emulator/src/cloud';
import { SEEDED_REGISTRY_MODEL } from '../../emulator/src/registries';
import { proxiedRequest, secretToken } from './emulatorFixtures';

const API = 'api-version=2021-10-01-dataplanepreview';

describe('emulator: Azure ML registries', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let tempRoot: string;
  let token: string;
  let registryBase: string;

  before(async () => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'registries-'));
    emulator = await startEmulator({ stateDir: path.join(tempRoot, 'state') });
    token = await secretToken(emulator.connection, 'https://management.azure.com/.default');
  });

  after(async () => {
    await emulator?.stop();
    fs.rmSync(tempRoot, { recursive: true, force: true });
  });

  const call = (url: string, method = 'GET', body?: unknown, bearer = token) =>
    proxiedRequest(emulator.connection, url, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const discovery = (name: string) => call(`https://eastus.api.azureml.ms/registrymanagement/v1.0/registries/${name}/discovery`);

  it('answers registry discovery with where the registry lives, and 404 for an unknown registry', async () => {
    const found = await discovery('mlr-shared');
    assert.equal(found.status, 200, found.text);
    const dto = found.json();
    assert.deepEqual(
      [dto.registryName, dto.subscriptionId, dto.resourceGroup, dto.primaryRegion, dto.primaryRegionResourceProviderUri],
      ['mlr-shared', emulator.connection.subscriptionId, emulator.connection.resourceGroupName, emulator.connection.location, `https://${emulator.connection.location}.api.azureml.ms/`],
    );
    registryBase = `${dto.primaryRegionResourceProviderUri}mferp/managementfrontend/subscriptions/${dto.subscriptionId}/resourceGroups/${dto.resourceGroup}/providers/Microsoft.MachineLearningServices/registries/mlr-shared`;
    const missing = await discovery('mlr-nope');
    assert.equal(missing.status, 404);
    assert.match(missing.json().error.message, /Registry mlr-nope not found/);
  });

  it('serves the seeded model version, lists it, and hands out a read SAS for its files in the registry storage', async () => {
    const { name, version } = SEEDED_REGISTRY_MODEL;
    const got = await call(`${registryBase}/models/${name}/versions/${version}?${API}`);
    assert.equal(got.status, 200, got.text);
    const modelUri = got.json().properties.modelUri;
    assert.match(modelUri, /^https:\/\/mlrsharedstore\.blob\.core\.windows\.net\/[^/]+\/credit-default$/);
    assert.equal(got.json().properties.modelType, 'custom_model');
    assert.deepEqual((await call(`${registryBase}/models/${name}/versions?${API}`)).json().value.map((v: { name: string }) => v.name), [version]);

    const reference = await call(`${registryBase}/datarefs/${name}/versions/${version}?${API}`, 'POST', { assetId: `azureml://registries/mlr-shared/models/${name}/versions/${version}`, blobUri: modelUri });
    assert.equal(reference.status, 200, reference.text);
    const sasUri: string = reference.json().blobReferenceForConsumption.credential.sasUri;
    const listing = await proxiedRequest(emulator.connection, `${sasUri}&restype=container&comp=list&prefix=credit-default/`);
    assert.equal(listing.status, 200, listing.text);
    assert.deepEqual([...listing.text.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]).sort(), Object.keys(SEEDED_REGISTRY_MODEL.files).map((f) => `credit-default/${f}`).sort());
    const denied = await proxiedRequest(emulator.connection, `${sasUri.replace(/sig=[^&]+/, 'sig=forged')}&restype=container&comp=list`);
    assert.equal(denied.status, 403, 'a forged SAS is refused by the storage account');
  });

  it('refuses a data reference for another asset or blob, an unknown version, and other api-versions', async () => {
    const { name, version } = SEEDED_REGISTRY_MODEL;
    const wrongAsset = await call(`${registryBase}/datarefs/${name}/versions/${version}?${API}`, 'POST', { assetId: 'azureml://registries/mlr-shared/models/other/versions/1', blobUri: 'x' });
    assert.equal(wrongAsset.status, 400);
    assert.equal((await call(`${registryBase}/models/${name}/versions/9?${API}`)).status, 404);
    const oldApi = await call(`${registryBase}/models/${name}/versions/${version}?api-version=2022-10-01`);
    assert.equal(oldApi.status, 400);
    assert.match(oldApi.json().error.message, /2021-10-01-dataplanepreview/);
  });

  it('creates a version once (immutable), only with files in the registry storage', async () => {
    const url = `${registryBase}/models/fraud/versions/1?${API}`;
    const body = { properties: { modelType: 'custom_model', modelUri: 'https://mlrsharedstore.blob.core.windows.net/fraud-1/fraud', tags: { a: 'b' } } };
    const created = await call(url, 'PUT', body);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json().id, 'azureml://registries/mlr-shared/models/fraud/versions/1', "the registry path's id is the asset id azure-ai-ml parses");
    assert.equal((await call(url, 'PUT', body)).status, 409);
    assert.equal((await call(`${registryBase}/models/fraud/versions/2?${API}`, 'PUT', { properties: { modelUri: 'https://mlwdevstore.blob.core.windows.net/c/p' } })).status, 400);
  });

  it('serves the same versions on management.azure.com, with ARM errors and a PUT the registry path then serves', async () => {
    const c = emulator.connection;
    const armRegistry = `https://management.azure.com/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/registries/mlr-shared`;
    const { name, version } = SEEDED_REGISTRY_MODEL;
    const got = await call(`${armRegistry}/models/${name}/versions/${version}?api-version=2023-04-01`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json().id, `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/registries/mlr-shared/models/${name}/versions/${version}`);
    const missing = await call(`${armRegistry}/models/${name}/versions/9?api-version=2023-04-01`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error.code, 'ResourceNotFound');
    assert.equal((await call(`${armRegistry.replace('mlr-shared', 'mlr-nope')}/models/${name}/versions/1?api-version=2023-04-01`)).status, 404);
    const put = await call(`${armRegistry}/models/scorer/versions/3?api-version=2023-04-01`, 'PUT', { properties: { modelUri: 'https://mlrsharedstore.blob.core.windows.net/scorer-3/scorer', modelType: 'custom_model' } });
    assert.equal(put.status, 201, put.text);
    assert.equal((await call(`${registryBase}/models/scorer/versions/3?${API}`)).json().properties.modelUri, 'https://mlrsharedstore.blob.core.windows.net/scorer-3/scorer');
    assert.deepEqual((await call(`${armRegistry}/models/scorer/versions?api-version=2023-04-01`)).json().value.map((v: { name: string }) => v.name), ['3']);
    assert.equal((await call(`${armRegistry}/models/scorer/versions/3?api-version=2023-04-01`, 'PUT', { properties: { modelUri: 'https://mlrsharedstore.blob.core.windows.net/scorer-3/scorer' } })).status, 409);
    const reader = await secretToken(c, 'https://management.azure.com/.default', 'reader');
    const denied = await call(`${armRegistry}/models/scorer/versions/4?api-version=2023-04-01`, 'PUT', { properties: { modelUri: 'https://mlrsharedstore.blob.core.windows.net/scorer-4/scorer' } }, reader);
    assert.equal(denied.status, 403);
    assert.match(denied.json().error.message, /registries\/models\/versions\/write/);
  });

  it("refuses callers without a role on the registry with AuthorizationFailed naming the action", async () => {
    const assignment = emulator.context.roleAssignments().find((a) => a.principalId === emulator.connection.secret.objectId)!;
    const subscriptionScope = assignment.scope;
    assignment.scope = `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod`;
    try {
      const denied = await call(`${registryBase}/models/${SEEDED_REGISTRY_MODEL.name}/versions/1?${API}`);
      assert.equal(denied.status, 403);
      assert.equal(denied.json().error.code, 'AuthorizationFailed');
      assert.match(denied.json().error.message, /Microsoft\.MachineLearningServices\/registries\/models\/versions\/read' over scope '.*\/registries\/mlr-shared'/);
    } finally {
      assignment.scope = subscriptionScope;
    }
    const unauthenticated = await call(`${registryBase}/models/${SEEDED_REGISTRY_MODEL.name}/versions/1?${API}`, 'GET', undefined, 'not-a-token');
    assert.equal(unauthenticated.status, 401);
  });
});

describe('emulator: a state directory from before registries', () => {
  it('gets mlr-shared and its storage account at its next start, keeping its workspaces and their keys', () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registries-upgrade-'));
    try {
      const before = loadOrCreateCloud(stateDir).facts;
      const file = path.join(stateDir, 'cloud.json');
      const persisted = JSON.parse(fs.readFileSync(file, 'utf8'));
      delete persisted.facts.registries;
      fs.writeFileSync(file, JSON.stringify(persisted));
      const after = loadOrCreateCloud(stateDir).facts;
      assert.deepEqual(after.workspaces, before.workspaces);
      assert.deepEqual(after.registries!.map((r) => [r.registryName, r.storageAccountName]), [['mlr-shared', 'mlrsharedstore']]);
      assert.deepEqual(loadOrCreateCloud(stateDir).facts.registries, after.registries, 'written once, then kept');
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
