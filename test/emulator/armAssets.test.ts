import { strict as assert } from 'node:assert';
import { FACTS, WS, createHarness } from './armFixtures';

const MODEL_V = (uri: string) => ({ properties: { modelUri: uri, modelType: 'custom_model', description: 'first' } });

describe('emulator ARM: datastores and versioned assets', () => {
  it('seeds workspaceblobstore as the default AzureBlob datastore on the emulator account', async () => {
    const h = createHarness();
    const ws = (await h.send('GET', WS)).json;
    const store = (await h.send('GET', `${WS}/datastores/workspaceblobstore`)).json;
    assert.deepEqual(
      [store.properties.datastoreType, store.properties.isDefault, store.properties.accountName, store.properties.containerName, store.properties.endpoint, store.properties.credentials],
      ['AzureBlob', true, FACTS.storageAccountName, `azureml-blobstore-${ws.properties.workspaceId}`, 'core.windows.net', { credentialsType: 'AccountKey' }],
    );
    const secrets = await h.send('POST', `${WS}/datastores/workspaceblobstore/listSecrets`);
    assert.deepEqual(secrets.json, { secretsType: 'AccountKey', key: FACTS.storageAccountKey });
    const names = (await h.send('GET', `${WS}/datastores`)).json.value.map((d: any) => d.name);
    assert.deepEqual(names.sort(), ['workspaceartifactstore', 'workspaceblobstore']);
    const defaults = (await h.send('GET', `${WS}/datastores?isDefault=true`)).json.value.map((d: any) => d.name);
    assert.deepEqual(defaults, ['workspaceblobstore']);
    assert.equal((await h.send('DELETE', `${WS}/datastores/workspaceblobstore`)).status, 400);
  });

  it('creates a datastore without echoing its secrets', async () => {
    const h = createHarness();
    const body = { properties: { datastoreType: 'AzureBlob', accountName: 'other', containerName: 'data', credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey', key: 'sekrit' } } } };
    const created = await h.send('PUT', `${WS}/datastores/my_store`, { body });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json.properties.credentials, { credentialsType: 'AccountKey' });
    assert.equal((await h.send('POST', `${WS}/datastores/my_store/listSecrets`)).json.key, 'sekrit');
    const unknownType = await h.send('PUT', `${WS}/datastores/x`, { body: { properties: { datastoreType: 'S3', credentials: { credentialsType: 'None' } } } });
    assert.match(unknownType.json.error.message, /Unknown value 'S3' for 'properties.datastoreType'/);
  });

  it('keeps model containers latestVersion/nextVersion and versions immutable', async () => {
    const h = createHarness();
    const v1 = await h.send('PUT', `${WS}/models/churn/versions/1`, { body: MODEL_V('azureml://datastores/workspaceblobstore/paths/m1') });
    assert.equal(v1.status, 201);
    assert.equal(v1.json.type, 'Microsoft.MachineLearningServices/workspaces/models/versions');
    let container = (await h.send('GET', `${WS}/models/churn`)).json;
    assert.deepEqual([container.properties.latestVersion, container.properties.nextVersion], ['1', '2']);
    h.advance(10);
    await h.send('PUT', `${WS}/models/churn/versions/2`, { body: MODEL_V('azureml://datastores/workspaceblobstore/paths/m2') });
    container = (await h.send('GET', `${WS}/models/churn`)).json;
    assert.deepEqual([container.properties.latestVersion, container.properties.nextVersion], ['2', '3']);
    const same = await h.send('PUT', `${WS}/models/churn/versions/1`, { body: { properties: { ...MODEL_V('azureml://datastores/workspaceblobstore/paths/m1').properties, description: 'edited' } } });
    assert.equal(same.status, 200, 'same content with a new description is an update');
    const different = await h.send('PUT', `${WS}/models/churn/versions/1`, { body: MODEL_V('azureml://datastores/workspaceblobstore/paths/other') });
    assert.equal(different.status, 409);
    assert.match(different.json.error.message, /already exists with different content/);
    const newest = await h.send('GET', `${WS}/models/churn/versions?$orderBy=createdtime%20desc&$top=1`);
    assert.deepEqual(newest.json.value.map((v: any) => v.name), ['2']);
  });

  it("answers a missing environment container with 404 and reports nextVersion past the highest numeric version (what az ml's auto-increment reads)", async () => {
    const h = createHarness();
    assert.equal((await h.send('GET', `${WS}/environments/scoring-env`)).status, 404);
    const ENV_V = { properties: { image: 'mcr.microsoft.com/azureml/minimal:latest' } };
    await h.send('PUT', `${WS}/environments/scoring-env/versions/preview`, { body: ENV_V });
    let container = (await h.send('GET', `${WS}/environments/scoring-env`)).json;
    assert.deepEqual([container.properties.latestVersion, container.properties.nextVersion], ['preview', '1']);
    h.advance(10);
    await h.send('PUT', `${WS}/environments/scoring-env/versions/3`, { body: ENV_V });
    h.advance(10);
    await h.send('PUT', `${WS}/environments/scoring-env/versions/v9`, { body: ENV_V });
    container = (await h.send('GET', `${WS}/environments/scoring-env`)).json;
    assert.deepEqual([container.properties.latestVersion, container.properties.nextVersion], ['v9', '4']);
  });

  it('serves codes, environments and data with their containers', async () => {
    const h = createHarness();
    assert.equal((await h.send('PUT', `${WS}/codes/train-src/versions/1`, { body: { properties: { codeUri: 'https://devstoreaccount1.blob.core.windows.net/c/LocalUpload/abc' } } })).status, 201);
    assert.equal((await h.send('GET', `${WS}/codes/train-src/versions/1`)).json.properties.codeUri, 'https://devstoreaccount1.blob.core.windows.net/c/LocalUpload/abc');
    const env = await h.send('PUT', `${WS}/environments/sklearn/versions/3`, { body: { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04' } } });
    assert.equal(env.json.properties.osType, 'Linux');
    const data = await h.send('PUT', `${WS}/data/iris/versions/1`, { body: { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/iris.csv' } } });
    assert.equal(data.status, 201);
    assert.equal((await h.send('GET', `${WS}/data/iris`)).json.properties.dataType, 'uri_file');
    const badData = await h.send('PUT', `${WS}/data/iris/versions/2`, { body: { properties: { dataType: 'uri_file' } } });
    assert.match(badData.json.error.message, /Required property 'dataUri'/);
    assert.deepEqual((await h.send('GET', `${WS}/environments`)).json.value.map((c: any) => c.name), ['sklearn']);
    assert.equal((await h.send('DELETE', `${WS}/codes/train-src`)).status, 200);
    assert.equal((await h.send('GET', `${WS}/codes/train-src/versions/1`)).status, 404);
  });

  it('refuses asset names and versions that break the service rules', async () => {
    const h = createHarness();
    const badName = await h.send('PUT', `${WS}/models/-churn/versions/1`, { body: MODEL_V('azureml://x') });
    assert.equal(badName.status, 400);
    assert.match(badName.json.error.message, /Model name '-churn' is invalid/);
    const longName = await h.send('PUT', `${WS}/models/${'m'.repeat(256)}/versions/1`, { body: MODEL_V('azureml://x') });
    assert.equal(longName.status, 400);
    const latest = await h.send('PUT', `${WS}/models/churn/versions/latest`, { body: MODEL_V('azureml://x') });
    assert.equal(latest.status, 400);
  });

  it('resolves azureml:// datastore and job URIs against the workspace', async () => {
    const h = createHarness();
    const noJob = await h.send('PUT', `${WS}/models/churn/versions/1`, { body: MODEL_V('azureml://jobs/missing-job/outputs/model/paths/') });
    assert.equal(noJob.status, 400);
    assert.match(noJob.json.error.message, /Job 'missing-job' referenced by 'properties.modelUri'/);
    const noStore = await h.send('PUT', `${WS}/data/d/versions/1`, { body: { properties: { dataType: 'uri_folder', dataUri: 'azureml://datastores/nostore/paths/x/' } } });
    assert.match(noStore.json.error.message, /Datastore 'nostore'/);
    await h.send('PUT', `${WS}/jobs/train-1`, { body: { properties: { jobType: 'Command', command: 'echo', environmentId: 'azureml://registries/azureml/environments/e/versions/1', outputs: { model: { jobOutputType: 'uri_folder' } } } } });
    assert.equal((await h.send('PUT', `${WS}/models/churn/versions/1`, { body: MODEL_V('azureml://jobs/train-1/outputs/model/paths/') })).status, 201);
  });
});
