// A batch endpoint YAML (`az ml batch-endpoint create -f endpoint.yml`) → the BatchEndpoint request
// body azure-ai-ml sends (BatchEndpoint._to_rest_batch_endpoint, api-version 2023-04-01), and the
// merge an update of an existing endpoint gets.
import { checkFields, oneOf } from '../jobSpec/schema';
import type { YNode } from '../jobSpec/yamlSource';
import { checkResourceName, fieldOrigins, optional, stringMap } from './common';
import { BATCH_ENDPOINT_MUTABLE_FIELDS, DEPLOY_FIELDS } from './schema';

export interface BatchEndpointBody {
  tags: Record<string, string>;
  properties: {
    description?: string;
    authMode: string;
    properties: Record<string, string>;
    defaults?: { deploymentName: string };
  };
}

export interface BatchEndpointTranslation {
  resource: 'batchEndpoint';
  name: string;
  /** The body without `location`; finalizeBatchEndpoint() adds the workspace's. */
  body: BatchEndpointBody;
  /** Top-level fields the file gave → file:line:column (after overrides: their label). */
  fields: Record<string, string>;
  warnings: string[];
}

/** What the service returned for an existing batch endpoint (a merge reads these fields). */
export interface ExistingBatchEndpoint {
  location: string;
  tags?: Record<string, string>;
  properties: { description?: string; authMode?: string; properties?: Record<string, string>; defaults?: { deploymentName?: string } | null };
}

export function translateBatchEndpoint(root: YNode): BatchEndpointTranslation {
  checkFields(root, DEPLOY_FIELDS.batchEndpoint, 'batch endpoint');
  // Endpoint.__init__ lowercases the name (the service is case-insensitive).
  const name = checkResourceName(root.require('name', 'batch endpoint'), 'endpoint').toLowerCase();
  const warnings: string[] = [];
  const authNode = optional(root, 'auth_mode');
  if (authNode) {
    // EndpointSchema offers key and aml_token too, but batch endpoints only take Microsoft Entra tokens.
    const mode = oneOf(authNode, ['key', 'aml_token', 'aad_token'], 'auth_mode');
    if (mode !== 'aad_token') authNode.fail(`batch endpoints only support auth_mode aad_token (Microsoft Entra tokens), not ${mode}`);
  }
  const identity = optional(root, 'identity');
  if (identity) warnings.push(`${identity.where}: identity is not sent for batch endpoints (az ml ignores it too); jobs run with the deployment compute's identity`);
  const properties: BatchEndpointBody['properties'] = {
    // BatchEndpoint's auth_mode defaults to aad_token; sent as the REST enum value.
    authMode: 'AADToken',
    properties: stringMap(optional(root, 'properties'), 'properties'),
  };
  const description = optional(root, 'description');
  if (description) properties.description = description.str('description');
  const defaults = optional(root, 'defaults');
  if (defaults) {
    checkFields(defaults, DEPLOY_FIELDS.batchEndpointDefaults, 'defaults');
    const deployment = optional(defaults, 'deployment_name');
    if (deployment) properties.defaults = { deploymentName: checkResourceName(deployment, 'deployment', 'defaults.deployment_name').toLowerCase() };
  }
  return { resource: 'batchEndpoint', name, body: { tags: stringMap(optional(root, 'tags'), 'tags'), properties }, fields: fieldOrigins(root), warnings };
}

/**
 * The create body. `withoutDefault` leaves out the file's defaults.deployment_name (what the deploy task
 * does: a deployment becomes the default only after a passing smoke invocation, through setDefault).
 */
export function finalizeBatchEndpoint(t: BatchEndpointTranslation, location: string, options: { withoutDefault?: boolean } = {}): BatchEndpointBody & { location: string } {
  if (!options.withoutDefault || !t.body.properties.defaults) return { location, ...t.body };
  const { defaults: _defaults, ...properties } = t.body.properties;
  return { location, tags: t.body.tags, properties };
}

/**
 * The PUT body for a batch endpoint that exists: description from the file when it gives one, tags and
 * properties merged key by key (the file wins). The default deployment stays as it is: it moves only
 * through setDefault, after the new deployment passed its smoke invocation; a file's
 * defaults.deployment_name that differs is reported, not applied.
 */
export function mergeBatchEndpointUpdate(
  existing: ExistingBatchEndpoint,
  t: BatchEndpointTranslation,
): { body: BatchEndpointBody & { location: string }; changed: string[]; warnings: string[] } {
  const given = (field: string) => field in t.fields;
  const e = existing.properties;
  const properties: BatchEndpointBody['properties'] = {
    authMode: e.authMode ?? t.body.properties.authMode,
    properties: { ...(e.properties ?? {}), ...t.body.properties.properties },
  };
  const description = given('description') ? t.body.properties.description : e.description;
  if (description !== undefined) properties.description = description;
  const current = e.defaults?.deploymentName;
  if (current) properties.defaults = { deploymentName: current };
  const warnings: string[] = [];
  const wanted = t.body.properties.defaults?.deploymentName;
  if (wanted && wanted !== current?.toLowerCase()) {
    warnings.push(`${t.fields.defaults}: defaults.deployment_name in the endpoint file was not applied; the default deployment stays ${current ? `'${current}'` : 'unset'} (use setDefault to move it after a smoke invocation)`);
  }
  const changed = BATCH_ENDPOINT_MUTABLE_FIELDS.filter((f) => given(f));
  return { body: { location: existing.location, tags: { ...(existing.tags ?? {}), ...t.body.tags }, properties }, changed, warnings };
}
