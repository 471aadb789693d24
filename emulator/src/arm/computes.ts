// Workspace computes: AmlCompute (autoscaling clusters), ComputeInstance (start/stop/restart) and
// attached Kubernetes, created, updated and deleted as long-running operations.
import { randomUUID } from 'node:crypto';
import type { HostResponse, ServiceContext } from '../contract';
import { deleteNodePool, listClusterNodes, liveClusterProperties } from './computeNodes';
import { userError } from './errors';
import { type Operation, accepted, operationHeaders, registerEffect, startOperation } from './lro';
import { checkComputeName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, isoTime, jsonResponse, listChildren, listResponse, managedIdentity, putResource, systemDataFor, WS, workspaceOf } from './resources';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';
import { findVmSize } from './vmSizes';

const COMPUTE = `${WS}/computes/{computeName}`;

function computeId(call: ArmCall, name = call.params.computeName): string {
  return `${workspaceOf(call).id}/computes/${name}`;
}

/**
 * Whether a computeStuckResizing fault holds the cluster in Resizing. `call` is the request that
 * reads or changes the compute (it may set off a fault registered for its method); reads count
 * one use of a count-bound fault.
 */
function stuckResizing(ctx: ServiceContext, compute: ArmResource, call?: ArmCall, read = false): boolean {
  if (compute.properties.computeType !== 'AmlCompute') return false;
  const stuck = ctx.faults.holds('computeStuckResizing', compute.id, call?.req.method, read);
  if (stuck && read) ctx.log(`ARM: compute ${compute.name} reported stuck Resizing (computeStuckResizing fault)`);
  return stuck;
}

/** The compute as a client reads it: stored definition plus live state (nodes, allocation). */
export function computeView(call: ArmCall, compute: ArmResource): ArmResource {
  const { ctx } = call;
  if (compute.properties.computeType !== 'AmlCompute' || compute.properties.provisioningState === 'Creating') return compute;
  const stuck = stuckResizing(ctx, compute, call, true);
  return { ...compute, properties: { ...compute.properties, properties: { ...compute.properties.properties, ...liveClusterProperties(ctx, compute, stuck) } } };
}

export interface ComputeDefinition extends Pick<ArmResource, 'id' | 'name' | 'location' | 'tags' | 'identity' | 'sku' | 'systemData'> {
  computeType: string;
  /** The type-specific properties (properties.properties). */
  properties: Properties;
  /** Envelope fields that differ from a new, provisioned compute's defaults. */
  envelope?: Properties;
}

/** A compute resource as the service stores it: the common envelope around the type's properties. */
export function computeResource(ctx: ServiceContext, definition: ComputeDefinition): ArmResource {
  const { computeType, properties, envelope, identity, ...resource } = definition;
  const now = isoTime(ctx.now());
  return {
    ...resource,
    ...(identity ? { identity } : {}),
    type: `${ML_NAMESPACE}/workspaces/computes`,
    tags: resource.tags ?? {},
    properties: {
      computeLocation: resource.location,
      description: null,
      resourceId: null,
      disableLocalAuth: false,
      provisioningState: 'Succeeded',
      ...envelope,
      createdOn: envelope?.createdOn ?? now,
      modifiedOn: now,
      computeType,
      provisioningErrors: null,
      isAttachedCompute: !['amlcompute', 'computeinstance'].includes(computeType.toLowerCase()),
      properties,
    },
  };
}

/** The instance type an attached Kubernetes compute gets when it defines none. */
export const DEFAULT_INSTANCE_TYPE = {
  defaultinstancetype: { nodeSelector: null, resources: { requests: { cpu: '100m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': null } } },
};

/** AmlCompute properties with the service's defaults, scale settings completed and checked. */
export function amlComputeProperties(requested: Properties, previous?: Properties): Properties {
  const scale = requested.scaleSettings ?? previous?.scaleSettings ?? { maxNodeCount: 1 };
  const scaleSettings = { maxNodeCount: scale.maxNodeCount, minNodeCount: scale.minNodeCount ?? 0, nodeIdleTimeBeforeScaleDown: scale.nodeIdleTimeBeforeScaleDown ?? 'PT120S' };
  if (scaleSettings.minNodeCount < 0 || scaleSettings.maxNodeCount < scaleSettings.minNodeCount) {
    throw userError(`Invalid scale settings: minNodeCount (${scaleSettings.minNodeCount}) must be between 0 and maxNodeCount (${scaleSettings.maxNodeCount}).`, 'properties.properties.scaleSettings');
  }
  return {
    osType: 'Linux',
    vmSize: 'STANDARD_DS3_V2',
    vmPriority: 'Dedicated',
    virtualMachineImage: null,
    isolatedNetwork: false,
    subnet: null,
    remoteLoginPortPublicAccess: 'NotSpecified',
    enableNodePublicIp: true,
    propertyBag: null,
    ...previous,
    ...requested,
    scaleSettings,
  };
}

function computeInstanceProperties(ctx: ServiceContext, call: ArmCall, requested: Properties, name: string): Properties {
  return {
    vmSize: 'STANDARD_DS3_V2',
    applicationSharingPolicy: 'Shared',
    computeInstanceAuthorizationType: 'personal',
    sshSettings: { sshPublicAccess: 'Disabled', adminUserName: 'azureuser', sshPort: 4001 },
    ...requested,
    connectivityEndpoints: { publicIpAddress: null, privateIpAddress: '10.0.1.4' },
    applications: ['Jupyter', 'JupyterLab'].map((app) => ({ displayName: app, endpointUri: `https://${name}.${ctx.facts.location}.instances.azureml.ms/${app.toLowerCase()}` })),
    createdBy: { userName: call.principal.appId, userOrgId: call.principal.tenantId, userId: call.principal.objectId },
    errors: null,
    state: 'Creating',
    lastOperation: { operationName: 'Create', operationTime: isoTime(ctx.now()), operationStatus: 'InProgress' },
  };
}

function kubernetesProperties(requested: Properties): Properties {
  const instanceTypes = requested.instanceTypes ?? DEFAULT_INSTANCE_TYPE;
  return { namespace: 'default', extensionInstanceReleaseTrain: 'stable', ...requested, instanceTypes, defaultInstanceType: requested.defaultInstanceType ?? Object.keys(instanceTypes)[0] };
}

function checkVmSize(ctx: ServiceContext, vmSize: string | undefined): void {
  if (vmSize && !findVmSize(vmSize)) {
    throw userError(`The specified VM size '${vmSize}' is not available in region '${ctx.facts.location}'. Use the virtual machine sizes API to list the sizes available.`, 'properties.properties.vmSize');
  }
}

function createOrUpdate(call: ArmCall): HostResponse {
  const { ctx } = call;
  const body = jsonBody(call) as Properties;
  validateBody(body, 'ComputeResource');
  const requested = body.properties as Properties;
  const computeType: string = requested.computeType;
  checkComputeName(call.params.computeName, computeType);
  const id = computeId(call);
  const existing = getResource(ctx, 'computes', id);
  const inner = (requested.properties ?? {}) as Properties;
  checkVmSize(ctx, inner.vmSize);
  if (existing) {
    if (existing.properties.computeType.toLowerCase() !== computeType.toLowerCase()) {
      throw userError(`Compute '${existing.name}' already exists with computeType '${existing.properties.computeType}'; its type cannot change. Delete it first or choose another name.`, 'properties.computeType');
    }
    const oldSize = existing.properties.properties?.vmSize;
    if (inner.vmSize && oldSize && inner.vmSize.toLowerCase() !== oldSize.toLowerCase()) {
      throw userError(`Updating property 'properties.properties.vmSize' of existing compute '${existing.name}' is not supported (current '${oldSize}', requested '${inner.vmSize}'). Delete the compute and create it again, or choose another name.`, 'properties.properties.vmSize');
    }
  }
  const canonicalType = existing?.properties.computeType ?? computeType;
  const name = existing?.name ?? call.params.computeName;
  let properties: Properties;
  switch (canonicalType.toLowerCase()) {
    case 'amlcompute':
      properties = amlComputeProperties(inner, existing?.properties.properties);
      break;
    case 'computeinstance':
      properties = existing ? { ...existing.properties.properties, ...inner, state: existing.properties.properties.state } : computeInstanceProperties(ctx, call, inner, name);
      break;
    case 'kubernetes':
      properties = kubernetesProperties({ ...existing?.properties.properties, ...inner });
      break;
    default:
      properties = { ...existing?.properties.properties, ...inner };
  }
  const location = body.location ?? existing?.location ?? ctx.facts.location;
  const compute = computeResource(ctx, {
    id: existing?.id ?? id,
    name,
    location,
    tags: body.tags ?? existing?.tags ?? {},
    identity: managedIdentity(ctx, body.identity, existing?.identity),
    ...(body.sku ? { sku: body.sku } : {}),
    computeType: canonicalType,
    properties,
    envelope: {
      description: requested.description ?? existing?.properties.description ?? null,
      resourceId: requested.resourceId ?? existing?.properties.resourceId ?? null,
      disableLocalAuth: requested.disableLocalAuth ?? existing?.properties.disableLocalAuth ?? false,
      createdOn: existing?.properties.createdOn,
      provisioningState: existing ? 'Updating' : 'Creating',
    },
    systemData: systemDataFor(ctx, call.principal, existing?.systemData),
  });
  putResource(ctx, 'computes', compute);
  stuckResizing(ctx, compute, call); // sets off a computeStuckResizing fault registered for PUT
  const op = startOperation(call, { effect: 'computeProvisioned', resourceId: compute.id, resourceCollection: 'computes' });
  return jsonResponse(compute, existing ? 200 : 201, operationHeaders(call, op, false));
}

function patch(call: ArmCall): HostResponse {
  const { ctx } = call;
  const body = jsonBody(call) as Properties;
  validateBody(body, 'ClusterUpdateParameters');
  const compute = findResource(ctx, 'computes', computeId(call));
  if (compute.properties.computeType !== 'AmlCompute') {
    throw userError(`Compute '${compute.name}' is of type '${compute.properties.computeType}'; only AmlCompute scale settings can be updated.`, 'properties.properties.scaleSettings');
  }
  const scaleSettings = body.properties?.properties?.scaleSettings;
  const updated: ArmResource = {
    ...compute,
    properties: {
      ...compute.properties,
      provisioningState: 'Updating',
      modifiedOn: isoTime(ctx.now()),
      properties: amlComputeProperties(scaleSettings ? { scaleSettings } : {}, compute.properties.properties),
    },
    systemData: systemDataFor(ctx, call.principal, compute.systemData),
  };
  putResource(ctx, 'computes', updated);
  stuckResizing(ctx, updated, call); // sets off a computeStuckResizing fault registered for PATCH
  const op = startOperation(call, { effect: 'computeProvisioned', resourceId: updated.id, resourceCollection: 'computes' });
  return jsonResponse(updated, 200, operationHeaders(call, op, false));
}

function remove(call: ArmCall): HostResponse {
  const { ctx } = call;
  const action = call.req.url.searchParams.get('underlyingResourceAction');
  if (!action || !['delete', 'detach'].includes(action.toLowerCase())) {
    throw userError(`The query parameter 'underlyingResourceAction' is required and must be 'Delete' or 'Detach' (got '${action ?? ''}').`, 'underlyingResourceAction');
  }
  const compute = getResource(ctx, 'computes', computeId(call));
  if (!compute) return { status: 204 };
  putResource(ctx, 'computes', { ...compute, properties: { ...compute.properties, provisioningState: 'Deleting' } });
  return accepted(call, startOperation(call, { effect: 'computeDeleted', resourceId: compute.id, resourceCollection: 'computes' }));
}

const INSTANCE_TRANSITIONS = {
  start: { during: 'Starting', after: 'Running', operation: 'Start' },
  stop: { during: 'Stopping', after: 'Stopped', operation: 'Stop' },
  restart: { during: 'Restarting', after: 'Running', operation: 'Restart' },
} as const;

function instanceAction(verb: keyof typeof INSTANCE_TRANSITIONS) {
  return (call: ArmCall): HostResponse => {
    const { ctx } = call;
    const compute = findResource(ctx, 'computes', computeId(call));
    if (compute.properties.computeType !== 'ComputeInstance') {
      throw userError(`Compute '${compute.name}' is of type '${compute.properties.computeType}'; ${verb} applies to compute instances only.`);
    }
    const transition = INSTANCE_TRANSITIONS[verb];
    const lastOperation = { operationName: transition.operation, operationTime: isoTime(ctx.now()), operationStatus: 'InProgress' };
    putResource(ctx, 'computes', { ...compute, properties: { ...compute.properties, properties: { ...compute.properties.properties, state: transition.during, lastOperation } } });
    return accepted(call, startOperation(call, { effect: 'computeInstanceState', resourceId: compute.id, resourceCollection: 'computes', args: { state: transition.after } }));
  };
}

function updateStored(ctx: ServiceContext, op: Operation, change: (compute: ArmResource) => ArmResource): void {
  const compute = getResource(ctx, 'computes', op.resourceId);
  if (compute) putResource(ctx, 'computes', change(compute));
}

function finishLastOperation(properties: Properties, outcome: string): Properties {
  return properties.lastOperation ? { ...properties.lastOperation, operationStatus: outcome === 'Succeeded' ? 'Succeeded' : 'Failed' } : properties.lastOperation;
}

registerEffect('computeProvisioned', {
  complete: (ctx, op, outcome) =>
    updateStored(ctx, op, (c) => {
      const inner = { ...c.properties.properties };
      if (c.properties.computeType === 'ComputeInstance' && inner.state === 'Creating') {
        inner.state = outcome === 'Succeeded' ? 'Running' : 'CreateFailed';
        inner.lastOperation = finishLastOperation(inner, outcome);
      }
      const provisioningErrors = outcome === 'Failed' ? [{ error: op.failure }] : null;
      return { ...c, properties: { ...c.properties, provisioningState: outcome, provisioningErrors, properties: inner } };
    }),
});

registerEffect('computeDeleted', {
  complete: (ctx, op, outcome) => {
    if (outcome === 'Failed') return updateStored(ctx, op, (c) => ({ ...c, properties: { ...c.properties, provisioningState: 'Failed', provisioningErrors: [{ error: op.failure }] } }));
    deleteResource(ctx, 'computes', op.resourceId);
    deleteNodePool(ctx, op.resourceId);
  },
});

registerEffect('computeInstanceState', {
  complete: (ctx, op, outcome) =>
    updateStored(ctx, op, (c) => {
      const inner = c.properties.properties;
      const state = outcome === 'Succeeded' ? op.args?.state : inner.state === 'Starting' ? 'Stopped' : 'Running';
      return { ...c, properties: { ...c.properties, properties: { ...inner, state, lastOperation: finishLastOperation(inner, outcome) } } };
    }),
});

function listNodes(call: ArmCall): HostResponse {
  const compute = findResource(call.ctx, 'computes', computeId(call));
  if (compute.properties.computeType !== 'AmlCompute') {
    throw userError(`Compute '${compute.name}' is of type '${compute.properties.computeType}'; listNodes applies to AmlCompute clusters only.`);
  }
  stuckResizing(call.ctx, compute, call); // sets off a computeStuckResizing fault registered for POST
  return jsonResponse({ nodes: listClusterNodes(call.ctx, compute), nextLink: null });
}

function listKeys(call: ArmCall): HostResponse {
  const compute = findResource(call.ctx, 'computes', computeId(call));
  const type = compute.properties.computeType;
  if (type === 'AKS') return jsonResponse({ computeType: 'AKS', userKubeConfig: '', adminKubeConfig: '', imagePullSecretName: null });
  if (type === 'VirtualMachine') return jsonResponse({ computeType: 'VirtualMachine', administratorAccount: { username: 'azureuser', password: randomUUID() } });
  throw userError(`Compute '${compute.name}' of type '${type}' has no keys to list.`);
}

export const computeRoutes: Route[] = [
  { method: 'GET', pattern: `${WS}/computes`, provider: 'ml', resourceType: 'workspaces/computes', handle: (call) => listResponse(listChildren(call.ctx, 'computes', workspaceOf(call).id, 'computes').map((c) => computeView(call, c))) },
  { method: 'GET', pattern: COMPUTE, provider: 'ml', resourceType: 'workspaces/computes', handle: (call) => jsonResponse(computeView(call, findResource(call.ctx, 'computes', computeId(call)))) },
  { method: 'PUT', pattern: COMPUTE, provider: 'ml', resourceType: 'workspaces/computes', handle: createOrUpdate },
  { method: 'PATCH', pattern: COMPUTE, provider: 'ml', resourceType: 'workspaces/computes', handle: patch },
  { method: 'DELETE', pattern: COMPUTE, provider: 'ml', resourceType: 'workspaces/computes', handle: remove },
  { method: 'POST', pattern: `${COMPUTE}/listNodes`, provider: 'ml', resourceType: 'workspaces/computes', handle: listNodes },
  { method: 'POST', pattern: `${COMPUTE}/listKeys`, provider: 'ml', resourceType: 'workspaces/computes', handle: listKeys },
  { method: 'POST', pattern: `${COMPUTE}/start`, provider: 'ml', resourceType: 'workspaces/computes', handle: instanceAction('start') },
  { method: 'POST', pattern: `${COMPUTE}/stop`, provider: 'ml', resourceType: 'workspaces/computes', handle: instanceAction('stop') },
  { method: 'POST', pattern: `${COMPUTE}/restart`, provider: 'ml', resourceType: 'workspaces/computes', handle: instanceAction('restart') },
];
