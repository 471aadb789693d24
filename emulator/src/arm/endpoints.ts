// Online endpoints: creation and updates as Azure-AsyncOperation operations, traffic and
// mirrorTraffic rules, keys and tokens.
import { createHash, randomBytes } from 'node:crypto';
import type { HostResponse, ServiceContext } from '../contract';
import { forApiVersion, knowsMirrorTraffic } from './apiVersions';
import { ArmError, userError } from './errors';
import { accepted, beginDelete, beginPatch, operationHeaders, registerEffect, setProvisioningState, startOperation } from './lro';
import { checkEndpointName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, jsonResponse, listChildren, listResponse, managedIdentity, putResource, systemDataFor, WS, workspaceOf } from './resources';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';

export const ENDPOINT = `${WS}/onlineEndpoints/{endpointName}`;
/** An endpoint's primary and secondary keys, keyed by lower-cased endpoint id. */
export const ENDPOINT_KEYS = 'arm.endpointKeys';
/** Issued aml_tokens by their SHA-256 (hex): the endpoint and expiry (seconds) each one is good for. */
export const ENDPOINT_TOKENS = 'arm.endpointTokens';
const KEYS = ENDPOINT_KEYS;
const TOKEN_LIFETIME_SECONDS = 3600;

export interface EndpointToken {
  endpointId: string;
  expiryTimeUtc: number;
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
const MAX_MIRROR_PERCENT = 50;

export function endpointId(call: ArmCall): string {
  return `${workspaceOf(call).id}/onlineEndpoints/${call.params.endpointName}`;
}

export function isKubernetesEndpoint(endpoint: ArmResource): boolean {
  return Boolean(endpoint.properties.compute);
}

export function deploymentsOf(ctx: ServiceContext, endpoint: ArmResource): ArmResource[] {
  return listChildren(ctx, 'deployments', endpoint.id, 'deployments');
}

/** Traffic must name existing deployments with whole percentages summing to 0 or 100; mirrorTraffic at most 50 on one deployment. */
function checkTraffic(ctx: ServiceContext, endpoint: ArmResource, properties: Properties): void {
  const existing = deploymentsOf(ctx, endpoint);
  const deployments = existing.map((d) => d.name.toLowerCase());
  // A deployment still in its first provisioning is not yet in the endpoint's routing: Azure ML answers a
  // traffic update naming it "Deployment <name> not found in endpoint <endpoint>" until it has succeeded.
  const creating = new Set(existing.filter((d) => String((d.properties as Properties).provisioningState) === 'Creating').map((d) => d.name.toLowerCase()));
  const unknown = (map: Record<string, number>, field: string) => {
    for (const [name, weight] of Object.entries(map)) {
      if (!deployments.includes(name.toLowerCase())) {
        throw userError(`Deployment '${name}' named in ${field} does not exist in endpoint '${endpoint.name}'. Create the deployment first, then route traffic to it.`, `properties.${field}`);
      }
      if (weight > 0 && creating.has(name.toLowerCase())) {
        throw userError(`Deployment ${name} not found in endpoint ${endpoint.name}: it is still being created. Route traffic to it once its provisioning has succeeded.`, `properties.${field}`);
      }
    }
  };
  const traffic: Record<string, number> = properties.traffic ?? {};
  for (const [name, value] of Object.entries(traffic)) {
    if (!Number.isInteger(value) || value < 0 || value > 100) throw userError(`Traffic for deployment '${name}' must be a whole number between 0 and 100 (got ${value}).`, 'properties.traffic');
  }
  unknown(traffic, 'traffic');
  const sum = Object.values(traffic).reduce((a, b) => a + b, 0);
  if (sum !== 0 && sum !== 100) throw userError(`The traffic of endpoint '${endpoint.name}' sums to ${sum}; it must sum to 0 or 100.`, 'properties.traffic');
  const mirror: Record<string, number> | undefined = properties.mirrorTraffic;
  if (mirror === undefined || mirror === null || Object.keys(mirror).length === 0) return;
  if (isKubernetesEndpoint(endpoint)) throw userError('Mirror traffic is not supported for Kubernetes online endpoints.', 'properties.mirrorTraffic');
  if (Object.keys(mirror).length > 1) throw userError('Mirror traffic can be sent to one deployment only.', 'properties.mirrorTraffic');
  unknown(mirror, 'mirrorTraffic');
  for (const [name, value] of Object.entries(mirror)) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_MIRROR_PERCENT) throw userError(`Mirror traffic for deployment '${name}' must be a whole number between 0 and ${MAX_MIRROR_PERCENT} (got ${value}).`, 'properties.mirrorTraffic');
    const live = Object.entries(traffic).find(([d]) => d.toLowerCase() === name.toLowerCase())?.[1] ?? 0;
    if (value > 0 && live > 0) throw userError(`Deployment '${name}' receives live traffic (${live}%) and cannot also receive mirrored traffic.`, 'properties.mirrorTraffic');
  }
}

/**
 * Online and batch endpoints share the region's scoring DNS (<endpoint>.<region>.inference.ml.azure.com):
 * a new endpoint's name must not be taken by either kind in that region.
 */
export function checkEndpointNameFree(ctx: ServiceContext, name: string, location: string): void {
  for (const [collection, kind] of [['arm.endpoints', 'An online'], ['arm.batchEndpoints', 'A batch']] as const) {
    const taken = ctx.store.list<ArmResource>(collection).some(({ value }) => value.name.toLowerCase() === name.toLowerCase() && (value.location ?? '').toLowerCase() === location.toLowerCase());
    if (taken) throw new ArmError(409, 'UserError', `${kind} endpoint named '${name}' already exists in region '${location}'. Endpoint names must be unique within a region; choose another name.`);
  }
}

function newKey(): string {
  return randomBytes(24).toString('base64');
}

/**
 * Managed endpoints: https://<endpoint>.<region>.inference.ml.azure.com. Kubernetes endpoints are
 * served by the cluster's inference router at /api/v1/endpoint/<endpoint>; the emulated AKS clusters'
 * extension has TLS with the cluster's public DNS name, <cluster>.<region>.cloudapp.azure.com.
 */
function scoringUris(ctx: ServiceContext, name: string, location: string, computeId: string | undefined) {
  let base = `https://${name}.${location}.inference.ml.azure.com`;
  if (computeId) {
    const compute = getResource(ctx, 'computes', computeId);
    const cluster = String(compute?.properties.resourceId ?? computeId).split('/').pop()!.toLowerCase();
    base = `https://${cluster}.${location}.cloudapp.azure.com/api/v1/endpoint/${name}`;
  }
  return { scoringUri: `${base}/score`, swaggerUri: `${base}/swagger.json` };
}

function createOrUpdate(call: ArmCall): HostResponse {
  const { ctx } = call;
  const body = jsonBody(call) as Properties;
  validateBody(body, 'OnlineEndpoint');
  checkEndpointName(call.params.endpointName);
  const id = endpointId(call);
  const previous = getResource(ctx, 'endpoints', id);
  // A version without mirrorTraffic neither sets nor clears it (ARM ignores unknown properties).
  const { mirrorTraffic: requestedMirror, ...requested } = body.properties as Properties;
  const mirrorTraffic = knowsMirrorTraffic(call.apiVersion) && requestedMirror !== undefined ? requestedMirror : previous?.properties.mirrorTraffic;
  const location: string = body.location;
  if (!previous) {
    checkEndpointNameFree(ctx, call.params.endpointName, location);
  }
  if (previous && (previous.properties.compute ?? null) !== (requested.compute ?? previous.properties.compute ?? null)) {
    throw userError(`The compute of endpoint '${previous.name}' cannot change.`, 'properties.compute');
  }
  const isKubernetes = Boolean(requested.compute ?? previous?.properties.compute);
  if (isKubernetes && !getResource(ctx, 'computes', requested.compute ?? previous?.properties.compute)) {
    throw userError(`The Kubernetes compute '${requested.compute}' was not found in the workspace. Attach the cluster first, then create the endpoint on it.`, 'properties.compute');
  }
  const endpoint: ArmResource = {
    id: previous?.id ?? id,
    name: previous?.name ?? call.params.endpointName,
    type: `${ML_NAMESPACE}/workspaces/onlineEndpoints`,
    location,
    kind: body.kind ?? previous?.kind ?? (isKubernetes ? 'Kubernetes' : 'Managed'),
    tags: body.tags ?? previous?.tags ?? {},
    identity: managedIdentity(ctx, body.identity ?? previous?.identity ?? { type: 'SystemAssigned' }, previous?.identity),
    ...(body.sku ? { sku: body.sku } : {}),
    properties: {
      description: null,
      properties: {},
      ...previous?.properties,
      ...requested,
      traffic: requested.traffic ?? previous?.properties.traffic ?? {},
      ...(mirrorTraffic !== undefined ? { mirrorTraffic } : {}),
      ...scoringUris(ctx, previous?.name ?? call.params.endpointName, (previous?.location ?? location).toLowerCase(), requested.compute ?? previous?.properties.compute ?? undefined),
      provisioningState: previous ? 'Updating' : 'Creating',
    },
    systemData: systemDataFor(ctx, call.principal, previous?.systemData),
  };
  checkTraffic(ctx, endpoint, endpoint.properties);
  putResource(ctx, 'endpoints', endpoint);
  if (!ctx.store.get(KEYS, endpoint.id.toLowerCase())) ctx.store.put(KEYS, endpoint.id.toLowerCase(), { primaryKey: newKey(), secondaryKey: newKey() });
  const op = startOperation(call, { effect: 'endpointProvisioned', resourceId: endpoint.id, resourceCollection: 'endpoints' });
  return jsonResponse(forApiVersion(endpoint, call.apiVersion), previous ? 200 : 201, operationHeaders(call, op, false));
}

/** PATCH: tags, identity, sku, kind (PartialMinimalTrackedResourceWithIdentity). */
function update(call: ArmCall): HostResponse {
  const body = jsonBody(call) as Properties;
  validateBody(body, 'PartialMinimalTrackedResourceWithIdentity');
  const endpoint = findResource(call.ctx, 'endpoints', endpointId(call));
  return beginPatch(call, 'endpoints', endpoint, { tags: body.tags ?? endpoint.tags, identity: managedIdentity(call.ctx, body.identity, endpoint.identity) }, 'endpointProvisioned');
}

function remove(call: ArmCall): HostResponse {
  const endpoint = getResource(call.ctx, 'endpoints', endpointId(call));
  if (!endpoint) return { status: 204 };
  return beginDelete(call, 'endpoints', endpoint, 'endpointDeleted');
}

registerEffect('endpointProvisioned', { complete: (ctx, op, outcome) => setProvisioningState(ctx, 'endpoints', op.resourceId, outcome) });

registerEffect('endpointDeleted', {
  complete: (ctx, op, outcome) => {
    if (outcome === 'Failed') return setProvisioningState(ctx, 'endpoints', op.resourceId, 'Failed');
    const endpoint = getResource(ctx, 'endpoints', op.resourceId);
    if (endpoint) for (const deployment of deploymentsOf(ctx, endpoint)) deleteResource(ctx, 'deployments', deployment.id);
    deleteResource(ctx, 'endpoints', op.resourceId);
    ctx.store.delete(KEYS, op.resourceId.toLowerCase());
  },
});

registerEffect('endpointKeyRegenerated', {
  complete: (ctx, op, outcome) => {
    const keys = ctx.store.get<{ primaryKey: string; secondaryKey: string }>(KEYS, op.resourceId.toLowerCase());
    if (outcome !== 'Succeeded' || !keys) return;
    const field = op.args?.keyType === 'Secondary' ? 'secondaryKey' : 'primaryKey';
    ctx.store.put(KEYS, op.resourceId.toLowerCase(), { ...keys, [field]: op.args?.keyValue ?? newKey() });
  },
});

function keyAuthEndpoint(call: ArmCall): ArmResource {
  const endpoint = findResource(call.ctx, 'endpoints', endpointId(call));
  if (endpoint.properties.authMode !== 'Key') throw userError(`Endpoint '${endpoint.name}' uses authMode '${endpoint.properties.authMode}'; keys exist only for authMode 'Key'.`);
  return endpoint;
}

function listKeys(call: ArmCall): HostResponse {
  const endpoint = keyAuthEndpoint(call);
  return jsonResponse(call.ctx.store.get(KEYS, endpoint.id.toLowerCase()));
}

function regenerateKeys(call: ArmCall): HostResponse {
  const body = jsonBody(call) as Properties;
  validateBody(body, 'RegenerateEndpointKeysRequest');
  const endpoint = keyAuthEndpoint(call);
  if (!['Primary', 'Secondary'].includes(body.keyType)) throw userError(`Invalid keyType '${body.keyType}': expected Primary or Secondary.`, 'keyType');
  return accepted(call, startOperation(call, { effect: 'endpointKeyRegenerated', resourceId: endpoint.id, resourceCollection: 'endpoints', args: { keyType: body.keyType, keyValue: body.keyValue } }));
}

function getToken(call: ArmCall): HostResponse {
  const endpoint = findResource(call.ctx, 'endpoints', endpointId(call));
  if (endpoint.properties.authMode !== 'AMLToken') throw userError(`Endpoint '${endpoint.name}' uses authMode '${endpoint.properties.authMode}'; tokens exist only for authMode 'AMLToken'.`);
  const now = Math.floor(call.ctx.now() / 1000);
  const accessToken = randomBytes(48).toString('base64url');
  const expiryTimeUtc = now + TOKEN_LIFETIME_SECONDS;
  // Expired tokens are forgotten as new ones are issued.
  for (const { key, value } of call.ctx.store.list<EndpointToken>(ENDPOINT_TOKENS)) if (value.expiryTimeUtc < now) call.ctx.store.delete(ENDPOINT_TOKENS, key);
  call.ctx.store.put<EndpointToken>(ENDPOINT_TOKENS, tokenDigest(accessToken), { endpointId: endpoint.id, expiryTimeUtc });
  return jsonResponse({ accessToken, tokenType: 'Bearer', expiryTimeUtc, refreshAfterTimeUtc: now + TOKEN_LIFETIME_SECONDS / 2 });
}

export const endpointRoutes: Route[] = [
  { method: 'GET', pattern: `${WS}/onlineEndpoints`, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: (call) => listResponse(listChildren(call.ctx, 'endpoints', workspaceOf(call).id, 'onlineEndpoints').map((e) => forApiVersion(e, call.apiVersion))) },
  { method: 'GET', pattern: ENDPOINT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: (call) => jsonResponse(forApiVersion(findResource(call.ctx, 'endpoints', endpointId(call)), call.apiVersion)) },
  { method: 'PUT', pattern: ENDPOINT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: createOrUpdate },
  { method: 'PATCH', pattern: ENDPOINT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: update },
  { method: 'DELETE', pattern: ENDPOINT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: remove },
  { method: 'POST', pattern: `${ENDPOINT}/listKeys`, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: listKeys },
  { method: 'POST', pattern: `${ENDPOINT}/regenerateKeys`, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: regenerateKeys },
  { method: 'POST', pattern: `${ENDPOINT}/token`, provider: 'ml', resourceType: 'workspaces/onlineEndpoints', handle: getToken },
];
