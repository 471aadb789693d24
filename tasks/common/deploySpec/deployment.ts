// An online deployment YAML (`az ml online-deployment create -f deployment.yml`) → the
// OnlineDeployment request body azure-ai-ml sends (ManagedOnlineDeployment / KubernetesOnlineDeployment
// ._to_rest_object), with the uploads and registrations it needs first.
import * as path from 'node:path';
import { translateCode } from '../jobSpec/commandParts';
import type { TranslationContext } from '../jobSpec/context';
import { translateEnvironment } from '../jobSpec/environments';
import { isRegistryUri, parseAssetReference } from '../jobSpec/references';
import { checkFields, closest, oneOf } from '../jobSpec/schema';
import type { YNode } from '../jobSpec/yamlSource';
import { checkResourceName, intAtLeast, optional, stringMap } from './common';
import type { OnlineKind } from './endpoint';
import { translateModel, type ModelVersionTemplate } from './model';
import { DEPLOY_FIELDS } from './schema';
import {
  translateDataCollector,
  translateProbe,
  translateRequestSettings,
  translateResources,
  translateScaleSettings,
  type DataAssetToCreate,
} from './settings';
import { ALL_MANAGED_ONLINE_SKUS, MANAGED_ONLINE_SKUS, SMALL_MANAGED_ONLINE_SKUS, managedOnlineSku } from './skus';

const DEPLOYMENT_TYPES: readonly OnlineKind[] = ['managed', 'kubernetes'];
const NETWORK_ACCESS = ['enabled', 'disabled'] as const;

export interface OnlineDeploymentParts {
  name: string;
  endpointName: string;
  body: { properties: Record<string, unknown>; tags: Record<string, string>; sku: { name: string; capacity?: number } };
  models: ModelVersionTemplate[];
  dataAssets: DataAssetToCreate[];
  /** Kubernetes: the instance type the endpoint's compute must offer (undefined: the compute's default). */
  instanceType?: string;
  /**
   * The scoring script inside a local code folder. azure-ai-ml checks it exists (validate_scoring_script)
   * before uploading; translation reads no code folders, so the feature checks it, failing at `origin`.
   */
  scoringScript?: { localPath: string; origin: string };
  /** True when the body needs a field 2023-04-01 lacks (data_collector). */
  needsPreviewApi: boolean;
}

/** `type:` decides the schema, as OnlineDeployment._load does; absent means managed. */
export function onlineDeploymentKind(root: YNode): OnlineKind {
  const type = optional(root, 'type');
  return type ? oneOf(type, DEPLOYMENT_TYPES, 'deployment type') : 'managed';
}

export function translateOnlineDeployment(root: YNode, ctx: TranslationContext, baseDir: string): OnlineDeploymentParts {
  const kind = onlineDeploymentKind(root);
  const what = `${kind} online deployment`;
  checkFields(root, kind === 'kubernetes' ? DEPLOY_FIELDS.kubernetesOnlineDeployment : DEPLOY_FIELDS.managedOnlineDeployment, what);
  // Deployment.__init__: "MFE is case-insensitive for Name. So convert the name into lower case here."
  const nameNode = root.require('name', what);
  const name = checkResourceName(nameNode, 'deployment').toLowerCase();
  const endpointName = checkResourceName(root.require('endpoint_name', what), 'endpoint', 'endpoint_name');

  const models: ModelVersionTemplate[] = [];
  const dataAssets: DataAssetToCreate[] = [];
  const properties: Record<string, unknown> = {
    endpointComputeType: kind === 'kubernetes' ? 'Kubernetes' : 'Managed',
    properties: stringMap(optional(root, 'properties'), 'properties'),
    environmentVariables: stringMap(optional(root, 'environment_variables'), 'environment_variables'),
    appInsightsEnabled: optional(root, 'app_insights_enabled')?.bool('app_insights_enabled') ?? false,
  };
  const registryAssets: YNode[] = [];

  const modelNode = optional(root, 'model');
  if (modelNode) {
    const model = translateModel(modelNode, ctx, baseDir, models);
    properties.model = model.value;
    if (model.fromRegistry) registryAssets.push(modelNode);
  }
  const scoringScript = addCodeConfiguration(root, ctx, baseDir, properties);
  const environment = optional(root, 'environment');
  if (environment) {
    properties.environmentId = translateEnvironment(environment, ctx, baseDir, { named: true, inferenceConfig: true });
    if (environment.kind === 'string' && isRegistryUri(environment.str('environment'))) registryAssets.push(environment);
  }
  // exit_if_registry_assets(data, caller="K8SDeployment")
  if (kind === 'kubernetes' && registryAssets.length) {
    registryAssets[0].fail('registry assets (azureml://registries/...) cannot be used by Kubernetes online deployments; copy the asset into the workspace and refer to it as azureml:<name>:<version>');
  }

  const description = optional(root, 'description');
  if (description) properties.description = description.str('description');
  const mountPath = optional(root, 'model_mount_path');
  if (mountPath) properties.modelMountPath = mountPath.str('model_mount_path');

  const instanceType = translateInstanceType(root, kind, ctx);
  if (instanceType) properties.instanceType = instanceType;
  const scale = optional(root, 'scale_settings');
  if (scale) properties.scaleSettings = translateScaleSettings(scale, kind);
  const request = optional(root, 'request_settings');
  if (request) properties.requestSettings = translateRequestSettings(request);
  for (const [key, rest] of [['liveness_probe', 'livenessProbe'], ['readiness_probe', 'readinessProbe']] as const) {
    const probe = optional(root, key);
    if (probe) properties[rest] = translateProbe(probe, key);
  }
  const resources = optional(root, 'resources');
  if (resources) properties.containerResourceRequirements = translateResources(resources);
  const egress = optional(root, 'egress_public_network_access');
  if (egress) properties.egressPublicNetworkAccess = oneOf(egress, NETWORK_ACCESS, 'egress_public_network_access');
  const privateConnection = optional(root, 'private_network_connection');
  if (privateConnection) {
    privateConnection.fail('private_network_connection is a retired preview setting that api-version 2023-04-01 does not have; use egress_public_network_access: disabled');
  }
  const collector = optional(root, 'data_collector');
  if (collector) {
    properties.dataCollector = translateDataCollector(collector, { endpoint: endpointName, deployment: name }, ctx.scope, dataAssets);
    ctx.warn(`${collector.where}: data_collector is not part of api-version 2023-04-01; the deployment is sent with 2023-04-01-preview, as azure-ai-ml does`);
  }

  // Both kinds send sku {name: "Default", capacity: instance_count}.
  const sku: OnlineDeploymentParts['body']['sku'] = { name: 'Default' };
  const count = optional(root, 'instance_count');
  if (count) sku.capacity = intAtLeast(count, 'instance_count', 1);

  return {
    name,
    endpointName,
    body: { properties, tags: stringMap(optional(root, 'tags'), 'tags'), sku },
    models,
    dataAssets,
    ...(kind === 'kubernetes' && instanceType ? { instanceType } : {}),
    ...(scoringScript ? { scoringScript } : {}),
    needsPreviewApi: collector !== undefined,
  };
}

/** code_configuration (when given) → properties.codeConfiguration; returns the local scoring script to check. */
export function addCodeConfiguration(root: YNode, ctx: TranslationContext, baseDir: string, properties: Record<string, unknown>): OnlineDeploymentParts['scoringScript'] {
  const node = optional(root, 'code_configuration');
  if (!node) return undefined;
  const code = translateCodeConfiguration(node, ctx, baseDir);
  properties.codeConfiguration = code.rest;
  return code.localScript;
}

/** code_configuration of an online or batch deployment → CodeConfiguration, with the local scoring script to check. */
function translateCodeConfiguration(
  node: YNode,
  ctx: TranslationContext,
  baseDir: string,
): { rest: Record<string, unknown>; localScript?: OnlineDeploymentParts['scoringScript'] } {
  checkFields(node, DEPLOY_FIELDS.codeConfiguration, 'code_configuration');
  const code = node.require('code', 'code_configuration');
  // CodeConfiguration._validate: a scoring script is required with code.
  const scriptNode = node.require('scoring_script', 'code_configuration');
  const script = scriptNode.str('code_configuration.scoring_script');
  const value = code.str('code_configuration.code');
  if (isRegistryUri(value)) {
    code.fail('registry code assets cannot be used by deployments; give a local folder or azureml:<name>:<version>');
  }
  const rest = (codeId: string) => ({ codeId, scoringScript: script });
  if (/^azureml:[^/:]+:[^/:]+$/.test(value)) {
    // azureml:<name>:<version> of a registered code asset (the job `code:` field has no such form).
    return { rest: rest(ctx.reference(parseAssetReference(code, 'codes', ctx.scope, 'code'), code.where)) };
  }
  // Deployment code is a Code asset with the folder's .amlignore/.gitignore, no default ignores.
  const codeId = translateCode(code, ctx, baseDir);
  const local = ctx.pending.some((p) => p.token === codeId);
  return { rest: rest(codeId), ...(local ? { localScript: { localPath: path.resolve(baseDir, value, script), origin: scriptNode.where } } : {}) };
}

function translateInstanceType(root: YNode, kind: OnlineKind, ctx: TranslationContext): string | undefined {
  if (kind === 'kubernetes') return optional(root, 'instance_type')?.str('instance_type');
  const node = root.require('instance_type', 'managed online deployment');
  const value = node.str('instance_type');
  const sku = managedOnlineSku(value);
  if (!sku) {
    const hint = closest(value, ALL_MANAGED_ONLINE_SKUS);
    return node.fail(
      `instance_type '${value}' is not a VM size managed online endpoints offer${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ` +
        Object.entries(MANAGED_ONLINE_SKUS).map(([family, skus]) => `${family}: ${skus.join(', ')}`).join('; '),
    );
  }
  if (SMALL_MANAGED_ONLINE_SKUS.includes(sku)) {
    ctx.warn(`${node.where}: instance type ${value} may be too small for compute resources; the minimum recommended SKU is Standard_DS3_v2`);
  }
  return value;
}
