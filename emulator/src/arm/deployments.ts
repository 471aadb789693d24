// Online deployments (Managed and Kubernetes): provisioning as Azure-AsyncOperation operations,
// the deploymentUnhealthy fault (the container crashes: provisioning ends Failed), logs and SKUs.
// When the emulator serves deployments (src/serving/), their containers report through the
// DeploymentContainers record: provisioning waits for it, and getLogs returns the containers' logs.
import * as fs from 'node:fs';
import type { HostResponse, ServiceContext } from '../contract';
import type { ArmErrorDetail } from './errors';
import { userError } from './errors';
import { ENDPOINT, endpointId, isKubernetesEndpoint } from './endpoints';
import { beginDelete, beginPatch, operationHeaders, registerEffect, startOperation } from './lro';
import { checkDeploymentName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, isoTime, jsonResponse, listChildren, listResponse, managedIdentity, putResource, systemDataFor, workspaceOf } from './resources';
import { checkReference } from './references';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';

const DEPLOYMENT = `${ENDPOINT}/deployments/{deploymentName}`;

/** What Azure ML reports when a deployment's container keeps crashing. */
export const CONTAINER_CRASHED: ArmErrorDetail = {
  code: 'ResourceNotReady',
  message: 'User container has crashed or terminated: Back-off restarting failed container. Please see troubleshooting guide, available here: https://aka.ms/oe-tsg#error-resourcenotready',
};

/** Container types of getLogs, as the REST API names them. */
export type ContainerType = 'StorageInitializer' | 'InferenceServer';

/** What a served deployment's containers report, keyed by lower-cased deployment id; written by the serving host. */
export interface DeploymentContainers {
  /** What the containers run (code, model, scoring script, variables): they restart when it changes. */
  spec: string;
  state: 'Starting' | 'Running' | 'Failed';
  error?: ArmErrorDetail;
  logFiles: Record<ContainerType, string>;
}

export const CONTAINERS = 'arm.deploymentContainers';

export function containersOf(ctx: ServiceContext, deploymentId: string): DeploymentContainers | undefined {
  return ctx.store.get<DeploymentContainers>(CONTAINERS, deploymentId.toLowerCase());
}

function deploymentId(call: ArmCall): string {
  return `${endpointId(call)}/deployments/${call.params.deploymentName}`;
}

/** Kubernetes deployments run on one of the attached compute's instance types. */
function checkInstanceType(ctx: ServiceContext, endpoint: ArmResource, properties: Properties): void {
  const compute = getResource(ctx, 'computes', endpoint.properties.compute);
  const instanceTypes: Record<string, unknown> = compute?.properties.properties?.instanceTypes ?? {};
  if (!compute) throw userError(`The Kubernetes compute '${endpoint.properties.compute}' of endpoint '${endpoint.name}' was not found.`, 'properties.compute');
  const requested: string = properties.instanceType ?? compute.properties.properties.defaultInstanceType;
  if (!Object.keys(instanceTypes).some((t) => t.toLowerCase() === requested.toLowerCase())) {
    throw userError(`Instance type '${requested}' is not defined on compute '${compute.name}'. Available instance types: ${Object.keys(instanceTypes).join(', ')}.`, 'properties.instanceType');
  }
  properties.instanceType = requested;
}

function unhealthyFault(call: ArmCall): boolean {
  const hit = call.ctx.faults.takeSemantic('deploymentUnhealthy', call.req.method, call.path);
  if (hit) call.ctx.log(`ARM: deployment ${call.params.deploymentName} turns unhealthy (deploymentUnhealthy fault)`);
  return hit;
}

function createOrUpdate(call: ArmCall): HostResponse {
  const { ctx } = call;
  const body = jsonBody(call) as Properties;
  validateBody(body, 'OnlineDeployment');
  checkDeploymentName(call.params.deploymentName);
  const endpoint = findResource(ctx, 'endpoints', endpointId(call));
  const requested = { ...(body.properties as Properties) };
  const kubernetes = isKubernetesEndpoint(endpoint);
  const expectedType = kubernetes ? 'Kubernetes' : 'Managed';
  if (requested.endpointComputeType.toLowerCase() !== expectedType.toLowerCase()) {
    throw userError(`Deployment of type '${requested.endpointComputeType}' cannot be added to endpoint '${endpoint.name}', which takes '${expectedType}' deployments.`, 'properties.endpointComputeType');
  }
  if (kubernetes) checkInstanceType(ctx, endpoint, requested);
  else if (!requested.instanceType) throw userError(`Required property 'instanceType' not found in JSON. Path 'properties'.`, 'properties.instanceType');
  const workspace = workspaceOf(call);
  checkReference(ctx, workspace, requested.model, 'properties.model');
  checkReference(ctx, workspace, requested.environmentId, 'properties.environmentId');
  checkReference(ctx, workspace, requested.codeConfiguration?.codeId, 'properties.codeConfiguration.codeId');
  const previous = getResource(ctx, 'deployments', deploymentId(call));
  const identity = managedIdentity(ctx, body.identity, previous?.identity);
  const deployment: ArmResource = {
    id: previous?.id ?? deploymentId(call),
    name: previous?.name ?? call.params.deploymentName,
    type: `${ML_NAMESPACE}/workspaces/onlineEndpoints/deployments`,
    location: body.location,
    kind: body.kind ?? previous?.kind ?? expectedType,
    tags: body.tags ?? previous?.tags ?? {},
    ...(identity ? { identity } : {}),
    sku: { name: 'Default', tier: 'Standard', capacity: 1, ...previous?.sku, ...body.sku },
    properties: {
      description: null,
      properties: {},
      environmentVariables: {},
      appInsightsEnabled: false,
      egressPublicNetworkAccess: 'Enabled',
      scaleSettings: { scaleType: 'Default' },
      requestSettings: { requestTimeout: 'PT5S', maxConcurrentRequestsPerInstance: 1, maxQueueWait: 'PT0.5S' },
      livenessProbe: { initialDelay: 'PT10M', period: 'PT10S', timeout: 'PT2S', successThreshold: 1, failureThreshold: 30 },
      readinessProbe: { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', successThreshold: 1, failureThreshold: 30 },
      ...requested,
      provisioningState: previous ? 'Updating' : 'Creating',
    },
    systemData: systemDataFor(ctx, call.principal, previous?.systemData),
  };
  const failure = unhealthyFault(call) ? CONTAINER_CRASHED : undefined;
  // Marked at once, so a served deployment's container crashes for real (its logs say why).
  putResource(ctx, 'deployments', withCrashMark(deployment, failure));
  const op = startOperation(call, { effect: 'deploymentProvisioned', resourceId: deployment.id, resourceCollection: 'deployments', failure });
  return jsonResponse(deployment, previous ? 200 : 201, operationHeaders(call, op, false));
}

/** PATCH: sku (instance count) and tags (PartialMinimalTrackedResourceWithSku). */
function update(call: ArmCall): HostResponse {
  const body = jsonBody(call) as Properties;
  validateBody(body, 'PartialMinimalTrackedResourceWithSku');
  const deployment = findResource(call.ctx, 'deployments', deploymentId(call));
  const failure = unhealthyFault(call) ? CONTAINER_CRASHED : undefined;
  return beginPatch(call, 'deployments', withCrashMark(deployment, failure), { tags: body.tags ?? deployment.tags, sku: { ...deployment.sku, ...body.sku } }, 'deploymentProvisioned', failure);
}

function remove(call: ArmCall): HostResponse {
  const endpoint = findResource(call.ctx, 'endpoints', endpointId(call));
  const deployment = getResource(call.ctx, 'deployments', deploymentId(call));
  if (!deployment) return { status: 204 };
  for (const field of ['traffic', 'mirrorTraffic']) {
    const share = Object.entries((endpoint.properties[field] ?? {}) as Record<string, number>).find(([name]) => name.toLowerCase() === deployment.name.toLowerCase())?.[1] ?? 0;
    if (share > 0) {
      throw userError(`Deployment '${deployment.name}' receives ${share}% of endpoint '${endpoint.name}' ${field === 'traffic' ? 'traffic' : 'mirror traffic'}. Set it to 0 before deleting the deployment.`);
    }
  }
  return beginDelete(call, 'deployments', deployment, 'deploymentDeleted');
}

registerEffect('deploymentProvisioned', {
  // A served deployment is provisioned once its containers have started or failed to.
  ready: (ctx, op) => containersOf(ctx, op.resourceId)?.state !== 'Starting',
  failure: (ctx, op) => {
    const containers = containersOf(ctx, op.resourceId);
    return containers?.state === 'Failed' ? containers.error : undefined;
  },
  complete: (ctx, op, outcome) => {
    const deployment = getResource(ctx, 'deployments', op.resourceId);
    if (deployment) putResource(ctx, 'deployments', withHealth(deployment, outcome === 'Succeeded' ? 'Succeeded' : 'Failed', op.failure));
  },
});

registerEffect('deploymentDeleted', {
  complete: (ctx, op, outcome) => {
    const deployment = getResource(ctx, 'deployments', op.resourceId);
    if (outcome === 'Succeeded') deleteResource(ctx, 'deployments', op.resourceId);
    else if (deployment) putResource(ctx, 'deployments', withHealth(deployment, 'Failed', op.failure));
  },
});

/** Internal marker of a crashed container, kept out of responses. */
const CRASHED_MARK = 'azureml.emulator.containerCrashed';

function withCrashMark(deployment: ArmResource, failure?: ArmErrorDetail): ArmResource {
  const properties: Properties = { ...deployment.properties.properties };
  if (failure?.code === CONTAINER_CRASHED.code) properties[CRASHED_MARK] = 'true';
  else delete properties[CRASHED_MARK];
  return { ...deployment, properties: { ...deployment.properties, properties } };
}

/** Whether an injected fault crashed the deployment's container (the serving host starts it crashing). */
export function isCrashMarked(deployment: ArmResource): boolean {
  return deployment.properties.properties?.[CRASHED_MARK] === 'true';
}

function withHealth(deployment: ArmResource, provisioningState: string, failure?: ArmErrorDetail): ArmResource {
  const marked = withCrashMark(deployment, failure);
  return { ...marked, properties: { ...marked.properties, provisioningState } };
}

function view(deployment: ArmResource): ArmResource {
  const { [CRASHED_MARK]: _crashed, ...properties } = deployment.properties.properties ?? {};
  return { ...deployment, properties: { ...deployment.properties, properties } };
}

/** GET: a deploymentUnhealthy fault turns a running deployment Failed (its container crashed). */
function get(call: ArmCall): HostResponse {
  let deployment = findResource(call.ctx, 'deployments', deploymentId(call));
  if (deployment.properties.provisioningState === 'Succeeded' && unhealthyFault(call)) {
    deployment = withHealth(deployment, 'Failed', CONTAINER_CRASHED);
    putResource(call.ctx, 'deployments', deployment);
  }
  return jsonResponse(view(deployment));
}

function getLogs(call: ArmCall): HostResponse {
  const body = (jsonBody(call) ?? {}) as Properties;
  validateBody(body, 'DeploymentLogsRequest');
  const deployment = findResource(call.ctx, 'deployments', deploymentId(call));
  const tail = Number(body.tail ?? 0);
  const containerType: ContainerType = body.containerType === 'StorageInitializer' ? 'StorageInitializer' : 'InferenceServer';
  const logFile = containersOf(call.ctx, deployment.id)?.logFiles[containerType];
  if (logFile) {
    const served = (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '').replace(/\n$/, '').split('\n');
    return jsonResponse({ content: (tail > 0 ? served.slice(-tail) : served).join('\n') });
  }
  const at = isoTime(call.ctx.now());
  const crashed = isCrashMarked(deployment);
  const lines =
    containerType === 'StorageInitializer'
      ? [`${at} | Downloading model ${deployment.properties.model ?? ''}`, `${at} | Model download complete.`]
      : crashed
        ? [`${at} | Starting gunicorn 20.1.0`, `${at} | Booting worker with pid: 42`, `${at} | Exception in worker process: init() failed`, `${at} | Worker exiting (pid: 42)`, `${at} | Shutting down: Master`]
        : [`${at} | Starting gunicorn 20.1.0`, `${at} | Booting worker with pid: 42`, `${at} | Initializing logger`, `${at} | Users's init has completed successfully`, `${at} | Scoring timeout setting is not found. Use default timeout: 3600000 ms`];
  return jsonResponse({ content: (tail > 0 ? lines.slice(-tail) : lines).join('\n') });
}

export const deploymentRoutes: Route[] = [
  { method: 'GET', pattern: `${ENDPOINT}/deployments`, provider: 'ml', resourceType: 'workspaces/onlineEndpoints/deployments', handle: (call) => listResponse(listChildren(call.ctx, 'deployments', findResource(call.ctx, 'endpoints', endpointId(call)).id, 'deployments').map(view)) },
  { method: 'GET', pattern: DEPLOYMENT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints/deployments', handle: get },
  { method: 'PUT', pattern: DEPLOYMENT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints/deployments', handle: createOrUpdate },
  { method: 'PATCH', pattern: DEPLOYMENT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints/deployments', handle: update },
  { method: 'DELETE', pattern: DEPLOYMENT, provider: 'ml', resourceType: 'workspaces/onlineEndpoints/deployments', handle: remove },
  { method: 'POST', pattern: `${DEPLOYMENT}/getLogs`, provider: 'ml', resourceType: 'workspaces/onlineEndpoints/deployments', handle: getLogs },
  {
    method: 'GET',
    pattern: `${DEPLOYMENT}/skus`,
    provider: 'ml',
    resourceType: 'workspaces/onlineEndpoints/deployments/skus',
    handle: (call) => {
      findResource(call.ctx, 'deployments', deploymentId(call));
      return jsonResponse({ value: [{ resourceType: `${ML_NAMESPACE}/workspaces/onlineEndpoints/deployments`, sku: { name: 'Default', tier: 'Standard' }, capacity: { minimum: 1, maximum: 20, default: 1, scaleType: 'Automatic' } }], nextLink: null });
    },
  },
];
