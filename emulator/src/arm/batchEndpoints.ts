// Batch endpoints: creation, updates and deletion as Azure-AsyncOperation operations like online
// endpoints, Entra-only authentication (AADToken), the default deployment (properties.defaults) and
// the scoring URI https://<endpoint>.<region>.inference.ml.azure.com/jobs that invocations POST to.
import type { HostResponse, ServiceContext } from '../contract';
import { userError } from './errors';
import { checkEndpointNameFree } from './endpoints';
import { beginDelete, beginPatch, operationHeaders, registerEffect, setProvisioningState, startOperation } from './lro';
import { checkEndpointName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, jsonResponse, listChildren, listResponse, managedIdentity, putResource, systemDataFor, WS, workspaceOf } from './resources';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';

export const BATCH_ENDPOINT = `${WS}/batchEndpoints/{endpointName}`;
const TYPE = 'workspaces/batchEndpoints';

export function batchEndpointId(call: ArmCall): string {
  return `${workspaceOf(call).id}/batchEndpoints/${call.params.endpointName}`;
}

export function batchDeploymentsOf(ctx: ServiceContext, endpoint: ArmResource): ArmResource[] {
  return listChildren(ctx, 'batchDeployments', endpoint.id, 'deployments');
}

/** The batch endpoint whose scoring URI is `url` (host and /jobs path), unless it is being deleted. */
export function batchEndpointAt(ctx: ServiceContext, url: URL): ArmResource | undefined {
  const host = url.hostname.toLowerCase();
  const requested = url.pathname.replace(/\/+$/, '').toLowerCase();
  return ctx.store
    .list<ArmResource>('arm.batchEndpoints')
    .map(({ value }) => value)
    .find((endpoint) => {
      const scoring = new URL(endpoint.properties.scoringUri);
      return scoring.hostname.toLowerCase() === host && scoring.pathname.toLowerCase() === requested && endpoint.properties.provisioningState !== 'Deleting';
    });
}

/** The deployment an invocation runs: the one named, else the endpoint's default. */
export function defaultDeploymentName(endpoint: ArmResource): string | undefined {
  const name: unknown = endpoint.properties.defaults?.deploymentName;
  return typeof name === 'string' && name ? name : undefined;
}

function checkDefaults(ctx: ServiceContext, endpoint: ArmResource): void {
  const name = defaultDeploymentName(endpoint);
  if (name === undefined) return;
  if (!batchDeploymentsOf(ctx, endpoint).some((d) => d.name.toLowerCase() === name.toLowerCase())) {
    throw userError(`Deployment '${name}' named in defaults.deploymentName does not exist in batch endpoint '${endpoint.name}'. Create the deployment first, then make it the default.`, 'properties.defaults.deploymentName');
  }
}

function createOrUpdate(call: ArmCall): HostResponse {
  const { ctx } = call;
  const body = jsonBody(call) as Properties;
  validateBody(body, 'BatchEndpoint');
  checkEndpointName(call.params.endpointName);
  const id = batchEndpointId(call);
  const previous = getResource(ctx, 'batchEndpoints', id);
  const requested = body.properties as Properties;
  if (String(requested.authMode).toLowerCase() !== 'aadtoken') {
    throw userError(`Batch endpoints support only authMode 'AADToken' (got '${requested.authMode}'): they are invoked with a Microsoft Entra token.`, 'properties.authMode');
  }
  const location: string = previous?.location ?? body.location;
  if (!previous) checkEndpointNameFree(ctx, call.params.endpointName, location);
  const name = previous?.name ?? call.params.endpointName;
  const base = `https://${name}.${location.toLowerCase()}.inference.ml.azure.com`;
  const endpoint: ArmResource = {
    id: previous?.id ?? id,
    name,
    type: `${ML_NAMESPACE}/${TYPE}`,
    location,
    kind: body.kind ?? previous?.kind ?? null,
    tags: body.tags ?? previous?.tags ?? {},
    identity: managedIdentity(ctx, body.identity ?? previous?.identity ?? { type: 'SystemAssigned' }, previous?.identity),
    properties: {
      description: null,
      properties: {},
      ...previous?.properties,
      ...requested,
      authMode: 'AADToken',
      defaults: requested.defaults ?? previous?.properties.defaults ?? { deploymentName: null },
      scoringUri: `${base}/jobs`,
      swaggerUri: null,
      provisioningState: previous ? 'Updating' : 'Creating',
    },
    systemData: systemDataFor(ctx, call.principal, previous?.systemData),
  };
  checkDefaults(ctx, endpoint);
  putResource(ctx, 'batchEndpoints', endpoint);
  const op = startOperation(call, { effect: 'batchEndpointProvisioned', resourceId: endpoint.id, resourceCollection: 'batchEndpoints' });
  return jsonResponse(endpoint, previous ? 200 : 201, operationHeaders(call, op, false));
}

/** PATCH: tags and identity (PartialMinimalTrackedResourceWithIdentity). */
function update(call: ArmCall): HostResponse {
  const body = jsonBody(call) as Properties;
  validateBody(body, 'PartialMinimalTrackedResourceWithIdentity');
  const endpoint = findResource(call.ctx, 'batchEndpoints', batchEndpointId(call));
  return beginPatch(call, 'batchEndpoints', endpoint, { tags: body.tags ?? endpoint.tags, identity: managedIdentity(call.ctx, body.identity, endpoint.identity) }, 'batchEndpointProvisioned');
}

/** DELETE: the endpoint goes with its deployments (the jobs it ran stay in the workspace). */
function remove(call: ArmCall): HostResponse {
  const endpoint = getResource(call.ctx, 'batchEndpoints', batchEndpointId(call));
  if (!endpoint) return { status: 204 };
  return beginDelete(call, 'batchEndpoints', endpoint, 'batchEndpointDeleted');
}

registerEffect('batchEndpointProvisioned', { complete: (ctx, op, outcome) => setProvisioningState(ctx, 'batchEndpoints', op.resourceId, outcome) });

registerEffect('batchEndpointDeleted', {
  complete: (ctx, op, outcome) => {
    if (outcome === 'Failed') return setProvisioningState(ctx, 'batchEndpoints', op.resourceId, 'Failed');
    const endpoint = getResource(ctx, 'batchEndpoints', op.resourceId);
    if (endpoint) for (const deployment of batchDeploymentsOf(ctx, endpoint)) deleteResource(ctx, 'batchDeployments', deployment.id);
    deleteResource(ctx, 'batchEndpoints', op.resourceId);
  },
});

export const batchEndpointRoutes: Route[] = [
  { method: 'GET', pattern: `${WS}/batchEndpoints`, provider: 'ml', resourceType: TYPE, handle: (call) => listResponse(listChildren(call.ctx, 'batchEndpoints', workspaceOf(call).id, 'batchEndpoints')) },
  { method: 'GET', pattern: BATCH_ENDPOINT, provider: 'ml', resourceType: TYPE, handle: (call) => jsonResponse(findResource(call.ctx, 'batchEndpoints', batchEndpointId(call))) },
  { method: 'PUT', pattern: BATCH_ENDPOINT, provider: 'ml', resourceType: TYPE, handle: createOrUpdate },
  { method: 'PATCH', pattern: BATCH_ENDPOINT, provider: 'ml', resourceType: TYPE, handle: update },
  { method: 'DELETE', pattern: BATCH_ENDPOINT, provider: 'ml', resourceType: TYPE, handle: remove },
  {
    // In the REST API, but a batch endpoint (AADToken only) has no keys.
    method: 'POST',
    pattern: `${BATCH_ENDPOINT}/listKeys`,
    provider: 'ml',
    resourceType: TYPE,
    handle: (call) => {
      const endpoint = findResource(call.ctx, 'batchEndpoints', batchEndpointId(call));
      throw userError(`Batch endpoint '${endpoint.name}' uses authMode 'AADToken'; it has no keys. Invoke it with a Microsoft Entra token for https://ml.azure.com.`);
    },
  },
];
