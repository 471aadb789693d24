// An online endpoint YAML (`az ml online-endpoint create -f endpoint.yml`) → the OnlineEndpoint
// request body azure-ai-ml sends (OnlineEndpoint._to_rest_online_endpoint, api-version 2023-04-01),
// and the merge `az ml online-endpoint update` does for an endpoint that exists.
import { computeArmId, type WorkspaceScope } from '../jobSpec/references';
import { checkFields, oneOf } from '../jobSpec/schema';
import { JobSpecError, type YNode } from '../jobSpec/yamlSource';
import { checkResourceName, fieldOrigins, optional, stringMap, translateEndpointIdentity, type EndpointIdentity } from './common';
import { DEPLOY_FIELDS, ENDPOINT_MUTABLE_FIELDS } from './schema';
import type { OnlineEndpointResource } from '../workspace/onlineEndpoints';

export type OnlineKind = 'managed' | 'kubernetes';

/** auth_mode values per endpoint kind; Kubernetes online endpoints have no Microsoft Entra (aad_token) auth. */
export const AUTH_MODES: Record<OnlineKind, readonly string[]> = {
  managed: ['key', 'aml_token', 'aad_token'],
  kubernetes: ['key', 'aml_token'],
};
const REST_AUTH_MODE: Record<string, string> = { key: 'Key', aml_token: 'AMLToken', aad_token: 'AADToken' };

const NETWORK_ACCESS = ['enabled', 'disabled'] as const;
/** The service allows one mirrored deployment, with at most this share of the traffic. */
export const MIRROR_MAX = 50;

export interface OnlineEndpointBody {
  identity: EndpointIdentity;
  tags: Record<string, string>;
  properties: {
    description?: string;
    authMode: string;
    properties: Record<string, string>;
    traffic: Record<string, number>;
    mirrorTraffic: Record<string, number>;
    publicNetworkAccess?: string;
    compute?: string;
  };
}

export interface EndpointTranslation {
  resource: 'onlineEndpoint';
  kind: OnlineKind;
  name: string;
  /** The body without `location`; finalizeEndpoint() adds the workspace's. */
  body: OnlineEndpointBody;
  /** Top-level fields the file gave → file:line:column (after overrides: their label). */
  fields: Record<string, string>;
  warnings: string[];
}

/** Which schema the file follows: `compute:` makes it a Kubernetes endpoint, as OnlineEndpoint._load decides. */
export function onlineEndpointKind(root: YNode): OnlineKind {
  return root.has('compute') ? 'kubernetes' : 'managed';
}

export function translateOnlineEndpoint(root: YNode, scope: WorkspaceScope): EndpointTranslation {
  const kind = onlineEndpointKind(root);
  const what = `${kind} online endpoint`;
  checkFields(root, kind === 'kubernetes' ? DEPLOY_FIELDS.kubernetesOnlineEndpoint : DEPLOY_FIELDS.managedOnlineEndpoint, what);
  // Endpoint.__init__: "MFE is case-insensitive for Name. So convert the name into lower case here."
  const name = checkResourceName(root.require('name', what), 'endpoint').toLowerCase();
  const warnings: string[] = [];

  const authNode = optional(root, 'auth_mode');
  let authMode = 'key';
  if (authNode) {
    authMode = oneOf(authNode, ['key', 'aml_token', 'aad_token'], 'auth_mode');
    if (!AUTH_MODES[kind].includes(authMode)) {
      authNode.fail(`auth_mode '${authMode}' is not available for ${kind} online endpoints; allowed: ${AUTH_MODES[kind].join(', ')}`);
    }
  }

  const properties: OnlineEndpointBody['properties'] = {
    authMode: REST_AUTH_MODE[authMode],
    properties: stringMap(optional(root, 'properties'), 'properties'),
    traffic: translateTraffic(optional(root, 'traffic'), 'traffic', 100),
    mirrorTraffic: {},
  };
  const description = optional(root, 'description');
  if (description) properties.description = description.str('description');
  const mirror = optional(root, 'mirror_traffic');
  if (mirror) {
    if (kind === 'kubernetes') mirror.fail('mirror_traffic is only available for managed online endpoints, not Kubernetes ones');
    properties.mirrorTraffic = translateTraffic(mirror, 'mirror_traffic', MIRROR_MAX);
    const mirrored = Object.keys(properties.mirrorTraffic);
    if (mirrored.length > 1) mirror.fail(`mirror_traffic may name one deployment, not ${mirrored.length} (${mirrored.join(', ')})`);
    const both = mirrored.filter((d) => properties.traffic[d]);
    if (both.length) mirror.fail(`deployment '${both[0]}' cannot receive both live traffic and mirror traffic`);
  }
  const access = optional(root, 'public_network_access');
  if (access) properties.publicNetworkAccess = oneOf(access, NETWORK_ACCESS, 'public_network_access');
  const compute = optional(root, 'compute');
  if (compute) properties.compute = computeArmId(compute, scope);

  return {
    resource: 'onlineEndpoint',
    kind,
    name,
    body: {
      identity: translateEndpointIdentity(optional(root, 'identity')),
      tags: stringMap(optional(root, 'tags'), 'tags'),
      properties,
    },
    fields: fieldOrigins(root),
    warnings,
  };
}

/**
 * traffic / mirror_traffic: deployment name → whole percent. The schema refuses sums above 100;
 * zero entries are dropped before sending (_strip_zeroes_from_traffic).
 */
function translateTraffic(node: YNode | undefined, what: string, max: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (!node) return out;
  let sum = 0;
  for (const [deployment, value] of node.entries(what)) {
    const percent = value.int(`${what}.${deployment}`);
    if (percent < 0 || percent > max) value.fail(`${what}.${deployment} must be between 0 and ${max}, not ${percent}`);
    sum += percent;
    if (percent) out[deployment] = percent;
  }
  if (sum > max) node.fail(`${what} percentages must sum to at most ${max}, not ${sum}`);
  return out;
}

export function finalizeEndpoint(t: EndpointTranslation, location: string): OnlineEndpointBody & { location: string } {
  return { location, ...t.body };
}

/** What the service returned for an existing endpoint (a merge reads these fields). */
export type ExistingOnlineEndpoint = Pick<OnlineEndpointResource, "location" | "identity" | "tags" | "properties">;

export interface EndpointUpdateOptions {
  /** Apply the file's traffic and mirror_traffic too (default: keep the endpoint's, as traffic moves only on purpose). */
  applyTraffic?: boolean;
}

/**
 * The PUT body for an endpoint that exists, as `az ml online-endpoint update -f` merges it
 * (Endpoint._merge_with): description and auth_mode from the file when it gives them, tags and
 * properties merged key by key (the file wins), traffic and mirror_traffic only with applyTraffic
 * (the CLI would replace them, even with nothing). Fields the update does not carry over (identity,
 * public_network_access) keep the endpoint's values with a warning when the file differs; a
 * different kind or compute is refused at the file's compute position.
 */
export function mergeEndpointUpdate(
  existing: ExistingOnlineEndpoint,
  t: EndpointTranslation,
  options: EndpointUpdateOptions = {},
): { body: OnlineEndpointBody & { location: string }; changed: string[]; warnings: string[] } {
  const existingKind: OnlineKind = existing.properties.compute ? 'kubernetes' : 'managed';
  const at = (field: string) => t.fields[field] ?? t.fields.name ?? '';
  if (existingKind !== t.kind) {
    throw new JobSpecError(
      `endpoint '${t.name}' exists as a ${existingKind} online endpoint; a ${t.kind} endpoint file cannot update it (the kind is fixed at creation)`,
      at('compute'),
    );
  }
  if (t.kind === 'kubernetes' && existing.properties.compute?.toLowerCase() !== t.body.properties.compute?.toLowerCase()) {
    throw new JobSpecError(`endpoint '${t.name}' runs on compute ${existing.properties.compute}; compute cannot change after creation`, at('compute'));
  }
  const given = (field: string) => field in t.fields;
  const warnings: string[] = [];
  const p = t.body.properties;
  const e = existing.properties;
  const properties: OnlineEndpointBody['properties'] = {
    authMode: given('auth_mode') ? p.authMode : (e.authMode ?? p.authMode),
    properties: { ...(e.properties ?? {}), ...p.properties },
    traffic: e.traffic ?? {},
    mirrorTraffic: e.mirrorTraffic ?? {},
  };
  const description = given('description') ? p.description : e.description;
  if (description !== undefined) properties.description = description;
  if (e.publicNetworkAccess !== undefined) properties.publicNetworkAccess = e.publicNetworkAccess;
  if (e.compute) properties.compute = e.compute;
  for (const [field, wanted] of [['traffic', p.traffic], ['mirror_traffic', p.mirrorTraffic]] as const) {
    if (!given(field)) continue;
    const key = field === 'traffic' ? 'traffic' : 'mirrorTraffic';
    if (options.applyTraffic) properties[key] = wanted;
    else if (!sameMap(wanted, properties[key])) warnings.push(`${at(field)}: ${field} in the endpoint file was not applied; the endpoint keeps ${JSON.stringify(properties[key])}`);
  }
  const identity = sanitizeIdentity(existing.identity) ?? t.body.identity;
  const kept: Array<[string, unknown, unknown]> = [
    ['identity', identity, t.body.identity],
    ['public_network_access', e.publicNetworkAccess, p.publicNetworkAccess],
  ];
  for (const [field, current, wanted] of kept) {
    if (given(field) && JSON.stringify(current).toLowerCase() !== JSON.stringify(wanted).toLowerCase()) {
      warnings.push(`${at(field)}: ${field} of an existing endpoint is not changed by an update; it stays ${JSON.stringify(current)}`);
    }
  }
  const tags = { ...(existing.tags ?? {}), ...t.body.tags };
  const changed = ENDPOINT_MUTABLE_FIELDS.filter((f) => given(f) && (options.applyTraffic || (f !== 'traffic' && f !== 'mirror_traffic')));
  return { body: { location: existing.location, identity, tags, properties }, changed, warnings };
}

function sanitizeIdentity(identity: ExistingOnlineEndpoint['identity']): EndpointIdentity | undefined {
  if (!identity?.type) return undefined;
  const out: EndpointIdentity = { type: identity.type };
  // principalId, tenantId and each identity's clientId/principalId are read-only.
  if (identity.userAssignedIdentities) out.userAssignedIdentities = Object.fromEntries(Object.keys(identity.userAssignedIdentities).map((id) => [id, {}]));
  return out;
}

function sameMap(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}
