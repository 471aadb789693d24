// The emulator's plumbing: the proxy (tunnels, refusals), request ids, Azurite behind
// <account>.blob.core.windows.net, transport faults seen by the official clients, the data plane's
// token checks and the admin API.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningEmulator } from '../../emulator/src';
import { AdminClient } from '../../emulator/src/adminClient';
import type { RequestLogEntry } from '../../emulator/src/requestLog';
import { okValue, proxiedRequest, rawRequest, runProbes, secretToken, sharedEmulator } from './emulatorFixtures';

describe('emulator proxy, blob storage, faults and data plane', function () {
  this.timeout(120_000);
  const shared = sharedEmulator();
  let emulator: RunningEmulator;
  let admin: AdminClient;
  before(() => {
    emulator = shared.emulator();
    admin = shared.admin();
  });
  const workspacePath = () => {
    const c = emulator.connection;
    return `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}`;
  };
  const requestsFor = async (since: string, path: string) =>
    (await admin.requests(since)).filter((e): e is RequestLogEntry => e.type === 'request' && e.path.toLowerCase() === path.toLowerCase());

  it('refuses hosts it does not serve with a 502 naming them, for CONNECT and absolute URIs', async () => {
    const tunnel = await rawRequest(emulator.connection.proxyUrl, { method: 'CONNECT', path: 'github.com:443' });
    assert.equal(tunnel.status, 502);
    assert.match(tunnel.text, /does not serve 'github\.com' and never forwards requests off this machine/);
    const plain = await rawRequest(emulator.connection.proxyUrl, { method: 'GET', path: 'http://169.254.169.254/metadata/identity/oauth2/token' });
    assert.equal(plain.status, 502);
    assert.match(plain.text, /169\.254\.169\.254/);
    const otherAccount = await rawRequest(emulator.connection.proxyUrl, { method: 'CONNECT', path: 'someoneelse.blob.core.windows.net:443' });
    assert.equal(otherAccount.status, 502);
    assert.match(otherAccount.text, new RegExp(`emulated storage account is '${emulator.connection.storageAccountName}'`));
     for (const refusal of [tunnel, plain]) {
      assert.match(String(refusal.headers['x-ms-request-id']), /^[0-9a-f-]{36}$/);
      assert.ok(refusal.headers['x-ms-correlation-request-id']);
    }
    const logged = (await admin.requests()).filter((e): e is RequestLogEntry => e.type === 'request' && e.status === 502).map((e) => e.requestId);
    assert.ok(logged.includes(String(tunnel.headers['x-ms-request-id'])) && logged.includes(String(plain.headers['x-ms-request-id'])), 'refusals are logged with their request ids');
  });

  it('refuses plain http to the Azure hosts, which Azure serves over HTTPS only', async () => {
    const arm = await rawRequest(emulator.connection.proxyUrl, { method: 'GET', path: 'http://management.azure.com/subscriptions?api-version=2022-12-01', headers: { 'x-ms-client-request-id': 'plain-1' } });
    assert.equal(arm.status, 400);
    assert.match(arm.text, /management\.azure\.com is served over HTTPS only/);
    assert.equal(arm.headers['x-ms-correlation-request-id'], 'plain-1');
    const blob = await rawRequest(emulator.connection.proxyUrl, { method: 'GET', path: `http://${emulator.connection.storageAccountName}.blob.core.windows.net/azureml?restype=container` });
    assert.equal(blob.status, 400);
    assert.match(blob.text, /<Code>AccountRequiresHttps<\/Code>/);
  });

  it('keeps the client\'s request id as the correlation id on ARM responses', async () => {
    const response = await proxiedRequest(emulator.connection, 'https://management.azure.com/subscriptions?api-version=2022-12-01', { headers: { 'x-ms-client-request-id': 'arm-client-1' } });
    assert.equal(response.status, 401);
    assert.equal(response.headers['x-ms-correlation-request-id'], 'arm-client-1');
  });

  it('serves absolute-URI requests for its hosts and tunnels to loopback services', async () => {
    const discovery = await rawRequest(emulator.connection.proxyUrl, { method: 'GET', path: 'https://eastus.api.azureml.ms/discovery' });
    assert.equal(discovery.status, 200);
    assert.equal(JSON.parse(discovery.text).api, 'https://eastus.api.azureml.ms');
    const loopback = await rawRequest(emulator.connection.proxyUrl, { method: 'GET', path: `${emulator.connection.adminUrl}/faults` });
    assert.deepEqual(JSON.parse(loopback.text), { value: [] });
  });

  it('carries many concurrent tunnels', async () => {
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => proxiedRequest(emulator.connection, `https://eastus.api.azureml.ms/discovery?n=${i}`)));
    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
    assert.equal(new Set(responses.map((r) => r.headers['x-ms-request-id'])).size, 40);
  });

  it('stamps request and correlation ids on every response, echoing the client\'s', async () => {
    const response = await proxiedRequest(emulator.connection, 'https://eastus.api.azureml.ms/discovery', { headers: { 'x-ms-client-request-id': 'client-123' } });
    assert.match(String(response.headers['x-ms-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(response.headers['x-ms-correlation-request-id'], 'client-123');
    assert.equal(response.headers['x-ms-client-request-id'], 'client-123');
    const correlated = await proxiedRequest(emulator.connection, `https://login.microsoftonline.com/${emulator.connection.tenantId}/discovery/v2.0/keys`, { headers: { 'x-ms-correlation-request-id': 'corr-9' } });
    assert.equal(correlated.headers['x-ms-correlation-request-id'], 'corr-9');
  });

  it('stores blobs in Azurite through <account>.blob.core.windows.net with @azure/storage-blob', async () => {
    const [result] = await runProbes(emulator, [{ probe: 'blob', container: 'azureml', blobName: 'LocalUpload/abc/train.py', content: 'print("hello")' }]);
    const value = okValue(result);
    assert.deepEqual(value.listed, ['LocalUpload/abc/train.py']);
    assert.equal(value.downloaded, 'print("hello")');
    const logged = (await admin.requests()).filter((e) => e.type === 'request' && e.host === `${emulator.connection.storageAccountName}.blob.core.windows.net`);
    assert.ok(logged.length >= 3, 'blob requests appear in the request log');
  });

  describe('transport faults seen by @azure/arm-machinelearning', () => {
    it('answers 429 with Retry-After, the client waits and succeeds, and both are logged', async () => {
      const since = await admin.now();
      const fault = await admin.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'GET', pathPattern: '/subscriptions/*/resourceGroups/*/providers/Microsoft.MachineLearningServices/workspaces/*', count: 1 });
      const [result] = await runProbes(emulator, [{ probe: 'workspace' }]);
      assert.equal(okValue(result).name, emulator.connection.workspaceName);
      const served = await requestsFor(since, workspacePath());
      assert.deepEqual(served.map((e) => e.status), [429, 200]);
      assert.equal(served[0].fault?.id, fault.id);
      assert.match(String(served[1].principal), new RegExp(`^${emulator.connection.secret.objectId} \\(${emulator.connection.secret.clientId}\\)$`));
      assert.ok((await admin.requests(since)).some((e) => e.type === 'fault' && e.id === fault.id));
      assert.equal((await admin.faults())[0].remaining, 0);
      const fileLines = fs.readFileSync(path.join(emulator.stateDir, 'requests.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      assert.ok(fileLines.some((e) => e.type === 'fault' && e.id === fault.id));
      assert.ok(fileLines.some((e) => e.type === 'request' && e.status === 429 && e.fault?.id === fault.id));
    });

    it('answers 503 and the client retries', async () => {
      const since = await admin.now();
      await admin.addFault({ kind: 'status', status: 503, host: 'management.azure.com', pathPattern: '**/workspaces/*', count: 2 });
      okValue((await runProbes(emulator, [{ probe: 'workspace' }]))[0]);
      assert.deepEqual((await requestsFor(since, workspacePath())).map((e) => e.status), [503, 503, 200]);
    });

    it('resets the connection and the client retries on a new one', async () => {
      const since = await admin.now();
      await admin.addFault({ kind: 'reset', pathPattern: '^/subscriptions/.*/workspaces/[^/]+$', count: 1 });
      okValue((await runProbes(emulator, [{ probe: 'workspace' }]))[0]);
      const served = await requestsFor(since, workspacePath());
      assert.deepEqual(served.map((e) => [e.status, e.fault?.kind]), [[0, 'reset'], [200, undefined]]);
    });

    it('delays responses by the injected latency and logs the fault', async () => {
      const since = await admin.now();
      await admin.addFault({ kind: 'latency', latencyMs: 300, pathPattern: '**/workspaces/*', count: 1 });
      okValue((await runProbes(emulator, [{ probe: 'workspace' }]))[0]);
      const [served] = await requestsFor(since, workspacePath());
      assert.equal(served.status, 200);
      assert.equal(served.fault?.kind, 'latency');
      assert.ok(served.durationMs >= 300, `the logged duration (${served.durationMs} ms) includes the injected 300 ms`);
    });

    it('gives up when the client allows no retries, reporting the throttling', async () => {
      await admin.addFault({ kind: 'status', status: 429, pathPattern: '**/workspaces/*', durationSeconds: 60 });
      const [result] = await runProbes(emulator, [{ probe: 'workspace', maxRetries: 0 }]);
      assert.equal(result.ok, false);
      assert.match((result as { error: string }).error, /throttl/i);
    });
  });

  it('dumps the stored documents through the admin API', async () => {
    emulator.context.store.put('probe', 'doc', { value: 42 });
    const state = await admin.state();
    assert.deepEqual(state.probe, { doc: { value: 42 } });
    assert.ok(Object.keys(state).length > 1, 'the seeded ARM documents are there too');
  });

  it('rejects fault specifications it cannot apply, naming the field', async () => {
    await assert.rejects(admin.addFault({ kind: 'status', status: 418, pathPattern: '/x' }), /'status': one of 429, 500, 503/);
    await assert.rejects(admin.addFault({ kind: 'explode' as never, pathPattern: '/x' }), /'kind' must be one of/);
    await assert.rejects(admin.addFault({ kind: 'latency', pathPattern: '^(' }), /not a valid regular expression/);
    await assert.rejects(admin.addFault({ kind: 'status', status: 429, pathPattern: '/x', retryAfter: 2 } as never), /unknown field\(s\) 'retryAfter'/);
    await assert.rejects(admin.addFault({ kind: 'deploymentErrors', pathPattern: '/x', errorRate: 1.5 }), /'errorRate': the share of requests, from 0 to 1/);
    await assert.rejects(admin.addFault({ kind: 'deploymentErrors', pathPattern: '/x', errorRate: 0.5, status: 429 }), /takes a 5xx 'status'/);
    await assert.rejects(admin.addFault({ kind: 'deploymentLatency', pathPattern: '/x' }), /needs 'latencyMs'/);
    const semantic = await admin.addFault({ kind: 'lroFailed', method: 'put', pathPattern: '**/computes/*' });
    assert.equal(emulator.context.faults.takeSemantic('lroFailed', 'PUT', `${workspacePath()}/computes/c1`), true);
    assert.equal(emulator.context.faults.takeSemantic('lroFailed', 'PUT', `${workspacePath()}/computes/c1`), false);
    assert.ok((await admin.requests()).some((e) => e.type === 'fault' && e.id === semantic.id));
  });

  it('hands ARM the verified caller and its role assignments: the reader may read but not write', async () => {
    const url = `https://management.azure.com${workspacePath()}/computes/cpu-cluster?api-version=2022-10-01`;
    const readerToken = await secretToken(emulator.connection, 'https://management.azure.com/.default', 'reader');
    const read = await proxiedRequest(emulator.connection, url, { headers: { authorization: `Bearer ${readerToken}` } });
    assert.equal(read.status, 200);
    const write = await proxiedRequest(emulator.connection, url, { method: 'DELETE', headers: { authorization: `Bearer ${readerToken}` } });
    assert.equal(write.status, 403);
    assert.equal(write.json().error.code, 'AuthorizationFailed');
    assert.match(write.json().error.message, new RegExp(emulator.connection.reader.objectId));
    const anonymous = await proxiedRequest(emulator.connection, url);
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Bearer authorization_uri="https:\/\/login\.microsoftonline\.com\//);
  });

  it('delivers a semantic fault registered through the admin API to the ARM handlers', async () => {
    const fault = await admin.addFault({ kind: 'lroFailed', method: 'PUT', pathPattern: '**/computes/doomed-cluster' });
    const token = await secretToken(emulator.connection, 'https://management.azure.com/.default');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } } });
    const created = await proxiedRequest(emulator.connection, `https://management.azure.com${workspacePath()}/computes/doomed-cluster?api-version=2022-10-01`, { method: 'PUT', headers, body });
    assert.equal(created.status, 201);
    await admin.advanceTime(600);
    const operation = await proxiedRequest(emulator.connection, String(created.headers['azure-asyncoperation']), { headers });
    assert.equal(operation.json().status, 'Failed');
    assert.equal((await admin.faults()).find((f) => f.id === fault.id)?.hits, 1);
  });

  it('times request entries with the emulator clock, so since= agrees with /time/advance', async () => {
    const { now } = await admin.advanceTime(60);
    assert.equal((await admin.now()).slice(0, 16), now.slice(0, 16));
    await proxiedRequest(emulator.connection, 'https://eastus.api.azureml.ms/discovery?clock=1');
    const entries = await admin.requests(now);
    const served = entries.find((e): e is RequestLogEntry => e.type === 'request' && e.path === '/discovery');
    assert.ok(served, `the request is listed since ${now}`);
    assert.ok(served.time >= now);
  });

  describe('data plane token checks on <region>.api.azureml.ms', () => {
    const discovery = 'https://eastus.api.azureml.ms/discovery';
    const history = () => `https://eastus.api.azureml.ms/history/v1.0${workspacePath()}/experiments`;

    it('accepts Azure ML and ARM tokens, and 404s unknown APIs after authentication', async () => {
      for (const scope of ['https://ml.azure.com/.default', 'https://management.azure.com/.default']) {
        const token = await secretToken(emulator.connection, scope);
        const response = await proxiedRequest(emulator.connection, discovery, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(response.status, 200);
        assert.equal(response.json().studio, 'https://ml.azure.com');
      }
      const token = await secretToken(emulator.connection, 'https://ml.azure.com/.default');
      const unknown = await proxiedRequest(emulator.connection, history(), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json().error.innerError.code, 'NotFound');
    });

    it('answers 401 with WWW-Authenticate when the token is missing', async () => {
      const response = await proxiedRequest(emulator.connection, history());
      assert.equal(response.status, 401);
      assert.equal(response.json().error.innerError.code, 'AuthenticationFailed');
      assert.match(String(response.headers['www-authenticate']), new RegExp(`^Bearer authorization_uri="https://login.microsoftonline.com/${emulator.connection.tenantId}", error="invalid_token", error_description=".+"$`));
    });

    it('answers 401 for a token of the wrong audience or a forged one', async () => {
      const storageToken = await secretToken(emulator.connection, 'https://storage.azure.com/.default');
      const wrongAudience = await proxiedRequest(emulator.connection, discovery, { headers: { authorization: `Bearer ${storageToken}` } });
      assert.equal(wrongAudience.status, 401);
      assert.equal(wrongAudience.json().error.innerError.code, 'InvalidAuthenticationTokenAudience');
      const [header, claims] = storageToken.split('.');
      const forged = `${header}.${claims}.${Buffer.from('not a signature').toString('base64url')}`;
      const invalid = await proxiedRequest(emulator.connection, discovery, { headers: { authorization: `Bearer ${forged}` } });
      assert.equal(invalid.json().error.innerError.code, 'InvalidAuthenticationToken');
    });

    it('answers 401 for an expired token once the emulator clock passes its expiry', async () => {
      const token = await secretToken(emulator.connection, 'https://ml.azure.com/.default');
      await admin.advanceTime(2 * 3600);
      const response = await proxiedRequest(emulator.connection, discovery, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 401);
      assert.equal(response.json().error.innerError.code, 'ExpiredAuthenticationToken');
      assert.match(String(response.headers['www-authenticate']), /error="invalid_token"/);
    });
  });
});
