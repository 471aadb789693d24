// What fault tests of the tasks need from the emulator: one emulator per state directory, the same
// ports after a restart, job processes that never outlive it (even SIGKILLed), and the fault
// "processed but response lost" for the idempotency of PUTs whose answer never arrives.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ConnectionInfo, startEmulator } from '../../emulator/src';
import { AdminClient } from '../../emulator/src/adminClient';
import { startCli, temporaryDirectories, waitFor } from './cliFixtures';
import { proxiedRequest, secretToken } from './emulatorFixtures';
import { processWatch } from './jobFixtures';

function workspaceUrl(c: ConnectionInfo, relative: string, apiVersion = '2022-10-01'): string {
  return `https://management.azure.com/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}${relative}?api-version=${apiVersion}`;
}

async function armHeaders(c: ConnectionInfo): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await secretToken(c, 'https://management.azure.com/.default')}`, 'content-type': 'application/json' };
}

describe('emulator reliability: state directory ownership, restarts, job processes, lost responses', function () {
  this.timeout(120_000);
  const tempDir = temporaryDirectories('emulator-reliability-');

  it('refuses a second emulator on a state directory in use, naming the running one; the directory is free again after stop', async () => {
    const stateDir = tempDir();
    const first = await startEmulator({ stateDir });
    try {
      await assert.rejects(startEmulator({ stateDir }), (e: Error) => {
        assert.match(e.message, new RegExp(`is using the state directory ${stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*another --state-dir`));
        return true;
      });
      const cli = startCli('--state-dir', stateDir);
      assert.equal(await cli.exited, 1);
      assert.match(cli.output(), new RegExp(`Another emulator \\(process ${process.pid}\\) is using the state directory`));
      const stillServing = await proxiedRequest(first.connection, workspaceUrl(first.connection, ''), { headers: await armHeaders(first.connection) });
      assert.equal(stillServing.status, 200, 'the refused second start leaves the first one serving');
    } finally {
      await first.stop();
    }
    const again = await startEmulator({ stateDir });
    await again.stop();
  });

  it('kills running job processes (their whole group) when the emulator is SIGKILLed, and restarts on the same ports', async () => {
    const stateDir = tempDir();
    const cli = startCli('--state-dir', stateDir);
    await waitFor(() => cli.output().includes('Press Ctrl-C'), 'the emulator to start', 30_000);
    const connection = JSON.parse(fs.readFileSync(path.join(stateDir, 'connection.json'), 'utf8')) as ConnectionInfo;
    const computeId = `/subscriptions/${connection.subscriptionId}/resourceGroups/${connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${connection.workspaceName}/computes/cpu-cluster`;
    const submitted = await proxiedRequest(connection, workspaceUrl(connection, '/jobs/outlive-attempt'), {
      method: 'PUT',
      headers: await armHeaders(connection),
      body: JSON.stringify({ properties: { jobType: 'Command', command: 'sleep 300 & echo $! > sleep.pid; echo $$ > bash.pid; wait', environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1', computeId } }),
    });
    assert.equal(submitted.status, 201, submitted.text);
    const workDir = path.join(stateDir, 'jobs', 'outlive-attempt', 'code');
    await waitFor(() => fs.existsSync(path.join(workDir, 'bash.pid')) && fs.existsSync(path.join(workDir, 'sleep.pid')), 'the job process to start');
    const pids = ['sleep.pid', 'bash.pid'].map((f) => Number(fs.readFileSync(path.join(workDir, f), 'utf8').trim()));
    const running = pids.map(processWatch);
    assert.ok(running.every((alive) => alive()), 'the job runs');

    cli.child.kill('SIGKILL');
    await cli.exited;
    // The guard ends them within its 2 s grace; the margin is for a loaded machine.
    await waitFor(() => !running.some((alive) => alive()), 'the job processes to end after the emulator was killed', 30_000);

    // The killed emulator left its lock behind; a new start takes it over, on the same ports.
    const restarted = startCli('--state-dir', stateDir);
    try {
      await waitFor(() => restarted.output().includes('Press Ctrl-C'), 'the emulator to restart');
      const after = JSON.parse(fs.readFileSync(path.join(stateDir, 'connection.json'), 'utf8')) as ConnectionInfo;
      assert.deepEqual(after, connection, 'the same connection.json: proxy, admin, identity and IMDS ports');
      const job = await proxiedRequest(connection, workspaceUrl(connection, '/jobs/outlive-attempt'), { headers: await armHeaders(connection) });
      assert.equal(job.json().properties.status, 'Failed', 'the interrupted job ends Failed');
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  describe('fault "responseLost": the request takes effect, then the connection is reset', () => {
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    let admin: AdminClient;
    before(async () => {
      emulator = await startEmulator({ stateDir: tempDir(), arm: { jobExecutor: { submit() {}, cancel() {} } } });
      admin = new AdminClient(emulator.connection.adminUrl);
    });
    after(() => emulator?.stop());

    const cases: Array<{ what: string; relative: string; apiVersion?: string; body: unknown }> = [
      {
        what: 'job PUT',
        relative: '/jobs/lost-answer-job',
        body: { properties: { jobType: 'Command', command: 'echo hi', environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1', computeId: 'COMPUTE' } },
      },
      { what: 'model version PUT', relative: '/models/lost-answer-model/versions/1', body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/m/' } } },
      { what: 'online endpoint PUT', relative: '/onlineEndpoints/lost-answer-ep', body: { location: 'LOCATION', properties: { authMode: 'Key' } } },
    ];
    for (const { what, relative, apiVersion, body } of cases) {
      it(`${what}: the client sees a reset, the resource exists, and a retried PUT finds it`, async () => {
        const c = emulator.connection;
        const text = JSON.stringify(body)
          .replace('COMPUTE', `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}/computes/cpu-cluster`)
          .replace('LOCATION', c.location);
        const since = await admin.now();
        const fault = await admin.addFault({ kind: 'responseLost', method: 'PUT', pathPattern: relative.replace(/^/, '**'), count: 1 });
        const headers = await armHeaders(c);
        await assert.rejects(proxiedRequest(c, workspaceUrl(c, relative, apiVersion), { method: 'PUT', headers, body: text }), /socket hang up|ECONNRESET/);
        const read = await proxiedRequest(c, workspaceUrl(c, relative, apiVersion), { headers });
        assert.equal(read.status, 200, `the PUT took effect: ${read.text}`);
        const retried = await proxiedRequest(c, workspaceUrl(c, relative, apiVersion), { method: 'PUT', headers, body: text });
        assert.ok([200, 201].includes(retried.status), `${retried.status} ${retried.text}`);
        const log = (await admin.requests(since)).filter((e) => e.type === 'request' && e.method === 'PUT');
        assert.deepEqual(
          log.map((e) => (e.type === 'request' ? [e.status, e.fault?.id] : [])),
          [
            [0, fault.id],
            [retried.status, undefined],
          ],
        );
      });
    }
  });
});
