// Acceptance: the official clients, in their own process, reach ARM through the emulator's proxy
// and CA exactly as they reach Azure (Entra ID token from the default authority, SDK pollers).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type RunningEmulator, clientEnvironment, startEmulator } from '../../emulator/src';
import { AdminClient } from '../../emulator/src/adminClient';

const run = promisify(execFile);
const SCENARIO = path.join(__dirname, 'armSdkScenario.ts');

describe('emulator ARM through the proxy with @azure/identity and @azure/arm-machinelearning', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator();
  });

  after(async () => {
    await emulator?.stop();
  });

  async function scenario(name: string): Promise<any> {
    const env = { ...process.env, ...clientEnvironment(emulator.connection), NO_PROXY: '', no_proxy: '' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', SCENARIO, name, emulator.connectionFile], { env, cwd: path.join(__dirname, '..', '..') }).catch((e) => e);
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
    await new AdminClient(emulator.connection.adminUrl).addFault({ kind: 'lroFailed', method: 'PUT', pathPattern: '/subscriptions/**/onlineEndpoints/e2e-failing' });
    const result = await scenario('failedOperation');
    assert.equal(result.failed, true);
    assert.equal(result.provisioningState, 'Failed');
  });

  it('lets the reader identity read and answers its writes with 403 AuthorizationFailed', async () => {
    const result = await scenario('reader');
    assert.equal(result.workspace, emulator.connection.workspaceName);
    assert.equal(result.denied, true);
    assert.equal(result.error.statusCode, 403);
    assert.equal(result.error.code, 'AuthorizationFailed');
  });
});
