// Starting, stopping and restarting the emulator: connection.json, state kept by --state-dir
// (CA, identities, store, blobs), and Azurite never outliving the emulator.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator } from '../../emulator/src';
import { startCli, temporaryDirectories, waitFor } from './cliFixtures';
import { okValue, proxiedRequest, runProbes, secretToken } from './emulatorFixtures';

/** Processes whose command line mentions `text` (Azurite's carries --location <stateDir>/azurite). */
function processesMentioning(text: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('emulator lifecycle', function () {
  this.timeout(120_000);
  const tempDir = temporaryDirectories('emulator-lifecycle-');

  it('writes connection.json with exactly the documented keys', async () => {
    const emulator = await startEmulator({ stateDir: tempDir() });
    try {
      const written = JSON.parse(fs.readFileSync(emulator.connectionFile, 'utf8'));
      assert.deepEqual(Object.keys(written), ['proxyUrl', 'caCertFile', 'tenantId', 'subscriptionId', 'resourceGroupName', 'workspaceName', 'location', 'adminUrl', 'storageAccountName', 'workspaces', 'registries', 'secret', 'certificate', 'federated', 'managedIdentity', 'imds', 'reader']);
      assert.deepEqual(written, emulator.connection);
      assert.match(written.proxyUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(written.managedIdentity.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
      assert.match(written.federated.issuer, /^https:\/\/vstoken\.dev\.azure\.com\/[0-9a-f-]{36}$/);
      assert.match(written.federated.subject, /^sc:\/\/[^/]+\/[^/]+\/[^/]+$/);
      assert.equal(written.federated.audience, 'api://AzureADTokenExchange');
      const certificatePem = fs.readFileSync(written.certificate.certificateFile, 'utf8');
      assert.match(certificatePem, /BEGIN CERTIFICATE[\s\S]+BEGIN PRIVATE KEY/);
      assert.match(fs.readFileSync(written.federated.signingKeyFile, 'utf8'), /BEGIN PRIVATE KEY/);
      assert.match(fs.readFileSync(written.caCertFile, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
      assert.deepEqual(
        emulator.context.roleAssignments().map((a) => a.role),
        ['Contributor', 'Contributor', 'Contributor', 'Contributor', 'Contributor', 'Reader'],
      );
    } finally {
      await emulator.stop();
    }
  });

  it('keeps CA, identities, stored documents, blobs and issued tokens across a restart with the same state dir', async () => {
    const stateDir = tempDir();
    const first = await startEmulator({ stateDir });
    const caPem = fs.readFileSync(first.connection.caCertFile, 'utf8');
    const token = await secretToken(first.connection, 'https://ml.azure.com/.default');
    const c = first.connection;
    const modelVersion = `https://management.azure.com/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}/models/kept-model/versions/1?api-version=2022-10-01`;
    const armHeaders = async (connection: typeof c) => ({ authorization: `Bearer ${await secretToken(connection, 'https://management.azure.com/.default')}`, 'content-type': 'application/json' });
    const created = await proxiedRequest(c, modelVersion, { method: 'PUT', headers: await armHeaders(c), body: JSON.stringify({ properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/kept/', description: 'before restart' } }) });
    assert.equal(created.status, 201);
    okValue((await runProbes(first, [{ probe: 'blob', container: 'keep', blobName: 'model/weights.bin', content: 'weights v1' }]))[0]);
    await first.stop();
    assert.deepEqual(processesMentioning(path.join(stateDir, 'azurite')), [], 'Azurite stops with the emulator');

    const second = await startEmulator({ stateDir });
    try {
      assert.equal(fs.readFileSync(second.connection.caCertFile, 'utf8'), caPem);
      // The same ports too, so clients given the first connection.json (a running task) reconnect.
      assert.deepEqual(second.connection, first.connection);
      const kept = await proxiedRequest(second.connection, modelVersion, { headers: await armHeaders(second.connection) });
      assert.equal(kept.status, 200, 'a model version created through ARM is read back after the restart');
      assert.deepEqual([kept.json().properties.description, kept.json().properties.modelUri], ['before restart', 'azureml://datastores/workspaceblobstore/paths/kept/']);
      const [blob, newToken] = await runProbes(second, [
        { probe: 'blobRead', container: 'keep', blobName: 'model/weights.bin' },
        { probe: 'token', identity: 'certificate' },
      ]);
      assert.equal(okValue(blob), 'weights v1');
      assert.equal(okValue(newToken).claims.oid, first.connection.certificate.objectId);
      const discovery = await proxiedRequest(second.connection, 'https://eastus.api.azureml.ms/discovery', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(discovery.status, 200, 'a token issued before the restart is still valid');
    } finally {
      await second.stop();
    }
  });

  it('runs from `npm run emulator -- --state-dir DIR` and stops cleanly, Azurite included, on Ctrl-C', async () => {
    const stateDir = tempDir();
    const cli = startCli('--state-dir', stateDir);
    await waitFor(() => cli.output().includes('Press Ctrl-C'), 'the emulator to start');
    assert.match(cli.output(), new RegExp(`connection file: ${path.join(stateDir, 'connection.json')}`));
    assert.match(cli.output(), /export HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+/);
    assert.match(cli.output(), new RegExp(`export NODE_EXTRA_CA_CERTS=${path.join(stateDir, 'ca.pem')}`));
    const connection = JSON.parse(fs.readFileSync(path.join(stateDir, 'connection.json'), 'utf8'));
    assert.ok(!cli.output().includes(connection.secret.clientSecret), 'secrets stay in connection.json');
    const [azurite] = processesMentioning(path.join(stateDir, 'azurite'));
    const azuriteArgs = fs.readFileSync(`/proc/${azurite}/cmdline`, 'utf8').split('\0');
    assert.ok(azuriteArgs.includes('--disableTelemetry'), 'Azurite never phones home');
    assert.equal(azuriteArgs[azuriteArgs.indexOf('--blobHost') + 1], '127.0.0.1');
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0);
    assert.match(cli.output(), /Emulator stopped\./);
    assert.deepEqual(processesMentioning(path.join(stateDir, 'azurite')), []);
  });

  it('takes Azurite down when the emulator process is killed outright', async () => {
    const stateDir = tempDir();
    const cli = startCli('--state-dir', stateDir);
    await waitFor(() => cli.output().includes('Press Ctrl-C'), 'the emulator to start');
    assert.equal(processesMentioning(path.join(stateDir, 'azurite')).length, 1);
    cli.child.kill('SIGKILL');
    await waitFor(() => processesMentioning(path.join(stateDir, 'azurite')).length === 0, 'Azurite to exit after its parent died');
  });

  it('refuses unknown command-line arguments with the usage', async () => {
    const cli = startCli('--stat-dir', 'x');
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /unknown argument '--stat-dir'[\s\S]*usage: npm run emulator -- \[--state-dir DIR\]/);
  });
});
