// A batch deployment YAML (`az ml batch-deployment create -f deployment.yml`) → the BatchDeployment
// request body: a model deployment as azure-ai-ml's BatchDeployment / ModelBatchDeployment
// ._to_rest_object build it (settings at the top level, as azure-ai-ml 1.4 reads them, or under
// `settings:` as today's samples write them), or a pipeline component deployment
// (PipelineComponentBatchDeployment._to_rest_object: a deploymentConfiguration naming the component).
import type { TranslationContext } from '../jobSpec/context';
import { componentFromFile } from '../jobSpec/components';
import { translateEnvironment } from '../jobSpec/environments';
import { pipelineComponentFromSpec } from '../jobSpec/pipelineJob';
import { computeArmId, parseAssetReference } from '../jobSpec/references';
import { checkFields, oneOf } from '../jobSpec/schema';
import type { YNode } from '../jobSpec/yamlSource';
import { checkResourceName, intAtLeast, optional, stringMap } from './common';
import { addCodeConfiguration, type OnlineDeploymentParts } from './deployment';
import { translateModel, type ModelVersionTemplate } from './model';
import { DEPLOY_FIELDS } from './schema';
import { defined, duration, optionalInt } from './settings';

export type BatchDeploymentKind = 'model' | 'pipeline';

/** The settings of a model deployment, written under `settings:` or (azure-ai-ml 1.4) at the top level. */
const MODEL_SETTINGS = [
  'mini_batch_size', 'max_concurrency_per_instance', 'output_action', 'output_file_name', 'retry_settings',
  'error_threshold', 'logging_level',
] as const;
const OUTPUT_ACTIONS = ['append_row', 'summary_only'] as const;
const REST_OUTPUT_ACTION: Record<string, string> = { append_row: 'AppendRow', summary_only: 'SummaryOnly' };
/** BatchLoggingLevel; the value is sent as written, as azure-ai-ml does (the service ignores case). */
const LOGGING_LEVELS = ['info', 'warning', 'debug'];

export interface BatchDeploymentParts {
  kind: BatchDeploymentKind;
  name: string;
  endpointName: string;
  body: { properties: Record<string, unknown>; tags: Record<string, string> };
  models: ModelVersionTemplate[];
  scoringScript?: OnlineDeploymentParts['scoringScript'];
  /** True for pipeline component deployments: deploymentConfiguration is not in 2023-04-01. */
  needsPreviewApi: boolean;
}

/** `type:` decides the schema; absent means a model deployment (BatchDeployment's default). */
export function batchDeploymentKind(root: YNode): BatchDeploymentKind {
  const type = optional(root, 'type');
  return type ? oneOf(type, ['model', 'pipeline'], 'batch deployment type') : 'model';
}

export function translateBatchDeployment(root: YNode, ctx: TranslationContext, baseDir: string): BatchDeploymentParts {
  const kind = batchDeploymentKind(root);
  checkFields(root, kind === 'pipeline' ? DEPLOY_FIELDS.pipelineComponentBatchDeployment : DEPLOY_FIELDS.modelBatchDeployment, `${kind} batch deployment`);
  const what = `${kind} batch deployment`;
  // Deployment.__init__ lowercases the name; _update_params lowercases endpoint_name.
  const name = checkResourceName(root.require('name', what), 'deployment').toLowerCase();
  const endpointName = checkResourceName(root.require('endpoint_name', what), 'endpoint', 'endpoint_name').toLowerCase();
  const jobDefinition = optional(root, 'job_definition');
  if (jobDefinition) jobDefinition.fail('job_definition is a private preview of azure-ai-ml; deploy a pipeline component with type: pipeline and component: instead');
  const parts = kind === 'pipeline' ? translatePipelineDeployment(root, ctx, baseDir) : translateModelDeployment(root, ctx, baseDir);
  return { kind, name, endpointName, ...parts };
}

function translateModelDeployment(root: YNode, ctx: TranslationContext, baseDir: string): Omit<BatchDeploymentParts, 'kind' | 'name' | 'endpointName'> {
  const models: ModelVersionTemplate[] = [];
  const settingsNode = optional(root, 'settings');
  if (settingsNode) {
    checkFields(settingsNode, DEPLOY_FIELDS.modelBatchSettings, 'settings');
    const both = [...MODEL_SETTINGS, 'environment_variables'].find((key) => root.has(key) && settingsNode.has(key));
    if (both) root.require(both, '').fail(`${both} is given both at the top level and under settings; keep the one under settings`);
  }
  // Each setting from settings: when given there, else from the top level (azure-ai-ml 1.4's form).
  const setting = (key: string): YNode | undefined => (settingsNode && optional(settingsNode, key)) || optional(root, key);
  const label = (key: string) => (settingsNode?.has(key) ? `settings.${key}` : key);

  const properties: Record<string, unknown> = {
    compute: computeArmId(root.require('compute', 'model batch deployment'), ctx.scope),
    properties: stringMap(optional(root, 'properties'), 'properties'),
    environmentVariables: stringMap(setting('environment_variables'), label('environment_variables')),
  };
  const description = optional(root, 'description');
  if (description) properties.description = description.str('description');
  const modelNode = optional(root, 'model');
  if (modelNode) properties.model = { referenceType: 'Id', assetId: translateModel(modelNode, ctx, baseDir, models).value };
  const scoringScript = addCodeConfiguration(root, ctx, baseDir, properties);
  const environment = optional(root, 'environment');
  if (environment) properties.environmentId = translateEnvironment(environment, ctx, baseDir, { named: true });
  const codeNode = optional(root, 'code_configuration');
  if (codeNode && !environment) codeNode.fail('code_configuration needs an environment to run the scoring script in (only MLflow models deploy without code and environment)');

  const resources = translateBatchResources(optional(root, 'resources'), settingsNode && optional(settingsNode, 'instance_count'));
  if (resources) properties.resources = resources;

  const outputNode = setting('output_action');
  const outputAction = outputNode ? oneOf(outputNode, OUTPUT_ACTIONS, label('output_action')) : undefined;
  const fileNode = setting('output_file_name');
  // BatchDeployment._validate_output_action
  if (outputAction === 'summary_only' && fileNode) fileNode.fail('output_file_name cannot be given with output_action summary_only (there is no output file)');
  const loggingNode = setting('logging_level');
  let loggingLevel: string | undefined;
  if (loggingNode) {
    loggingLevel = loggingNode.str(label('logging_level'));
    if (!LOGGING_LEVELS.includes(loggingLevel.toLowerCase())) loggingNode.fail(`${label('logging_level')} '${loggingLevel}' must be one of ${LOGGING_LEVELS.join(', ')}`);
  }
  const errorNode = setting('error_threshold');
  Object.assign(
    properties,
    defined({
      outputAction: outputAction && REST_OUTPUT_ACTION[outputAction],
      outputFileName: fileNode?.str(label('output_file_name')),
      errorThreshold: errorNode ? intAtLeast(errorNode, label('error_threshold'), -1) : undefined,
      retrySettings: translateRetrySettings(setting('retry_settings'), label('retry_settings')),
      loggingLevel,
      miniBatchSize: settingInt(setting('mini_batch_size'), label('mini_batch_size')),
      maxConcurrencyPerInstance: settingInt(setting('max_concurrency_per_instance'), label('max_concurrency_per_instance')),
    }),
  );
  return {
    body: { properties, tags: stringMap(optional(root, 'tags'), 'tags') },
    models,
    ...(scoringScript ? { scoringScript } : {}),
    needsPreviewApi: false,
  };
}

const settingInt = (node: YNode | undefined, what: string) => (node ? intAtLeast(node, what, 1) : undefined);

/** BatchRetrySettings._to_rest_object: timeout in seconds → ISO 8601 (0 sends none). */
function translateRetrySettings(node: YNode | undefined, what: string): Record<string, unknown> | undefined {
  if (!node) return undefined;
  checkFields(node, DEPLOY_FIELDS.batchRetrySettings, what);
  return defined({
    maxRetries: optionalInt(node, 'max_retries', `${what}.max_retries`, 0),
    timeout: duration(optional(node, 'timeout'), `${what}.timeout`, 'seconds'),
  });
}

/**
 * resources → ResourceConfiguration (properties {} when none, as _to_rest_object sends them);
 * settings.instance_count makes one when resources has none (ModelBatchDeployment.__init__).
 */
function translateBatchResources(node: YNode | undefined, countNode: YNode | undefined): Record<string, unknown> | undefined {
  const countLabel = 'settings.instance_count';
  if (node) {
    checkFields(node, DEPLOY_FIELDS.batchResources, 'resources');
    const inner = optional(node, 'instance_count');
    // ModelBatchDeployment would quietly keep resources.instance_count; say so instead.
    if (countNode && inner) countNode.fail(`${countLabel} cannot be given with resources.instance_count; keep one`);
    const count = inner ?? countNode;
    return defined({
      instanceCount: count ? intAtLeast(count, inner ? 'resources.instance_count' : countLabel, 1) : undefined,
      instanceType: optional(node, 'instance_type')?.str('resources.instance_type'),
      properties: optional(node, 'properties')?.toJS() ?? {},
    });
  }
  return countNode ? { instanceCount: intAtLeast(countNode, countLabel, 1), properties: {} } : undefined;
}

/**
 * type: pipeline → deploymentConfiguration {PipelineComponent, componentId, settings}. A component file
 * is registered first as an anonymous pipeline component (named after its content, so re-runs reuse it);
 * settings are sent as str() of each value, as the REST model's string map does.
 */
function translatePipelineDeployment(root: YNode, ctx: TranslationContext, baseDir: string): Omit<BatchDeploymentParts, 'kind' | 'name' | 'endpointName'> {
  const componentNode = root.require('component', 'pipeline batch deployment');
  let componentId: string;
  if (componentNode.kind === 'mapping') {
    componentId = pipelineComponentFromSpec(componentNode, ctx, baseDir, 'YAML.COMPONENT').componentId;
  } else {
    const ref = componentNode.str('component');
    componentId = ref.startsWith('azureml:') || /^\/subscriptions\//i.test(ref)
      ? ctx.reference(parseAssetReference(componentNode, 'components', ctx.scope, 'component'), componentNode.where)
      : componentFromFile(componentNode, ctx, baseDir, pipelineComponentFromSpec).componentId;
  }
  const settingsNode = optional(root, 'settings');
  const deploymentConfiguration: Record<string, unknown> = {
    deploymentConfigurationType: 'PipelineComponent',
    componentId: { referenceType: 'Id', assetId: componentId },
    settings: stringMap(settingsNode, 'settings'),
  };
  const properties: Record<string, unknown> = { deploymentConfiguration };
  const description = optional(root, 'description');
  if (description) properties.description = description.str('description');
  return { body: { properties, tags: stringMap(optional(root, 'tags'), 'tags') }, models: [], needsPreviewApi: true };
}
