// Acceptance: the official clients, in their own process, reach ARM through the emulator's proxy
// and CA exactly as they reach Azure (Entra ID token from the default authority, SDK pollers).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { clientEnvironment } from '../../emulator/src';
import type { RequestLogEntry } from '../../emulator/src/requestLog';
import { sharedEmulator } from './emulatorFixtures';

const run = promisify(execFile);
const SCENARIO = path.join(__dirname, 'armSdkScenario.ts');

describe('emulator ARM through the proxy with @azure/identity and @azure/arm-machinelearning', function () {
  this.timeout(120_000);
  const shared = sharedEmulator();

  async function scenario(name: string, extraEnv: Record<string, string> = {}): Promise<any> {
    const env = { ...process.env, ...clientEnvironment(shared.emulator().connection), NO_PROXY: '', no_proxy: '', ...extraEnv };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', SCENARIO, name, shared.emulator().connectionFile], { env, cwd: path.join(__dirname, '..', '..') }).catch((e) => e);
    return JSON.parse(String(stdout).trim().split('\n').pop() ?? '{}');
  }

  it('creates and deletes a compute with the SDK pollers', async () => {
    const result = await scenario('compute');
    assert.deepEqual({ ...result, names: result.names.sort() }, { created: 'Succeeded', seededMax: 4, names: ['cpu-cluster', 'dev-instance', 'k8s-compute'] });
  });

  it('deploys to a managed online endpoint and routes its traffic', async () => {
    assert.deepEqual(await scenario('endpoint'), { deployment: 'Succeeded', traffic: { blue: 100 } });
  });

  it('reports an injected lroFailed fault as a failed operation', async () => {
    await shared.admin().addFault({ kind: 'lroFailed', method: 'PUT', pathPattern: '/subscriptions/**/onlineEndpoints/e2e-failing' });
    const result = await scenario('failedOperation');
    assert.equal(result.failed, true);
    assert.equal(result.provisioningState, 'Failed');
  });

  it('lets the reader identity read and answers its writes with 403 AuthorizationFailed', async () => {
    const result = await scenario('reader');
    assert.equal(result.workspace, shared.emulator().connection.workspaceName);
    assert.equal(result.denied, true);
    assert.equal(result.error.statusCode, 403);
    assert.equal(result.error.code, 'AuthorizationFailed');
  });

  it('registers model versions, keeping the container\'s latestVersion and nextVersion', async () => {
    assert.deepEqual(await scenario('assets'), { modelUri: 'azureml://datastores/workspaceblobstore/paths/models/e2e/', latestVersion: '2', nextVersion: '3', versions: ['1', '2'] });
  });

  it('lists the default datastore\'s account key', async () => {
    const result = await scenario('datastoreSecrets');
    assert.equal(result.secretsType, 'AccountKey');
    assert.ok(result.keyLength > 0);
  });

  it('starts and stops the compute instance and lists cluster nodes', async () => {
    assert.deepEqual(await scenario('computeStartStop'), { before: 'Stopped', started: 'Running', stopped: 'Stopped', nodes: [] });
  });

  it('reports a cluster Resizing for the count of a computeStuckResizing fault', async () => {
    await shared.admin().addFault({ kind: 'computeStuckResizing', pathPattern: '/subscriptions/**/computes/cpu-cluster', count: 2 });
    assert.deepEqual(await scenario('allocationStates'), { states: ['Resizing', 'Resizing', 'Steady'] });
  });

  it('fails a deployment under a deploymentUnhealthy fault, with the crash in its logs', async () => {
    await shared.admin().addFault({ kind: 'deploymentUnhealthy', method: 'PUT', pathPattern: '/subscriptions/**/onlineEndpoints/e2e-sick/deployments/blue' });
    const result = await scenario('unhealthyDeployment');
    assert.deepEqual([result.failed, result.provisioningState], [true, 'Failed']);
    assert.match(result.logs, /Exception in worker process/);
  });

  it('reads deployment logs and deletes a deployment with the SDK poller', async () => {
    assert.deepEqual(await scenario('deploymentLogsAndDelete'), { logLines: 2, left: [] });
  });

  it('retries an injected 500 and succeeds', async () => {
    const since = await shared.admin().now();
    await shared.admin().addFault({ kind: 'status', status: 500, method: 'GET', pathPattern: '/subscriptions/*/resourceGroups/*/providers/Microsoft.MachineLearningServices/workspaces/*', count: 1 });
    assert.deepEqual(await scenario('workspace'), { name: shared.emulator().connection.workspaceName });
    const served = (await shared.admin().requests(since)).filter((e): e is RequestLogEntry => e.type === 'request' && /\/workspaces\/[^/]+$/.test(e.path));
    assert.deepEqual(served.map((e) => e.status), [500, 200]);
  });

  it('ends a fault after its durationSeconds on the emulator clock', async () => {
    await shared.admin().addFault({ kind: 'status', status: 503, pathPattern: '/subscriptions/**/workspaces/*', durationSeconds: 30 });
    const during = await scenario('workspace', { MAX_RETRIES: '0' });
    assert.equal(during.unexpected?.statusCode, 503);
    await shared.admin().advanceTime(31);
    assert.deepEqual(await scenario('workspace', { MAX_RETRIES: '0' }), { name: shared.emulator().connection.workspaceName });
  });
});
