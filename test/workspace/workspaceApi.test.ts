import * as assert from 'node:assert/strict';
import { ArmRequestError } from '../../tasks/common/azure/armErrors';
import { createWorkspaceApi, nextVersionOf } from '../../tasks/common/workspace/workspaceApi';
import { fakeSession, RoutingHttpClient } from '../common/fakes';
import { SCOPE } from '../job/fakes';

const WS = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws';

describe('workspace: job, asset and datastore REST calls', () => {
  it('reads a job with the Retry-After ARM sent, and a missing job as none', async () => {
    const http = new RoutingHttpClient()
      .on('GET', /\/jobs\/job1\?api-version=2022-10-01$/, { status: 200, body: { name: 'job1', properties: { status: 'Running' } }, headers: { 'retry-after': '20' } })
      .on('GET', /\/jobs\/missing\?/, { status: 404, body: { error: { code: 'ResourceNotFound', message: 'nope' } } });
    const api = createWorkspaceApi(fakeSession(http), SCOPE);
    assert.deepEqual(await api.getJob('job1'), { job: { name: 'job1', properties: { status: 'Running' } }, retryAfterMs: 20_000 });
    assert.equal((await api.getJob('missing')).job, undefined);
    assert.ok(http.urls()[0].startsWith(`GET https://management.azure.com${WS}/jobs/job1?`));
  });

  it('a job read for a wait loop is sent once (the loop retries on its own schedule); other reads keep the pipeline\'s retries', async () => {
    const http = new RoutingHttpClient().on('GET', /\/jobs\/down\?/, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'down' } }, headers: { 'retry-after': '4' } });
    const api = createWorkspaceApi(fakeSession(http), SCOPE);
    const failure = await api.getJob('down', undefined, true).catch((error: unknown) => error);
    assert.ok(failure instanceof ArmRequestError);
    assert.equal(failure.failure.retryAfterMs, 4_000, 'the wait the service asked for travels with the failure');
    assert.equal(http.requests.length, 1);
    await assert.rejects(api.getJob('down'), /down/);
    assert.equal(http.requests.length, 1 + 3, 'one attempt and two retries');
  });

  it('cancels with POST .../jobs/<name>/cancel under the given signal, and reports ARM failures', async () => {
    const http = new RoutingHttpClient().on('POST', /\/jobs\/job1\/cancel\?/, { status: 202 }).on('POST', /\/jobs\/locked\/cancel\?/, { status: 409, body: { error: { code: 'Conflict', message: 'locked' } } });
    const api = createWorkspaceApi(fakeSession(http), SCOPE);
    const deadline = new AbortController();
    await api.cancelJob('job1', deadline.signal);
    assert.equal(http.requests[0].abortSignal, deadline.signal);
    await assert.rejects(api.cancelJob('locked', deadline.signal), /locked/);
  });

  it("finds an asset's latest version from its container, else from its newest version, else none", async () => {
    const http = new RoutingHttpClient()
      .on('GET', /\/environments\/a\?/, { status: 200, body: { properties: { latestVersion: '5' } } })
      .on('GET', /\/environments\/b\?/, { status: 200, body: { properties: {} } })
      .on('GET', /\/environments\/b\/versions\?%24orderBy=createdtime\+desc&%24top=1/, { status: 200, body: { value: [{ name: '9' }] } })
      .on('GET', /\/environments\/c\?/, { status: 404, body: {} });
    const api = createWorkspaceApi(fakeSession(http), SCOPE);
    assert.equal(await api.latestVersion('environments', 'a'), '5');
    assert.equal(await api.latestVersion('environments', 'b'), '9');
    assert.equal(await api.latestVersion('environments', 'c'), undefined);
  });

  it("gives a named asset registered without a version the container's nextVersion, 1 for an asset that does not exist", async () => {
    const http = new RoutingHttpClient()
      .on('GET', /\/models\/churn\?/, { status: 200, body: { properties: { latestVersion: '3', nextVersion: '4' } } })
      // azure-ai-ml takes the service's nextVersion as it is, whatever the latest version is called.
      .on('GET', /\/environments\/named\?/, { status: 200, body: { properties: { latestVersion: 'v2', nextVersion: '1' } } })
      .on('GET', /\/environments\/missing\?/, { status: 404, body: { error: { code: 'UserError', message: 'not found' } } });
    const api = createWorkspaceApi(fakeSession(http), SCOPE);
    assert.equal(await api.nextVersion('models', 'churn'), '4');
    assert.equal(await api.nextVersion('environments', 'named'), '1');
    assert.equal(await api.nextVersion('environments', 'missing'), '1');
    assert.deepEqual(http.urls().map((u) => u.split('?')[0]), [`GET https://management.azure.com${WS}/models/churn`, `GET https://management.azure.com${WS}/environments/named`, `GET https://management.azure.com${WS}/environments/missing`]);
  });

  it('without a nextVersion in the container: the latest version + 1 when it is a number, else 1', () => {
    assert.equal(nextVersionOf(undefined), '1');
    assert.equal(nextVersionOf({ properties: { latestVersion: '3' } }), '4');
    assert.equal(nextVersionOf({ properties: { latestVersion: '3', nextVersion: null } }), '4');
    assert.equal(nextVersionOf({ properties: { latestVersion: 'v2' } }), '1');
    assert.equal(nextVersionOf({ properties: { latestVersion: null } }), '1');
  });

  it('reads a named datastore, a missing one as none, and fails a PUT into a missing workspace with the ARM error', async () => {
    const http = new RoutingHttpClient()
      .on('GET', /\/datastores\/models\?api-version=2022-10-01$/, { status: 200, body: { name: 'models', properties: { datastoreType: 'AzureBlob' } } })
      .on('GET', /\/datastores\/gone\?/, { status: 404, body: { error: { code: 'UserError', message: 'not found' } } })
      .on('PUT', /\/jobs\/job1\?/, { status: 404, body: { error: { code: 'ResourceNotFound', message: 'workspace ws not found' } }, headers: { 'x-ms-request-id': 'put-req' } });
    const api = createWorkspaceApi(fakeSession(http), SCOPE);
    assert.equal((await api.getDatastore('models'))?.properties.datastoreType, 'AzureBlob');
    assert.equal(await api.getDatastore('gone'), undefined);
    await assert.rejects(api.createJob('job1', {}), (error: ArmRequestError) => error instanceof ArmRequestError && error.failure.status === 404 && error.failure.armRequestId === 'put-req');
  });
});
