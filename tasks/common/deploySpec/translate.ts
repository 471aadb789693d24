// Entry points: an endpoint or deployment YAML file (plus --set style overrides and the task's
// model / endpoint name inputs) → the request body and the work to do before sending it.
//
// As in jobSpec, translation reads only YAML (the file and any conda file it names): local code and
// model folders become upload tokens, checked when the feature uploads them, so dryRun and the
// corpus test work without the user's folders.
import * as path from 'node:path';
import { TranslationContext, type BuildEnvironmentTemplate, type EnvironmentVersionToCreate, type PendingItem } from '../jobSpec/context';
import { applyOverrides, parseOverrides, type Override } from '../jobSpec/overrides';
import type { WorkspaceScope } from '../jobSpec/references';
import { JobSpecError, loadYamlFile, parseYaml, type YamlSource, type YNode } from '../jobSpec/yamlSource';
import { checkTemplatePlaceholders, fieldOrigins } from './common';
import { onlineDeploymentKind, translateOnlineDeployment, type OnlineDeploymentParts } from './deployment';
import { onlineEndpointKind, translateOnlineEndpoint, type EndpointTranslation, type OnlineKind } from './endpoint';
import { translateBatchEndpoint, type BatchEndpointTranslation } from './batchEndpoint';
import { translateBatchDeployment, type BatchDeploymentParts } from './batchDeployment';

/**
 * The api-version these bodies follow (online and batch); data_collector and pipeline component batch
 * deployments need the preview that azure-ai-ml uses for them.
 */
export const ONLINE_API_VERSION = '2023-04-01';
export const ONLINE_PREVIEW_API_VERSION = '2023-04-01-preview';

export interface EndpointTranslateOptions {
  scope: WorkspaceScope;
  /** --set style overrides: parsed, or multiline "path=value" text. */
  overrides?: Override[] | string;
  /** Replaces the endpoint file's name / the deployment file's endpoint_name (`--name` / `--endpoint-name`). */
  endpointName?: string;
}

export interface DeploymentTranslateOptions extends EndpointTranslateOptions {
  /** Replaces the file's model (after overrides), e.g. azureml:churn-model:7 or a model ARM id. */
  model?: string;
}

export interface DeploymentTranslation extends OnlineDeploymentParts {
  resource: 'onlineDeployment';
  kind: OnlineKind;
  apiVersion: string;
  /** Uploads (code, local model) and @latest lookups to do before finalizing. */
  pending: PendingItem[];
  /** Environment versions to create first (anonymous, or named inline ones). */
  environments: EnvironmentVersionToCreate[];
  /** Anonymous environments whose version depends on a build-context upload. */
  buildEnvironments: BuildEnvironmentTemplate[];
  /** Always empty: deployments have no components (kept for jobSpec's finalizeTranslation). */
  components: [];
  /** Top-level fields the file gave → file:line:column. */
  fields: Record<string, string>;
  warnings: string[];
}

/** A translated batch deployment: the parts plus the work to do before sending it (as for online). */
export interface BatchDeploymentTranslation extends BatchDeploymentParts {
  resource: 'batchDeployment';
  apiVersion: string;
  pending: PendingItem[];
  environments: EnvironmentVersionToCreate[];
  buildEnvironments: BuildEnvironmentTemplate[];
  /** Pipeline component deployments: the anonymous components a component file becomes. */
  components: TranslationContext['components'];
  /** Batch deployments create no data assets (kept so finalizeDeployment treats both alike). */
  dataAssets: [];
  fields: Record<string, string>;
  warnings: string[];
}

export type Family = 'online' | 'batch';
type Resource = 'endpoint' | 'deployment';

// $schema URLs end in <kind>.schema.json.
const SCHEMAS: Record<string, { family: Family; resource: Resource }> = {
  managedonlineendpoint: { family: 'online', resource: 'endpoint' },
  kubernetesonlineendpoint: { family: 'online', resource: 'endpoint' },
  managedonlinedeployment: { family: 'online', resource: 'deployment' },
  kubernetesonlinedeployment: { family: 'online', resource: 'deployment' },
  batchendpoint: { family: 'batch', resource: 'endpoint' },
  batchdeployment: { family: 'batch', resource: 'deployment' },
  modelbatchdeployment: { family: 'batch', resource: 'deployment' },
  pipelinecomponentbatchdeployment: { family: 'batch', resource: 'deployment' },
};

/** Fields only batch files have (online deployments have no compute; online endpoints no defaults). */
const BATCH_ONLY_KEYS: Record<Resource, string[]> = {
  endpoint: ['defaults'],
  deployment: ['compute', 'component', 'settings', 'mini_batch_size', 'output_action', 'output_file_name', 'retry_settings', 'error_threshold', 'max_concurrency_per_instance', 'logging_level'],
};

/**
 * Whether an endpoint or deployment file is for online or batch endpoints: its $schema when it has one,
 * else `type:` (model/pipeline: batch; managed/kubernetes: online), else fields only batch files have.
 * Files that say neither are online, as the task has always read them.
 */
export function fileFamily(file: string, resource: Resource): Family {
  const root = loadYamlFile(path.resolve(file)).root();
  if (root.kind !== 'mapping') return 'online';
  const schema = schemaName(root);
  const known = schema && SCHEMAS[schema.name];
  if (known) return known.family;
  const type = root.get('type')?.scalar;
  if (resource === 'deployment' && (type === 'model' || type === 'pipeline')) return 'batch';
  if (resource === 'deployment' && (type === 'managed' || type === 'kubernetes')) return 'online';
  return BATCH_ONLY_KEYS[resource].some((key) => root.has(key)) ? 'batch' : 'online';
}

function schemaName(root: YNode): { node: YNode; name: string } | undefined {
  const node = root.get('$schema');
  if (!node || node.isNull) return undefined;
  const match = /([A-Za-z]+)\.schema\.json$/.exec(node.str('$schema').trim());
  return { node, name: match ? match[1].toLowerCase() : node.str('$schema') };
}

const kindOf = (family: Family) => (family === 'online' ? 'an online' : 'a batch');

/** Checks $schema names the expected family and resource and returns the root mapping. */
function expectResource(source: YamlSource, family: Family, expected: Resource): YNode {
  const root = source.root();
  if (root.kind !== 'mapping') root.fail(`${kindOf(family)} ${expected} file must be a mapping of fields, not ${root.kind}`);
  const schema = schemaName(root);
  if (!schema) return root;
  const known = SCHEMAS[schema.name];
  if (known?.family === family && known.resource === expected) return root;
  const hint = known
    ? known.family === family
      ? `this is ${kindOf(family)} ${known.resource} file; give it as the ${known.resource}File input`
      : `this is ${kindOf(known.family)} ${known.resource} file, and the other file is for ${family} endpoints: give an endpoint and a deployment file of the same kind`
    : family === 'online'
      ? `an online ${expected} file uses managedOnline${capital(expected)} or kubernetesOnline${capital(expected)}.schema.json`
      : `a batch ${expected} file uses ${expected === 'endpoint' ? 'batchEndpoint' : 'modelBatchDeployment or pipelineComponentBatchDeployment'}.schema.json`;
  return schema.node.fail(`this file follows ${schema.name}.schema.json, not ${kindOf(family)} ${expected} schema; ${hint}`);
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1);

function overridesOf(options: EndpointTranslateOptions): Override[] {
  return typeof options.overrides === 'string' ? parseOverrides(options.overrides) : (options.overrides ?? []);
}

export function translateEndpointFile(file: string, options: EndpointTranslateOptions): EndpointTranslation {
  return translateEndpointSource(loadYamlFile(path.resolve(file)), options);
}

export function translateEndpointText(text: string, file: string, options: EndpointTranslateOptions): EndpointTranslation {
  return translateEndpointSource(parseYaml(text, path.resolve(file)), options);
}

function translateEndpointSource(source: YamlSource, options: EndpointTranslateOptions): EndpointTranslation {
  const root = expectResource(source, 'online', 'endpoint');
  const inputs: Override[] = options.endpointName ? [{ path: ['name'], value: options.endpointName, label: 'endpointName input' }] : [];
  applyOverrides(source, [...overridesOf(options), ...inputs]);
  const warnings: string[] = [];
  checkTemplatePlaceholders(root, warnings);
  const schema = schemaName(root);
  const kind = onlineEndpointKind(root);
  if (schema?.name === 'kubernetesonlineendpoint' && kind !== 'kubernetes') {
    schema.node.fail('a Kubernetes online endpoint needs compute: azureml:<Kubernetes compute name>; without it az ml creates a managed endpoint');
  }
  if (schema?.name === 'managedonlineendpoint' && kind === 'kubernetes') {
    root.require('compute', 'endpoint').fail('compute makes this a Kubernetes online endpoint, but $schema says managedOnlineEndpoint; remove compute or use kubernetesOnlineEndpoint.schema.json');
  }
  const t = translateOnlineEndpoint(root, options.scope);
  t.warnings.unshift(...warnings);
  return t;
}

export function translateDeploymentFile(file: string, options: DeploymentTranslateOptions): DeploymentTranslation {
  return translateDeploymentSource(loadYamlFile(path.resolve(file)), options);
}

export function translateDeploymentText(text: string, file: string, options: DeploymentTranslateOptions): DeploymentTranslation {
  return translateDeploymentSource(parseYaml(text, path.resolve(file)), options);
}

/** Applies the overrides and the task's endpointName / model inputs; a context with the placeholder warnings. */
function prepareDeployment(source: YamlSource, root: YNode, options: DeploymentTranslateOptions): TranslationContext {
  const inputs: Override[] = [];
  if (options.endpointName) inputs.push({ path: ['endpoint_name'], value: options.endpointName, label: 'endpointName input' });
  if (options.model) inputs.push({ path: ['model'], value: options.model, label: 'model input' });
  applyOverrides(source, [...overridesOf(options), ...inputs]);
  const ctx = new TranslationContext(options.scope);
  checkTemplatePlaceholders(root, ctx.warnings);
  return ctx;
}

function translateDeploymentSource(source: YamlSource, options: DeploymentTranslateOptions): DeploymentTranslation {
  const root = expectResource(source, 'online', 'deployment');
  const ctx = prepareDeployment(source, root, options);

  const schema = schemaName(root);
  const kind = onlineDeploymentKind(root);
  if (schema?.name === 'kubernetesonlinedeployment' && kind !== 'kubernetes') {
    (root.get('type') ?? schema.node).fail('a Kubernetes online deployment needs type: kubernetes; without it az ml reads the file as a managed deployment');
  }
  if (schema?.name === 'managedonlinedeployment' && kind === 'kubernetes') {
    root.require('type', 'deployment').fail('type: kubernetes contradicts $schema managedOnlineDeployment; use kubernetesOnlineDeployment.schema.json');
  }

  const parts = translateOnlineDeployment(root, ctx, path.dirname(source.file));
  return {
    resource: 'onlineDeployment',
    kind,
    apiVersion: parts.needsPreviewApi ? ONLINE_PREVIEW_API_VERSION : ONLINE_API_VERSION,
    ...parts,
    pending: ctx.pending,
    environments: ctx.environments,
    buildEnvironments: ctx.buildEnvironments,
    components: [],
    fields: fieldOrigins(root),
    warnings: ctx.warnings,
  };
}

export function translateBatchEndpointFile(file: string, options: EndpointTranslateOptions): BatchEndpointTranslation {
  const source = loadYamlFile(path.resolve(file));
  const root = expectResource(source, 'batch', 'endpoint');
  const inputs: Override[] = options.endpointName ? [{ path: ['name'], value: options.endpointName, label: 'endpointName input' }] : [];
  applyOverrides(source, [...overridesOf(options), ...inputs]);
  const warnings: string[] = [];
  checkTemplatePlaceholders(root, warnings);
  const t = translateBatchEndpoint(root);
  t.warnings.unshift(...warnings);
  return t;
}

export function translateBatchDeploymentFile(file: string, options: DeploymentTranslateOptions): BatchDeploymentTranslation {
  const source = loadYamlFile(path.resolve(file));
  const root = expectResource(source, 'batch', 'deployment');
  const ctx = prepareDeployment(source, root, options);
  const schema = schemaName(root);
  const parts = translateBatchDeployment(root, ctx, path.dirname(source.file));
  const schemaKind = schema?.name === 'pipelinecomponentbatchdeployment' ? 'pipeline' : schema?.name === 'modelbatchdeployment' ? 'model' : undefined;
  if (schemaKind && schemaKind !== parts.kind) {
    (root.get('type') ?? schema!.node).fail(`$schema says a ${schemaKind} batch deployment but the file is a ${parts.kind} one; set type: ${schemaKind}`);
  }
  return {
    resource: 'batchDeployment',
    ...parts,
    apiVersion: parts.needsPreviewApi ? ONLINE_PREVIEW_API_VERSION : ONLINE_API_VERSION,
    pending: ctx.pending,
    environments: ctx.environments,
    buildEnvironments: ctx.buildEnvironments,
    components: ctx.components,
    dataAssets: [],
    fields: fieldOrigins(root),
    warnings: ctx.warnings,
  };
}

/** The deployment must be of the endpoint's kind (the service refuses a mix). */
export function checkDeploymentKind(t: DeploymentTranslation, endpointKind: OnlineKind, endpointName: string): void {
  if (t.kind === endpointKind) return;
  throw new JobSpecError(
    `endpoint '${endpointName}' is a ${endpointKind} online endpoint; a ${t.kind} deployment cannot join it` +
      (endpointKind === 'kubernetes' ? ' (add type: kubernetes)' : ' (remove type: kubernetes)'),
    t.fields.type ?? t.fields.name ?? '',
  );
}

/**
 * Kubernetes: the instance type must be one the endpoint's compute defines (the feature reads them
 * from the compute); without instance_type the compute's default instance type is used.
 */
export function checkKubernetesInstanceType(t: DeploymentTranslation, compute: string, instanceTypes: readonly string[], defaultInstanceType?: string): void {
  if (t.kind !== 'kubernetes') return;
  const wanted = t.instanceType ?? defaultInstanceType;
  if (wanted === undefined) {
    throw new JobSpecError(`compute '${compute}' has no default instance type; set instance_type to one of: ${instanceTypes.join(', ') || '(none defined)'}`, t.fields.name ?? '');
  }
  if (instanceTypes.some((i) => i.toLowerCase() === wanted.toLowerCase())) return;
  throw new JobSpecError(
    `instance type '${wanted}' is not defined on Kubernetes compute '${compute}'; defined: ${instanceTypes.join(', ') || '(none)'}`,
    t.fields.instance_type ?? t.fields.name ?? '',
  );
}
