// The Authorization header the server adds for a server task's EndpointId: for an AzureRM
// connection, an Entra ID token for Azure Resource Manager acquired with the connection's service
// principal (client credentials, Entra ID v2 endpoint, scope <resourceManagerUrl>/.default).
import { UserError } from '../errors';
import type { AzureTarget, ServiceEndpoint } from '../serviceConnection';
import { sendRequest } from './http';

export async function endpointAccessToken(endpoint: ServiceEndpoint, target: AzureTarget, signal?: AbortSignal): Promise<string> {
  const p = endpoint.parameters;
  if (endpoint.scheme !== 'ServicePrincipal' || p.authenticationType !== 'spnKey') {
    throw new UserError(`service connection '${endpoint.name}': the local runner's server tasks authenticate with a service principal secret only (--auth secret), not ${endpoint.scheme}${p.authenticationType ? `/${p.authenticationType}` : ''}`);
  }
  const authority = (endpoint.data.activeDirectoryAuthority ?? 'https://login.microsoftonline.com/').replace(/\/?$/, '/');
  const scope = `${(endpoint.data.resourceManagerUrl ?? endpoint.url).replace(/\/?$/, '/')}.default`;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: p.serviceprincipalid, client_secret: p.serviceprincipalkey, scope });
  const answer = await sendRequest({ method: 'POST', url: `${authority}${p.tenantid}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, target, signal);
  let parsed: { access_token?: string; error_description?: string; error?: string };
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    parsed = {};
  }
  if (answer.status !== 200 || !parsed.access_token) {
    throw new UserError(`service connection '${endpoint.name}': no token from Entra ID (HTTP ${answer.status}): ${parsed.error_description ?? parsed.error ?? answer.body.slice(0, 200)}`);
  }
  return parsed.access_token;
}
