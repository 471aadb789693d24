// The App Service managed identity protocol (api-version 2019-08-01) that @azure/identity's
// ManagedIdentityCredential (msal-node) uses when IDENTITY_ENDPOINT and IDENTITY_HEADER are set:
// GET <endpoint>?api-version=2019-08-01&resource=<resource>[&client_id|object_id|mi_res_id=...]
// with the X-IDENTITY-HEADER secret.
import type { Cloud } from './cloud';
import type { HostResponse } from './contract';
import type { TokenIssuer } from './tokens';

export const MANAGED_IDENTITY_PATH = '/msi/token';

function failure(status: number, message: string): HostResponse {
  return { status, body: { statusCode: status, message } };
}

export function managedIdentityToken(cloud: Cloud, issuer: TokenIssuer, url: URL, identityHeader: string | undefined): HostResponse {
  const identity = cloud.identities.managedIdentity;
  if (identityHeader !== identity.identityHeader) {
    return failure(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
  }
  const apiVersion = url.searchParams.get('api-version');
  if (apiVersion !== '2019-08-01') return failure(400, `Unsupported api-version '${apiVersion ?? ''}'; the App Service identity endpoint supports 2019-08-01.`);
  const resource = url.searchParams.get('resource');
  if (!resource) return failure(400, "The 'resource' query parameter is required.");
  const requested = { client_id: identity.clientId, object_id: identity.objectId, principal_id: identity.objectId };
  for (const [name, expected] of Object.entries(requested)) {
    const value = url.searchParams.get(name);
    if (value !== null && value !== expected) return failure(400, `No managed identity with ${name} '${value}' is assigned to this host; it has '${expected}'.`);
  }
  const miResId = url.searchParams.get('mi_res_id');
  if (miResId !== null && !miResId.toLowerCase().endsWith(`/userassignedidentities/${identity.displayName.toLowerCase()}`)) {
    return failure(400, `No managed identity with mi_res_id '${miResId}' is assigned to this host.`);
  }
  const token = issuer.issue(identity, resource.replace(/\/\.default$/, ''), '2');
  return { status: 200, body: { access_token: token.accessToken, expires_on: String(token.expiresOn), resource, token_type: 'Bearer', client_id: identity.clientId } };
}
