// The IMDS stand-in (169.254.169.254 of an Azure VM agent) as the protocol defines it: requests
// straight to it, errors in IMDS's shape, and the proxy refusing to reach it.
import { strict as assert } from 'node:assert';
import type { RunningEmulator } from '../../emulator/src';
import { decodeJwt } from '../../emulator/src/jwt';
import { rawRequest, sharedEmulator } from './emulatorFixtures';

/** GET straight to the IMDS stand-in, or through `via` (the proxy) with the absolute URI. */
async function get(url: string, headers: Record<string, string> = {}, via?: string): Promise<{ status: number; json: any }> {
  const target = new URL(url);
  const { status, text } = await rawRequest(via ?? target.origin, { method: 'GET', path: via ? url : `${target.pathname}${target.search}`, headers: { host: target.host, ...headers } });
  try {
    return { status, json: JSON.parse(text) };
  } catch {
    return { status, json: text };
  }
}

describe('emulator IMDS (managed identity of an Azure VM agent)', function () {
  this.timeout(60_000);
  const shared = sharedEmulator();
  let emulator: RunningEmulator;
  let tokenUrl: (query: string) => string;
  before(() => {
    emulator = shared.emulator();
    tokenUrl = (query) => `${emulator.connection.imds.authorityHost}/metadata/identity/oauth2/token${query}`;
  });
  const metadata = { Metadata: 'true' };
  const arm = '?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com';

  it('issues a token for the system-assigned identity without an identity parameter', async () => {
    const { status, json } = await get(tokenUrl(arm), metadata);
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(json).sort(), ['access_token', 'client_id', 'expires_in', 'expires_on', 'ext_expires_in', 'not_before', 'resource', 'token_type']);
    assert.equal(json.token_type, 'Bearer');
    assert.equal(json.resource, 'https://management.azure.com');
    assert.equal(typeof json.expires_on, 'string', 'IMDS sends numbers as strings');
    const claims = decodeJwt(json.access_token)!.claims;
    assert.equal(claims.oid, emulator.connection.imds.systemAssigned.objectId);
    assert.equal(claims.aud, 'https://management.azure.com');
  });

  it('issues a token for the user-assigned identity named by client_id, object_id or msi_res_id', async () => {
    const { userAssigned } = emulator.connection.imds;
    for (const selector of [`client_id=${userAssigned.clientId}`, `object_id=${userAssigned.objectId}`, `msi_res_id=${encodeURIComponent(userAssigned.resourceId)}`]) {
      const { status, json } = await get(tokenUrl(`${arm}&${selector}`), metadata);
      assert.equal(status, 200, selector);
      assert.equal(decodeJwt(json.access_token)!.claims.oid, userAssigned.objectId, selector);
      assert.equal(json.client_id, userAssigned.clientId);
    }
  });

  it('answers with IMDS errors: no Metadata header (the @azure/identity ping), missing parameters, an identity the VM does not have', async () => {
    assert.deepEqual(await get(tokenUrl('')), { status: 400, json: { error: 'bad_request_102', error_description: 'Required metadata header not specified' } });
    assert.deepEqual(await get(tokenUrl('?resource=https://management.azure.com'), metadata), { status: 400, json: { error: 'invalid_request', error_description: "Required query variable 'api-version' is missing" } });
    assert.deepEqual(await get(tokenUrl('?api-version=2018-02-01'), metadata), { status: 400, json: { error: 'invalid_request', error_description: "Required query variable 'resource' is missing" } });
    assert.deepEqual(await get(tokenUrl(`${arm}&client_id=00000000-0000-0000-0000-000000000000`), metadata), { status: 400, json: { error: 'invalid_request', error_description: 'Identity not found' } });
    assert.equal((await get(tokenUrl(arm), { ...metadata, 'X-Forwarded-For': '10.0.0.1' })).status, 400);
  });

  it('cannot be reached through the proxy, as no proxy reaches 169.254.169.254', async () => {
    const { status, json } = await get(tokenUrl(arm), metadata, emulator.connection.proxyUrl);
    assert.equal(status, 502);
    assert.match(String(json), /instance metadata service \(169\.254\.169\.254\).*must bypass the proxy/s);
    const direct = await get(`http://169.254.169.254/metadata/identity/oauth2/token${arm}`, metadata, emulator.connection.proxyUrl);
    assert.equal(direct.status, 502, 'the real IMDS address is refused too, never forwarded');
  });
});
