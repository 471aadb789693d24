// Pieces every endpoint and deployment kind shares (online now, batch later): names, string maps,
// durations and the record of which top-level fields a file gave.
import { isMap, isScalar } from 'yaml';
import { pythonStr } from '../jobSpec/pythonText';
import type { YNode } from '../jobSpec/yamlSource';

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

/**
 * Sample files often hold template placeholders such as `endpoint_name: {{ENDPOINT_NAME}}` (which
 * YAML reads as a mapping) or `model: azureml:m:{{VERSION}}`. Left unfilled they would fail with a
 * puzzling type error, or worse reach the service; name them instead.
 */
export function refuseTemplatePlaceholders(node: YNode): void {
  const placeholder = placeholderIn(node);
  if (placeholder) {
    const field = node.path || 'the file';
    node.fail(`${field} holds the template placeholder {{${placeholder}}}; replace it in the file or set it with an override (${node.path || 'field'}=...)`);
  }
  if (node.kind === 'mapping') for (const [, value] of node.entries(node.path)) refuseTemplatePlaceholders(value);
  else if (node.kind === 'sequence') for (const item of node.items(node.path)) refuseTemplatePlaceholders(item);
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
