// Entra ID of the emulator with @azure/identity's own credentials (default authority), run as
// users run them: through the proxy with the emulator's CA.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { type RunningEmulator, startEmulator } from '../../emulator/src';
import { AdminClient } from '../../emulator/src/adminClient';
import type { ProbeResult } from './clientProbe';
import { okValue, proxiedRequest, runProbes } from './emulatorFixtures';

describe('emulator Entra ID with @azure/identity', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let results: ProbeResult[];

  before(async () => {
    emulator = await startEmulator();
    const { federated } = emulator.connection;
    results = await runProbes(emulator, [
      { probe: 'token', identity: 'secret' },
      { probe: 'token', identity: 'certificate' },
      { probe: 'token', identity: 'federated' },
      { probe: 'token', identity: 'managedIdentity' },
      { probe: 'token', identity: 'managedIdentity', clientId: emulator.connection.managedIdentity.clientId },
      { probe: 'token', identity: 'reader' },
      { probe: 'token', identity: 'secret', scope: 'https://ml.azure.com/.default' },
      { probe: 'token', identity: 'certificate', scope: 'https://storage.azure.com/.default' },
      { probe: 'token', identity: 'secret', secret: 'not-the-secret' },
      { probe: 'token', identity: 'federated', subject: federated.subject.replace(/[^/]+$/, 'another-connection') },
      { probe: 'token', identity: 'managedIdentity', clientId: '00000000-0000-0000-0000-000000000000' },
      { probe: 'token', identity: 'federated', assertionLifetimeSeconds: -3600 },
      { probe: 'token', identity: 'certificate', foreignCertificate: true },
    ]);
  });
  after(async () => {
    await emulator?.stop();
    if (emulator) fs.rmSync(emulator.stateDir, { recursive: true, force: true });
  });

  const identities = ['secret', 'certificate', 'federated', 'managedIdentity', 'managedIdentityByClientId', 'reader'] as const;
  identities.forEach((name, index) => {
    it(`issues an ARM token for the ${name} identity`, () => {
      const connectionKey = name === 'managedIdentityByClientId' ? 'managedIdentity' : name;
      const { claims, expiresOnTimestamp } = okValue(results[index]);
      const expected = emulator.connection[connectionKey];
      assert.equal(claims.aud, 'https://management.azure.com');
      assert.equal(claims.oid, expected.objectId);
      assert.equal(claims.appid, expected.clientId);
      assert.equal(claims.tid, emulator.connection.tenantId);
      assert.equal(claims.iss, `https://sts.windows.net/${emulator.connection.tenantId}/`);
      assert.ok(expiresOnTimestamp > Date.now() + 50 * 60_000, 'tokens live about an hour');
    });
  });

  it('gives each scope its audience', () => {
    assert.equal(okValue(results[6]).claims.aud, 'https://ml.azure.com');
    assert.equal(okValue(results[7]).claims.aud, 'https://storage.azure.com');
  });

  it('refuses a wrong client secret with AADSTS7000215', () => {
    assert.equal(results[8].ok, false);
    assert.match((results[8] as { error: string }).error, /AADSTS7000215: Invalid client secret/);
  });

  it('refuses a federated assertion for another subject with AADSTS70021', () => {
    assert.equal(results[9].ok, false);
    assert.match((results[9] as { error: string }).error, /AADSTS70021: No matching federated identity record.*another-connection/);
  });

  it('refuses an expired federated assertion with AADSTS700024', () => {
    assert.equal(results[11].ok, false);
    assert.match((results[11] as { error: string }).error, /AADSTS700024: Client assertion is not within its valid time range/);
  });

  it('refuses a certificate assertion signed by an unregistered certificate with AADSTS700027', () => {
    assert.equal(results[12].ok, false);
    assert.match((results[12] as { error: string }).error, /AADSTS700027: Client assertion failed signature validation. \[Reason - The key was not found/);
  });

  it('refuses a managed identity the host does not have', () => {
    assert.equal(results[10].ok, false);
    assert.match((results[10] as { error: string }).error, /00000000-0000-0000-0000-000000000000/);
  });

  it('logs managed identity and token endpoint requests', async () => {
    const entries = await new AdminClient(emulator.connection.adminUrl).requests();
    const statuses = (path: RegExp) => entries.filter((e) => e.type === 'request' && path.test(e.path)).map((e) => (e as { status: number }).status);
    assert.deepEqual(statuses(/^\/msi\/token$/).sort(), [200, 200, 400]);
    assert.ok(statuses(/\/oauth2\/v2\.0\/token$/).includes(401), 'the wrong secret is in the log');
  });

  it('answers token requests with AADSTS-style errors for unknown clients and tenants', async () => {
    const { connection } = emulator;
    const form = (clientId: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'x', scope: 'https://management.azure.com/.default' }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'my-correlation' };
    const unknown = await proxiedRequest(connection, `https://login.microsoftonline.com/${connection.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers, body: form('11111111-2222-3333-4444-555555555555') });
    assert.equal(unknown.status, 400);
    const body = unknown.json();
    assert.equal(body.error, 'unauthorized_client');
    assert.deepEqual(body.error_codes, [700016]);
    assert.equal(body.correlation_id, 'my-correlation');
    assert.ok(body.trace_id && body.timestamp);
    const wrongTenant = await proxiedRequest(connection, 'https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token', { method: 'POST', headers, body: form(connection.secret.clientId) });
    assert.deepEqual(wrongTenant.json().error_codes, [90002]);
    const badScope = await proxiedRequest(connection, `https://login.microsoftonline.com/${connection.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: connection.secret.clientId, client_secret: connection.secret.clientSecret, scope: 'https://management.azure.com/user_impersonation' }).toString(),
    });
    assert.equal(badScope.json().error, 'invalid_scope');
  });

  it('publishes discovery, OpenID configuration and the signing keys', async () => {
    const { connection } = emulator;
    const instance = await proxiedRequest(connection, 'https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/authorize');
    assert.equal(instance.json().tenant_discovery_endpoint, `https://login.microsoftonline.com/${connection.tenantId}/v2.0/.well-known/openid-configuration`);
    const config = (await proxiedRequest(connection, instance.json().tenant_discovery_endpoint)).json();
    assert.equal(config.token_endpoint, `https://login.microsoftonline.com/${connection.tenantId}/oauth2/v2.0/token`);
    const v1 = (await proxiedRequest(connection, `https://login.microsoftonline.com/${connection.tenantId}/.well-known/openid-configuration`)).json();
    assert.equal(v1.issuer, `https://sts.windows.net/${connection.tenantId}/`);
    const keys = (await proxiedRequest(connection, config.jwks_uri)).json().keys;
    const kid = JSON.parse(Buffer.from(okValue(results[0]).token.split('.')[0], 'base64url').toString()).kid;
    assert.ok(keys.some((key: { kid: string; n: string }) => key.kid === kid && key.n.length > 300));
  });

  it('serves the v1 token endpoint with resource and expires_on', async () => {
    const { connection } = emulator;
    const response = await proxiedRequest(connection, `https://login.microsoftonline.com/${connection.tenantId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: connection.reader.clientId, client_secret: connection.reader.clientSecret, resource: 'https://management.core.windows.net/' }).toString(),
    });
    assert.equal(response.status, 200);
    const body = response.json();
    assert.equal(body.resource, 'https://management.core.windows.net/');
    assert.match(body.expires_on, /^\d+$/);
  });
});
