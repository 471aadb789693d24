// Batch deployments: model deployments (a model, a scoring script unless the model is MLflow, an
// AmlCompute cluster and the parallel run settings) and, from the preview api-versions that have
// deploymentConfiguration (2023-04-01-preview on), pipeline component deployments. Provisioning,
// updates and deletion are Azure-AsyncOperation operations; a batch deployment has no container
// of its own (its invocations are jobs), so provisioning only waits the operation delay.
import type { HostResponse, ServiceContext } from '../contract';
import { BATCH_ENDPOINT, batchEndpointId, defaultDeploymentName } from './batchEndpoints';
import { userError } from './errors';
import { beginDelete, beginPatch, operationHeaders, registerEffect, setProvisioningState, startOperation } from './lro';
import { checkDeploymentName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, jsonResponse, listChildren, listResponse, putResource, systemDataFor, workspaceOf } from './resources';
import { checkReference } from './references';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';

const DEPLOYMENT = `${BATCH_ENDPOINT}/deployments/{deploymentName}`;
const TYPE = 'workspaces/batchEndpoints/deployments';

/** What a model deployment gets when the request leaves a setting out (the service's defaults, as az ml shows them). */
const MODEL_DEPLOYMENT_DEFAULTS: Properties = {
  miniBatchSize: 10,
  errorThreshold: -1,
  loggingLevel: 'Info',
  maxConcurrencyPerInstance: 1,
  outputAction: 'AppendRow',
  outputFileName: 'predictions.csv',
  retrySettings: { maxRetries: 3, timeout: 'PT30S' },
  resources: { instanceCount: 1, properties: {} },
  environmentVariables: {},
};

/**
 * True for api-versions whose BatchDeployment has deploymentConfiguration (pipeline component deployments): the
 * previews from 2023-04-01-preview (its BatchDeploymentProperties in azure-rest-api-specs has it, and azure-ai-ml
 * builds these deployments with its v2023_04_01_preview models).
 */
export function knowsDeploymentConfiguration(version: string): boolean {
  return version.endsWith('-preview') && version.slice(0, 10) >= '2023-04-01';
}

export function isPipelineComponentDeployment(deployment: ArmResource): boolean {
  return String(deployment.properties.deploymentConfiguration?.deploymentConfigurationType ?? '').toLowerCase() === 'pipelinecomponent';
}

function deploymentId(call: ArmCall): string {
  return `${batchEndpointId(call)}/deployments/${call.params.deploymentName}`;
}

/** An AssetReferenceBase (model, componentId) as its asset id; only referenceType Id is supported. */
function assetIdOf(reference: unknown, path: string): string | undefined {
  if (reference === undefined || reference === null) return undefined;
  const ref = reference as Properties;
  if (String(ref.referenceType ?? '').toLowerCase() !== 'id' || typeof ref.assetId !== 'string') {
    throw userError(`'${path}' must be an asset reference {"referenceType": "Id", "assetId": "<ARM id>"}; the emulator does not take DataPath or OutputPath references.`, path);
  }
  return ref.assetId;
}

function checkRange(value: unknown, minimum: number, path: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) throw userError(`'${path}' must be a whole number of at least ${minimum} (got ${JSON.stringify(value)}).`, path);
}

/** The compute a model deployment runs on: an AmlCompute cluster of the workspace. */
function checkCompute(ctx: ServiceContext, workspace: ArmResource, compute: unknown): void {
  if (typeof compute !== 'string' || !compute) throw userError('A batch deployment needs a compute: the ARM id of an AmlCompute cluster of the workspace.', 'properties.compute');
  checkReference(ctx, workspace, compute, 'properties.compute');
  const found = getResource(ctx, 'computes', compute.replace(/^azureml:/i, ''));
  if (found && found.properties.computeType !== 'AmlCompute') {
    throw userError(`Compute '${found.name}' is a ${found.properties.computeType}; batch deployments run on AmlCompute clusters only.`, 'properties.compute');
  }
}

function checkModelDeployment(ctx: ServiceContext, workspace: ArmResource, properties: Properties): void {
  checkCompute(ctx, workspace, properties.compute);
  const modelId = assetIdOf(properties.model, 'properties.model');
  if (!modelId) throw userError('A batch model deployment needs a model: {"referenceType": "Id", "assetId": "<model version ARM id>"}.', 'properties.model');
  checkReference(ctx, workspace, modelId, 'properties.model');
  checkReference(ctx, workspace, properties.environmentId, 'properties.environmentId');
  checkReference(ctx, workspace, properties.codeConfiguration?.codeId, 'properties.codeConfiguration.codeId');
  const model = getResource(ctx, 'assets', modelId.replace(/^azureml:/i, ''));
  const isMlflow = String(model?.properties.modelType ?? '').toLowerCase() === 'mlflow_model';
  if (!isMlflow && (!properties.codeConfiguration?.scoringScript || !properties.environmentId)) {
    throw userError('A batch deployment of a model that is not an MLflow model needs a scoring script (codeConfiguration) and an environment (environmentId).', properties.environmentId ? 'properties.codeConfiguration' : 'properties.environmentId');
  }
  checkRange(properties.miniBatchSize, 1, 'properties.miniBatchSize');
  checkRange(properties.maxConcurrencyPerInstance, 1, 'properties.maxConcurrencyPerInstance');
  checkRange(properties.errorThreshold, -1, 'properties.errorThreshold');
  checkRange(properties.resources?.instanceCount, 1, 'properties.resources.instanceCount');
  checkRange(properties.retrySettings?.maxRetries, 0, 'properties.retrySettings.maxRetries');
}

function checkPipelineComponentDeployment(ctx: ServiceContext, workspace: ArmResource, configuration: Properties): void {
  const componentId = assetIdOf(configuration.componentId, 'properties.deploymentConfiguration.componentId');
  if (!componentId) throw userError('A pipeline component deployment needs componentId: {"referenceType": "Id", "assetId": "<component version ARM id>"}.', 'properties.deploymentConfiguration.componentId');
  checkReference(ctx, workspace, componentId, 'properties.deploymentConfiguration.componentId');
  const component = getResource(ctx, 'assets', componentId.replace(/^azureml:/i, ''));
  if (component && String(component.properties.componentSpec?.type ?? '').toLowerCase() !== 'pipeline') {
    throw userError(`Component '${componentId}' is a ${component.properties.componentSpec?.type} component; pipeline component deployments take a pipeline component.`, 'properties.deploymentConfiguration.componentId');
  }
}

function createOrUpdate(call: ArmCall): HostResponse {
  const { ctx } = call;
  const body = jsonBody(call) as Properties;
  validateBody(body, 'BatchDeployment');
  checkDeploymentName(call.params.deploymentName);
  const endpoint = findResource(ctx, 'batchEndpoints', batchEndpointId(call));
  const workspace = workspaceOf(call);
  const { deploymentConfiguration, ...requested } = body.properties as Properties;
  // A version without deploymentConfiguration ignores it, as ARM ignores unknown properties.
  const configuration: Properties | undefined = knowsDeploymentConfiguration(call.apiVersion) ? deploymentConfiguration ?? undefined : undefined;
  const pipelineComponent = String(configuration?.deploymentConfigurationType ?? '').toLowerCase() === 'pipelinecomponent';
  if (pipelineComponent) checkPipelineComponentDeployment(ctx, workspace, configuration!);
  else checkModelDeployment(ctx, workspace, requested);
  const previous = getResource(ctx, 'batchDeployments', deploymentId(call));
  const deployment: ArmResource = {
    id: previous?.id ?? deploymentId(call),
    name: previous?.name ?? call.params.deploymentName,
    type: `${ML_NAMESPACE}/${TYPE}`,
    location: body.location ?? endpoint.location,
    kind: body.kind ?? previous?.kind ?? null,
    tags: body.tags ?? previous?.tags ?? {},
    properties: {
      description: null,
      properties: {},
      ...(pipelineComponent ? {} : MODEL_DEPLOYMENT_DEFAULTS),
      ...requested,
      ...(configuration ? { deploymentConfiguration: { ...configuration, deploymentConfigurationType: pipelineComponent ? 'PipelineComponent' : configuration.deploymentConfigurationType } } : {}),
      provisioningState: previous ? 'Updating' : 'Creating',
    },
    systemData: systemDataFor(ctx, call.principal, previous?.systemData),
  };
  putResource(ctx, 'batchDeployments', deployment);
  const op = startOperation(call, { effect: 'batchDeploymentProvisioned', resourceId: deployment.id, resourceCollection: 'batchDeployments' });
  return jsonResponse(forVersion(deployment, call.apiVersion), previous ? 200 : 201, operationHeaders(call, op, false));
}

/** PATCH: tags and properties.description (PartialBatchDeploymentPartialMinimalTrackedResourceWithProperties). */
function update(call: ArmCall): HostResponse {
  const body = jsonBody(call) as Properties;
  validateBody(body, 'PartialBatchDeploymentPartialMinimalTrackedResourceWithProperties');
  const deployment = findResource(call.ctx, 'batchDeployments', deploymentId(call));
  const description = body.properties?.description;
  const changed = description === undefined ? deployment : { ...deployment, properties: { ...deployment.properties, description } };
  return beginPatch(call, 'batchDeployments', changed, { tags: body.tags ?? deployment.tags }, 'batchDeploymentProvisioned');
}

/** DELETE: not the endpoint's default deployment (change the default first). */
function remove(call: ArmCall): HostResponse {
  const endpoint = findResource(call.ctx, 'batchEndpoints', batchEndpointId(call));
  const deployment = getResource(call.ctx, 'batchDeployments', deploymentId(call));
  if (!deployment) return { status: 204 };
  if (defaultDeploymentName(endpoint)?.toLowerCase() === deployment.name.toLowerCase()) {
    throw userError(`Deployment '${deployment.name}' is the default deployment of batch endpoint '${endpoint.name}'. Make another deployment the default (properties.defaults.deploymentName) before deleting it.`);
  }
  return beginDelete(call, 'batchDeployments', deployment, 'batchDeploymentDeleted');
}

registerEffect('batchDeploymentProvisioned', { complete: (ctx, op, outcome) => setProvisioningState(ctx, 'batchDeployments', op.resourceId, outcome) });

registerEffect('batchDeploymentDeleted', {
  complete: (ctx, op, outcome) => {
    if (outcome === 'Succeeded') deleteResource(ctx, 'batchDeployments', op.resourceId);
    else setProvisioningState(ctx, 'batchDeployments', op.resourceId, 'Failed');
  },
});

/** A client of `version` sees deploymentConfiguration only if its version has it. */
function forVersion(deployment: ArmResource, version: string): ArmResource {
  if (knowsDeploymentConfiguration(version) || !('deploymentConfiguration' in deployment.properties)) return deployment;
  const { deploymentConfiguration: _unknownToVersion, ...properties } = deployment.properties;
  return { ...deployment, properties };
}

export const batchDeploymentRoutes: Route[] = [
  {
    method: 'GET',
    pattern: `${BATCH_ENDPOINT}/deployments`,
    provider: 'ml',
    resourceType: TYPE,
    handle: (call) => listResponse(listChildren(call.ctx, 'batchDeployments', findResource(call.ctx, 'batchEndpoints', batchEndpointId(call)).id, 'deployments').map((d) => forVersion(d, call.apiVersion))),
  },
  { method: 'GET', pattern: DEPLOYMENT, provider: 'ml', resourceType: TYPE, handle: (call) => jsonResponse(forVersion(findResource(call.ctx, 'batchDeployments', deploymentId(call)), call.apiVersion)) },
  { method: 'PUT', pattern: DEPLOYMENT, provider: 'ml', resourceType: TYPE, handle: createOrUpdate },
  { method: 'PATCH', pattern: DEPLOYMENT, provider: 'ml', resourceType: TYPE, handle: update },
  { method: 'DELETE', pattern: DEPLOYMENT, provider: 'ml', resourceType: TYPE, handle: remove },
];
