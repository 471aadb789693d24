// The Azure Instance Metadata Service's managed identity endpoint, as an Azure VM or scale-set agent
// sees it at http://169.254.169.254 (here on a loopback stand-in, named to clients by
// AZURE_POD_IDENTITY_AUTHORITY_HOST): GET /metadata/identity/oauth2/token?api-version=2018-02-01
// &resource=<resource>[&client_id|object_id|msi_res_id=<user-assigned identity>] with `Metadata: true`.
// The VM has a system-assigned identity (the agent's) and one user-assigned identity.
// Errors are IMDS's: {"error": ..., "error_description": ...}. @azure/identity first "pings" the
// endpoint without the Metadata header and takes any answer as proof that IMDS exists.
import type { Cloud, Identity } from './cloud';
import type { HostResponse } from './contract';
import type { TokenIssuer } from './tokens';

export const IMDS_TOKEN_PATH = '/metadata/identity/oauth2/token';

/** The api-versions IMDS accepts for identity tokens (the documented ones from 2018-02-01 on). */
const IDENTITY_API_VERSIONS = ['2018-02-01', '2019-03-11', '2019-06-01', '2019-06-04', '2019-08-01', '2019-08-15', '2019-11-01', '2020-06-01', '2020-07-15', '2020-09-01', '2020-10-01', '2020-12-01', '2021-01-01', '2021-02-01', '2021-03-01', '2021-05-01', '2021-10-01', '2021-11-01', '2021-11-15', '2021-12-13'];

/** A link-local address is never reachable through a proxy: IMDS answers only the VM itself. */
export const IMDS_ADDRESS = '169.254.169.254';

function failure(status: number, error: string, description: string): HostResponse {
  return { status, body: { error, error_description: description } };
}

export interface ImdsRequest {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
}

/** The identities assigned to the emulated VM. */
export function vmIdentities(cloud: Cloud): { systemAssigned: Identity; userAssigned: Identity } {
  return { systemAssigned: cloud.identities.managedIdentity, userAssigned: cloud.identities.userAssigned };
}

export function userAssignedResourceId(cloud: Cloud, identity: Identity): string {
  const { subscriptionId, resourceGroupName } = cloud.facts;
  return `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identity.displayName}`;
}

/** Picks the identity a request names (none: the system-assigned one), or says why none matches. */
function requestedIdentity(cloud: Cloud, query: URLSearchParams): Identity | HostResponse {
  const { systemAssigned, userAssigned } = vmIdentities(cloud);
  const selectors = ['client_id', 'object_id', 'msi_res_id', 'mi_res_id'].filter((name) => query.has(name));
  if (selectors.length > 1) return failure(400, 'invalid_request', 'Only one of client_id, object_id or msi_res_id may be specified.');
  if (selectors.length === 0) return systemAssigned;
  const value = (query.get(selectors[0]) ?? '').toLowerCase();
  const matches = (identity: Identity) =>
    selectors[0] === 'client_id' ? identity.clientId.toLowerCase() === value : selectors[0] === 'object_id' ? identity.objectId.toLowerCase() === value : identity === userAssigned && userAssignedResourceId(cloud, identity).toLowerCase() === value;
  return [systemAssigned, userAssigned].find(matches) ?? failure(400, 'invalid_request', 'Identity not found');
}

export function imdsToken(cloud: Cloud, issuer: TokenIssuer, req: ImdsRequest): HostResponse {
  // MSAL sends the path with a trailing slash, which IMDS accepts.
  if (req.url.pathname.replace(/\/$/, '') !== IMDS_TOKEN_PATH) return failure(404, 'not_found', `The requested path ${req.url.pathname} is not found.`);
  if (req.headers['x-forwarded-for'] !== undefined) return failure(400, 'bad_request', 'Requests with an X-Forwarded-For header are not accepted: IMDS must not be called through a proxy.');
  if (String(req.headers.metadata ?? '').toLowerCase() !== 'true') return failure(400, 'bad_request_102', 'Required metadata header not specified');
  if (req.method !== 'GET') return failure(405, 'method_not_allowed', `The HTTP method ${req.method} is not allowed: use GET.`);
  const apiVersion = req.url.searchParams.get('api-version');
  if (!apiVersion) return failure(400, 'invalid_request', "Required query variable 'api-version' is missing");
  if (!IDENTITY_API_VERSIONS.includes(apiVersion)) return failure(400, 'invalid_request', `Invalid version '${apiVersion}'`);
  const resource = req.url.searchParams.get('resource');
  if (!resource) return failure(400, 'invalid_request', "Required query variable 'resource' is missing");
  const identity = requestedIdentity(cloud, req.url.searchParams);
  if (!('clientId' in identity)) return identity;
  const token = issuer.issue(identity, resource.replace(/\/\.default$/, ''), '2');
  const expiresIn = token.expiresOn - token.notBefore;
  return {
    status: 200,
    body: {
      access_token: token.accessToken,
      client_id: identity.clientId,
      expires_in: String(expiresIn),
      expires_on: String(token.expiresOn),
      ext_expires_in: String(expiresIn),
      not_before: String(token.notBefore),
      resource,
      token_type: 'Bearer',
    },
  };
}
