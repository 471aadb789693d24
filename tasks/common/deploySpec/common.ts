// Pieces every endpoint and deployment kind shares (online now, batch later): names, string maps,
// durations and the record of which top-level fields a file gave.
import { isMap, isScalar } from 'yaml';
import { pythonStr } from '../jobSpec/pythonText';
import { checkFields, oneOf } from '../jobSpec/schema';
import type { YNode } from '../jobSpec/yamlSource';
import { DEPLOY_FIELDS } from './schema';

/** EndpointConfigurations in azure.ai.ml.constants._endpoint; validate_endpoint_or_deployment_name. */
const NAME_PATTERN = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const NAME_MIN = 3;
const NAME_MAX = 32;

export type NamedResource = 'endpoint' | 'deployment';

/** The name rule azure-ai-ml checks before sending an endpoint or deployment. */
export function checkResourceName(node: YNode, resource: NamedResource, what = `${resource} name`): string {
  const name = node.str(what);
  const article = resource === 'endpoint' ? 'an endpoint' : 'a deployment';
  if (name.length < NAME_MIN || name.length > NAME_MAX) {
    node.fail(`${what} '${name}' is invalid: the name for ${article} must be at least ${NAME_MIN} and at most ${NAME_MAX} characters long`);
  }
  if (!NAME_PATTERN.test(name)) {
    node.fail(`${what} '${name}' is invalid: the name for ${article} must start with a letter and only consist of '-'s and letters and digits, not ending with '-'`);
  }
  return name;
}

/**
 * tags, properties and environment_variables: marshmallow's Dict keeps any scalar and msrest sends
 * str() of it, so `workers: 2` goes as "2" and `debug: true` as "True".
 */
export function stringMap(node: YNode | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!node) return out;
  for (const [key, value] of node.entries(what)) {
    if (value.kind === 'mapping' || value.kind === 'sequence') value.fail(`${what}.${key} must be a string, not ${value.kind}`);
    out[key] = pythonStr(value);
  }
  return out;
}

/** An optional child: the node when present and not null. */
export function optional(map: YNode, key: string): YNode | undefined {
  return map.has(key) ? map.get(key) : undefined;
}

/** file:line:column of each top-level field the file gave, so later checks can point at it. */
export function fieldOrigins(root: YNode): Record<string, string> {
  return Object.fromEntries(root.entries('file').map(([key, value]) => [key, value.where]));
}

/** A whole number at least `min`. */
export function intAtLeast(node: YNode, what: string, min: number): number {
  const n = node.int(what);
  if (n < min) node.fail(`${what} must be at least ${min}, not ${n}`);
  return n;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/;
/** Free text where braces may be meant: a placeholder there is sent as written, with a warning. */
const FREE_TEXT = new Set(['tags', 'properties', 'environment_variables', 'description', 'flavors']);

/**
 * Sample files often hold template placeholders such as `endpoint_name: {{ENDPOINT_NAME}}` (which
 * YAML reads as a mapping) or `model: azureml:m:{{VERSION}}`. Left unfilled they would fail with a
 * puzzling type error, or worse reach the service as a name; refuse them there, naming the field.
 * In free text (tags, properties, environment variables, descriptions) they are only warned about.
 */
export function checkTemplatePlaceholders(node: YNode, warnings: string[]): void {
  const placeholder = placeholderIn(node);
  const field = node.path || 'the file';
  const hint = `replace it in the file or set it with an override (${node.path || 'field'}=...)`;
  if (placeholder && node.kind === 'string' && node.path.split('.').some((part) => FREE_TEXT.has(part))) {
    warnings.push(`${node.where}: ${field} holds the template placeholder {{${placeholder}}}, sent as written; ${hint}`);
  } else if (placeholder) {
    node.fail(`${field} holds the template placeholder {{${placeholder}}}; ${hint}`);
  }
  if (node.kind === 'mapping') for (const [, value] of node.entries(node.path)) checkTemplatePlaceholders(value, warnings);
  else if (node.kind === 'sequence') for (const item of node.items(node.path)) checkTemplatePlaceholders(item, warnings);
}

function placeholderIn(node: YNode): string | undefined {
  if (node.kind === 'string') return PLACEHOLDER.exec(node.str(node.path))?.[1];
  // {{NAME}} is a flow mapping whose one key is a flow mapping {NAME: null}.
  const outer = node.node;
  if (!isMap(outer) || !outer.flow || outer.items.length !== 1) return undefined;
  const inner = outer.items[0].key;
  if (!isMap(inner) || !inner.flow || inner.items.length !== 1 || outer.items[0].value !== null) return undefined;
  const { key, value } = inner.items[0];
  return isScalar(key) && (value === null || (isScalar(value) && value.value === null)) ? String(key.value) : undefined;
}

/** ManagedServiceIdentity as endpoints (online and batch) send it. */
export interface EndpointIdentity {
  type: string;
  userAssignedIdentities?: Record<string, Record<string, never>>;
}

// IdentitySchema: system-and-user-assigned is not offered yet ("for post PuPr").
const IDENTITY_TYPES = ['system_assigned', 'user_assigned', 'none'] as const;

/** IdentityConfiguration._to_online_endpoint_rest_object; no identity means a system-assigned one. */
export function translateEndpointIdentity(node: YNode | undefined): EndpointIdentity {
  if (!node) return { type: 'SystemAssigned' };
  checkFields(node, DEPLOY_FIELDS.identity, 'identity');
  // validate_identity_type_defined
  const type = oneOf(node.require('type', 'identity'), IDENTITY_TYPES, 'identity type');
  // snake_to_pascal: system_assigned → SystemAssigned
  const rest: EndpointIdentity = { type: type.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('') };
  const users = optional(node, 'user_assigned_identities');
  if (users) {
    if (type !== 'user_assigned') users.fail(`user_assigned_identities needs identity type user_assigned, not ${type}`);
    const items = users.items('identity.user_assigned_identities');
    if (items.length > 1) users.fail(`only 1 user-assigned identity is currently supported, ${items.length} found`);
    rest.userAssignedIdentities = {};
    for (const item of items) {
      // Each item is a string map; only resource_id reaches the endpoint body.
      const id = optional(item, 'resource_id');
      if (!id) return item.fail("a user-assigned identity needs resource_id (the identity's ARM id)");
      rest.userAssignedIdentities[id.str('resource_id')] = {};
    }
  } else if (type === 'user_assigned') {
    node.fail('identity type user_assigned needs user_assigned_identities (a list with one {resource_id: ...})');
  }
  return rest;
}
