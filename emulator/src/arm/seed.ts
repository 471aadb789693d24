// The state a new emulator starts with: the workspace, its blob datastores, three computes and
// the regional quota.
import type { ServiceContext } from '../contract';
import { amlComputeProperties } from './computes';
import { seedDatastores } from './datastores';
import { type ArmResource, ML_NAMESPACE, type Properties, isoTime, putResource, systemDataFor } from './resources';
import { seedQuotas } from './vmSizes';
import { seedWorkspace } from './workspaces';

function compute(ctx: ServiceContext, workspace: ArmResource, name: string, computeType: string, properties: Properties, extra: Properties = {}): void {
  const now = isoTime(ctx.now());
  putResource(ctx, 'computes', {
    id: `${workspace.id}/computes/${name}`,
    name,
    type: `${ML_NAMESPACE}/workspaces/computes`,
    location: ctx.facts.location,
    tags: {},
    properties: {
      computeLocation: ctx.facts.location,
      description: null,
      resourceId: null,
      disableLocalAuth: false,
      createdOn: now,
      modifiedOn: now,
      computeType,
      provisioningState: 'Succeeded',
      provisioningErrors: null,
      isAttachedCompute: computeType === 'Kubernetes',
      ...extra,
      properties,
    },
    systemData: systemDataFor(ctx, { objectId: '', appId: 'emulator', tenantId: ctx.facts.tenantId, audience: '' }),
  });
}

export function seedArmState(ctx: ServiceContext): void {
  const workspace = seedWorkspace(ctx);
  seedDatastores(ctx, workspace);
  seedQuotas(ctx);
  compute(ctx, workspace, 'cpu-cluster', 'AmlCompute', amlComputeProperties({ vmSize: 'STANDARD_DS3_V2', scaleSettings: { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT120S' } }));
  const rgId = `/subscriptions/${ctx.facts.subscriptionId}/resourceGroups/${ctx.facts.resourceGroupName}`;
  compute(
    ctx,
    workspace,
    'k8s-compute',
    'Kubernetes',
    {
      namespace: 'azureml',
      extensionInstanceReleaseTrain: 'stable',
      defaultInstanceType: 'defaultinstancetype',
      instanceTypes: {
        defaultinstancetype: { nodeSelector: null, resources: { requests: { cpu: '100m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': null } } },
        cpularge: { nodeSelector: null, resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': null } } },
        gpu: { nodeSelector: { accelerator: 'nvidia' }, resources: { requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' } } },
      },
    },
    { resourceId: `${rgId}/providers/Microsoft.ContainerService/managedClusters/aks-${ctx.facts.workspaceName}` },
  );
  compute(ctx, workspace, 'dev-instance', 'ComputeInstance', {
    vmSize: 'STANDARD_DS3_V2',
    applicationSharingPolicy: 'Personal',
    computeInstanceAuthorizationType: 'personal',
    sshSettings: { sshPublicAccess: 'Disabled', adminUserName: 'azureuser', sshPort: 4001 },
    connectivityEndpoints: { publicIpAddress: null, privateIpAddress: '10.0.1.4' },
    applications: [],
    errors: null,
    state: 'Stopped',
    lastOperation: { operationName: 'Stop', operationTime: isoTime(ctx.now()), operationStatus: 'Succeeded' },
  });
}
