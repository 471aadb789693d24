import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { knownCloud, type CloudEndpoints } from '../../tasks/common/azure/clouds';
import { createBatchEndpointsApi } from '../../tasks/common/workspace/batchEndpoints';
import {
  invocationBody,
  invokeBatchEndpoint,
  outputLocation,
  type BatchInvocationApi,
  type BatchInvocation,
  type InvocationServices,
} from '../../tasks/common/workspace/batchInvocation';
import { isUserError } from '../../tasks/common/platform/userError';
import { fakeSession, RoutingHttpClient } from '../common/fakes';
import { FakeClock, fakeWorkspaceApi, MemoryBlobStore, SCOPE } from '../job/fakes';

const WS = `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws`;
const SCORING = 'https://heart.westeurope.inference.ml.azure.com/jobs';

function services(overrides: Partial<InvocationServices> = {}): InvocationServices & { store: MemoryBlobStore; logs: string[] } {
  const store = new MemoryBlobStore();
  const logs: string[] = [];
  const batch: BatchInvocationApi = {
    scope: SCOPE,
    getEndpoint: async (name) => ({ resource: name === 'heart' ? { name, location: 'westeurope', properties: { scoringUri: SCORING, defaults: { deploymentName: 'blue' } } } : undefined }),
    listDeployments: async () => [{ name: 'blue', properties: {} }, { name: 'green', properties: {} }],
    invoke: async () => ({ name: 'batchjob-1', properties: {} }),
  };
  return { batch, workspace: fakeWorkspaceApi({ clock: new FakeClock() }), openStore: async () => store, log: (m) => logs.push(m), store, logs, ...overrides };
}

const request = (extra: Partial<BatchInvocation> = {}): BatchInvocation => ({ endpointName: 'heart', baseDirectory: os.tmpdir(), ...extra });

// The expected bodies are what azure-ai-ml 1.4.0 serializes (BatchJobSchema(...).load with invoke's
// params_override, then BatchJobResource(properties=...).serialize()), run on this machine.
describe('workspace: batch endpoint invocation', () => {
  it('sends the single input keyed by its type, as `az ml batch-endpoint invoke --input` does', async () => {
    const body = await invocationBody(request({ input: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/x/' } }), services());
    assert.deepEqual(body, { properties: { inputData: { UriFolder: { uri: 'azureml://datastores/workspaceblobstore/paths/x/', jobInputType: 'UriFolder' } } } });
  });

  it('sends named inputs, literals as strings, and a data asset as its version ARM id', async () => {
    const body = await invocationBody(
      request({
        inputs: {
          input: { type: 'uri_file', path: 'azureml://subscriptions/s/resourcegroups/r/workspaces/w/datastores/d/paths/a.csv' },
          heart: { type: 'uri_folder', path: 'azureml:heart:1' },
          n: { type: 'integer', value: '3' },
        },
      }),
      services(),
    );
    assert.deepEqual(body.properties.inputData, {
      input: { uri: 'azureml://subscriptions/s/resourcegroups/r/workspaces/w/datastores/d/paths/a.csv', jobInputType: 'UriFile' },
      heart: { uri: `${WS}/data/heart/versions/1`, jobInputType: 'UriFolder' },
      n: { jobInputType: 'Literal', value: '3' },
    });
  });

  it('resolves azureml:<name>@latest to the latest version', async () => {
    const s = services();
    const body = await invocationBody(request({ input: { type: 'uri_folder', path: 'azureml:heart@latest' } }), s);
    assert.deepEqual(body.properties.inputData, { UriFolder: { uri: `${WS}/data/heart/versions/7`, jobInputType: 'UriFolder' } });
  });

  it('sends the output and run overrides as azure-ai-ml does: the datastore as its ARM id, instance count as compute', async () => {
    const body = await invocationBody(
      request({ outputPath: 'azureml://datastores/workspaceblobstore/paths/out/p', outputFileName: 'preds.csv', miniBatchSize: 5, instanceCount: 2, errorThreshold: 3 }),
      services(),
    );
    assert.deepEqual(body, {
      properties: {
        compute: { instanceCount: 2, isLocal: true },
        errorThreshold: 3,
        miniBatchSize: 5,
        outputDataset: { datastoreId: `${WS}/datastores/workspaceblobstore`, path: 'out/p' },
        outputFileName: 'preds.csv',
      },
    });
  });

  it('uploads a local folder like a job input and sends its datastore URI, ending with /', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-input-'));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'a.csv'), 'x\n1\n');
    const s = services();
    const body = await invocationBody(request({ baseDirectory: dir, input: { type: 'uri_folder', path: 'data' } }), s);
    const uri = (body.properties.inputData as Record<string, { uri: string }>).UriFolder.uri;
    assert.match(uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]+\/data\/$/);
    assert.equal(s.store.uploads.length, 1);
  });

  it('names the input in the errors the user must fix', async () => {
    const s = services();
    await assert.rejects(invocationBody(request({ input: { type: 'uri_folder', path: 'no/such/folder' } }), s), (e: Error) => isUserError(e) && /Input input: 'no\/such\/folder'.*no local file or folder/.test(e.message));
    await assert.rejects(invocationBody(request({ input: { type: 'uri_folder', path: 'azureml:heart' } }), s), (e: Error) => isUserError(e) && /azureml:<name>:<version>/.test(e.message));
    await assert.rejects(invocationBody(request({ outputPath: 'out/p' }), s), (e: Error) => isUserError(e) && /outputPath.*azureml:\/\/datastores/.test(e.message));
  });

  it('checks the endpoint and the named deployment before invoking', async () => {
    await assert.rejects(invokeBatchEndpoint(request({ endpointName: 'nope' }), services()), /Batch endpoint 'nope' was not found/);
    await assert.rejects(invokeBatchEndpoint(request({ deploymentName: 'red' }), services()), /no deployment 'red' \(it has: blue, green\)/);
    const result = await invokeBatchEndpoint(request({ deploymentName: 'green' }), services());
    assert.equal(result.job.name, 'batchjob-1');
  });

  it('POSTs to the scoring URI with an Azure ML token (not an ARM one), the deployment header, and sends it once', async () => {
    const http = new RoutingHttpClient()
      .on('GET', /batchEndpoints\/heart\?api-version=2023-04-01$/, { status: 200, body: { name: 'heart', properties: { scoringUri: SCORING } } })
      .on('GET', /batchEndpoints\/heart\/deployments\?api-version=2023-04-01$/, { status: 200, body: { value: [{ name: 'green' }] } })
      .on('POST', /inference\.ml\.azure\.com\/jobs$/, { status: 200, body: { id: 'x', name: 'batchjob-9', properties: { status: 'NotStarted' } } });
    const scopes: string[] = [];
    const credential: TokenCredential = { getToken: async (scope) => (scopes.push(String(scope)), { token: `token-for-${scope}`, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const masked: string[] = [];
    const batch = createBatchEndpointsApi(fakeSession(http, { credential }), SCOPE, (s) => masked.push(s));
    const result = await invokeBatchEndpoint(request({ deploymentName: 'green', input: { type: 'uri_file', path: 'https://example.org/a.csv' } }), services({ batch }));
    assert.equal(result.job.name, 'batchjob-9');
    const post = http.requests.find((r) => r.method === 'POST');
    assert.ok(post);
    assert.equal(post.url, SCORING);
    assert.equal(post.headers.get('authorization'), 'Bearer token-for-https://ml.azure.com/.default');
    assert.equal(post.headers.get('azureml-model-deployment'), 'green');
    assert.deepEqual(JSON.parse(String(post.body)), { properties: { inputData: { UriFile: { uri: 'https://example.org/a.csv', jobInputType: 'UriFile' } } } });
    assert.deepEqual(scopes.filter((s) => !s.startsWith('https://management.')), ['https://ml.azure.com/.default']);
    assert.deepEqual(masked, ['token-for-https://ml.azure.com/.default']);
    assert.equal(http.requests.filter((r) => r.method === 'POST').length, 1);
  });

  it('asks for the sovereign cloud\'s Azure ML audience', async () => {
    const http = new RoutingHttpClient().on('POST', /jobs$/, { status: 200, body: { name: 'j', properties: {} } });
    const scopes: string[] = [];
    const credential: TokenCredential = { getToken: async (scope) => (scopes.push(String(scope)), { token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const cloud = knownCloud('AzureUSGovernment') as CloudEndpoints;
    await createBatchEndpointsApi(fakeSession(http, { credential, cloud }), SCOPE).invoke('https://e.usgovvirginia.inference.ml.azure.us/jobs', {}, undefined);
    assert.deepEqual(scopes, ['https://ml.azure.us/.default']);
    assert.equal(http.requests[0].headers.get('azureml-model-deployment'), undefined);
  });

  it('fails with the service\'s error when the invocation is refused', async () => {
    const http = new RoutingHttpClient().on('POST', /jobs$/, { status: 400, body: { error: { code: 'UserError', message: 'No input data' } }, headers: { 'x-ms-request-id': 'req-1' } });
    await assert.rejects(createBatchEndpointsApi(fakeSession(http), SCOPE).invoke(SCORING, {}, undefined), (e: Error) => e.name !== 'UserError' && /No input data/.test(e.message));
  });

  it('reports the output location: the asked one, else the job\'s outputs, else the batch job\'s output dataset', () => {
    assert.equal(outputLocation({ outputPath: 'azureml://datastores/d/paths/o' }, undefined, { score: { uri: 'azureml://x' } }), 'azureml://datastores/d/paths/o');
    assert.equal(outputLocation({}, undefined, { score: { uri: 'azureml://datastores/workspaceblobstore/paths/azureml/j/score/', jobOutputType: 'uri_folder' } }), 'azureml://datastores/workspaceblobstore/paths/azureml/j/score/');
    assert.equal(outputLocation({}, undefined, { a: { uri: 'azureml://a' }, b: { uri: 'azureml://b' } }), JSON.stringify({ a: 'azureml://a', b: 'azureml://b' }));
    assert.equal(outputLocation({}, { name: 'j', properties: { outputDataset: { datastoreId: `${WS}/datastores/workspaceblobstore`, path: 'azureml/j/score' } } }, undefined), 'azureml://datastores/workspaceblobstore/paths/azureml/j/score');
    assert.equal(outputLocation({}, { name: 'j', properties: { outputData: { score: { uri: 'azureml://datastores/d/paths/s/' } } } }, { score: { jobOutputType: 'uri_folder' } }), 'azureml://datastores/d/paths/s/');
    assert.equal(outputLocation({}, { name: 'j', properties: {} }, {}), undefined);
  });
});
