// Several workspaces: the default one, mlw-dev and mlw-prod, each with its own storage account,
// datastores and computes (a Kubernetes compute in dev and prod), listed in connection.json; a
// Kubernetes deployment in mlw-dev runs from mlw-dev's storage and answers at the inference router.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { type RunningEmulator, startEmulator } from '../../emulator/src';
import { proxiedRequest } from './emulatorFixtures';
import { JobClient, writeFiles } from './jobFixtures';

const SCORE_PY = `import json, os

def init():
    global factor
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "doubler", "weights.json")) as f:
        factor = json.load(f)["factor"]

def run(raw_data):
    return [x * factor for x in json.loads(raw_data)["data"]]
`;

describe('emulator: dev and prod workspaces', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let tempRoot: string;

  before(async () => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'workspaces-'));
    emulator = await startEmulator({ stateDir: path.join(tempRoot, 'state') });
  });

  after(async () => {
    await emulator?.stop();
    fs.rmSync(tempRoot, { recursive: true, force: true });
  });

  const workspace = (name: string) => emulator.connection.workspaces!.find((w) => w.workspaceName === name)!;

  it('lists every workspace in connection.json, the default one first, each with its own storage account', async () => {
    const { workspaces } = emulator.connection;
    assert.deepEqual(workspaces!.map((w) => w.workspaceName), [emulator.connection.workspaceName, 'mlw-dev', 'mlw-prod']);
    assert.equal(workspaces![0].storageAccountName, emulator.connection.storageAccountName);
    assert.equal(new Set(workspaces!.map((w) => w.storageAccountName)).size, 3);
    const c = emulator.connection;
    const listed = (await new JobClient(emulator).armUrl('GET', `https://management.azure.com/subscriptions/${c.subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces?api-version=2022-10-01`)).json();
    assert.deepEqual(listed.value.map((w: { name: string }) => w.name).sort(), [emulator.connection.workspaceName, 'mlw-dev', 'mlw-prod'].sort());
  });

  it('gives each workspace default datastores on its account, reachable through the proxy with its key', async () => {
    const dev = new JobClient(emulator, workspace('mlw-dev'));
    const datastores = (await dev.arm('GET', '/datastores')).json().value;
    const blobstore = datastores.find((d: { name: string }) => d.name === 'workspaceblobstore');
    assert.equal(blobstore.properties.accountName, 'mlwdevstore');
    assert.equal(blobstore.properties.isDefault, true);
    const { key } = (await dev.arm('POST', '/datastores/workspaceblobstore/listSecrets')).json();
    await dev.uploadBlob('hello.txt', 'dev data');
    const sas = generateBlobSASQueryParameters({ containerName: blobstore.properties.containerName, permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3600_000) }, new StorageSharedKeyCredential('mlwdevstore', key));
    const listing = await proxiedRequest(emulator.connection, `https://mlwdevstore.blob.core.windows.net/${blobstore.properties.containerName}?restype=container&comp=list&${sas.toString()}`);
    assert.equal(listing.status, 200, listing.text);
    assert.match(listing.text, /<Name>hello\.txt<\/Name>/);
    const prodKey = (await new JobClient(emulator, workspace('mlw-prod')).arm('POST', '/datastores/workspaceblobstore/listSecrets')).json().key;
    assert.notEqual(prodKey, key);
  });

  it('runs a job of mlw-prod on its own storage account, with its workspace in the environment', async () => {
    const prod = new JobClient(emulator, workspace('mlw-prod'));
    const codeId = await prod.createCode(writeFiles(path.join(tempRoot, 'job', 'src'), { 'run.sh': 'echo "workspace=$AZUREML_ARM_WORKSPACE_NAME" > "$1/where.txt"\n' }));
    await prod.submit('prod-job', { jobType: 'Command', codeId, environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1', command: 'bash run.sh ${{outputs.result}}', computeId: `${prod.workspaceId}/computes/cpu-cluster`, outputs: { result: { jobOutputType: 'uri_folder' } } });
    const job = await prod.waitFor('prod-job');
    assert.equal(job.properties.status, 'Completed', await prod.stdLog('prod-job'));
    assert.equal((await prod.readBlob('azureml/prod-job/result/where.txt'))?.trim(), 'workspace=mlw-prod', 'the output is on mlwprodstore');
    assert.equal(await new JobClient(emulator).readBlob('azureml/prod-job/result/where.txt'), undefined, 'and not on the default account');
  });

  it('attaches a Kubernetes compute to dev (small instance type) and prod', async () => {
    const dev = (await new JobClient(emulator, workspace('mlw-dev')).arm('GET', '/computes/k8s-dev')).json();
    assert.equal(dev.properties.computeType, 'Kubernetes');
    assert.ok(dev.properties.properties.instanceTypes.small);
    assert.equal(workspace('mlw-dev').kubernetesComputeId, dev.id);
    const prod = (await new JobClient(emulator, workspace('mlw-prod')).arm('GET', '/computes/k8s-prod')).json();
    assert.equal(prod.properties.computeType, 'Kubernetes');
    assert.equal(workspace('mlw-prod').kubernetesComputeId, prod.id);
  });

  it('serves a Kubernetes deployment of mlw-dev at the inference router, from mlw-dev\'s storage', async () => {
    const dev = new JobClient(emulator, workspace('mlw-dev'));
    const codeId = await dev.createCode(writeFiles(path.join(tempRoot, 'k8s', 'src'), { 'score.py': SCORE_PY }));
    await dev.uploadBlob('models/doubler/weights.json', JSON.stringify({ factor: 2 }));
    const model = (await dev.arm('PUT', '/models/doubler/versions/1', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/models/doubler' } })).json();
    const location = emulator.connection.location;
    const endpoint = await dev.arm('PUT', '/onlineEndpoints/dev-k8s-ep', { location, properties: { authMode: 'Key', compute: workspace('mlw-dev').kubernetesComputeId } });
    assert.equal(endpoint.status, 201, endpoint.text);
    assert.equal(endpoint.json().properties.scoringUri, `https://aks-mlw-dev.${location}.cloudapp.azure.com/api/v1/endpoint/dev-k8s-ep/score`);
    const deployment = await dev.arm('PUT', '/onlineEndpoints/dev-k8s-ep/deployments/blue', {
      location,
      properties: { endpointComputeType: 'Kubernetes', instanceType: 'small', model: model.id, codeConfiguration: { codeId, scoringScript: 'score.py' } },
    });
    assert.equal(deployment.status, 201, deployment.text);
    let state = '';
    for (let i = 0; i < 100 && !['Succeeded', 'Failed'].includes(state); i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      state = (await dev.arm('GET', '/onlineEndpoints/dev-k8s-ep/deployments/blue')).json().properties.provisioningState;
    }
    const logs = async (containerType: string) => (await dev.arm('POST', '/onlineEndpoints/dev-k8s-ep/deployments/blue/getLogs', { containerType })).json().content;
    assert.equal(state, 'Succeeded', `${await logs('StorageInitializer')}\n${await logs('InferenceServer')}`);
    const key = (await dev.arm('POST', '/onlineEndpoints/dev-k8s-ep/listKeys')).json().primaryKey;
    const answer = await proxiedRequest(emulator.connection, endpoint.json().properties.scoringUri, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'azureml-model-deployment': 'blue' },
      body: JSON.stringify({ data: [1, 5] }),
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json(), [2, 10]);
  });
});
