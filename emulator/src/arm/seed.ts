// The state a new emulator starts with: the workspace, its blob datastores, three computes and
// the regional quota.
import type { ServiceContext } from '../contract';
import { DEFAULT_INSTANCE_TYPE, amlComputeProperties, computeResource } from './computes';
import { seedDatastores } from './datastores';
import { type ArmResource, type Properties, SERVICE_PRINCIPAL, isoTime, putResource, systemDataFor } from './resources';
import { seedQuotas } from './vmSizes';
import { seedWorkspace } from './workspaces';

function compute(ctx: ServiceContext, workspace: ArmResource, name: string, computeType: string, properties: Properties, envelope: Properties = {}): void {
  const location = ctx.facts.location;
  putResource(ctx, 'computes', computeResource(ctx, { id: `${workspace.id}/computes/${name}`, name, location, computeType, properties, envelope, systemData: systemDataFor(ctx, SERVICE_PRINCIPAL) }));
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
        ...DEFAULT_INSTANCE_TYPE,
        cpularge: { nodeSelector: null, resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': null } } },
        gpu: { nodeSelector: { accelerator: 'nvidia' }, resources: { requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' } } },
      },
    },
    { resourceId: `${rgId}/providers/Microsoft.ContainerService/managedClusters/aks-${ctx.facts.workspaceName}` },
  );
  const owner = ctx.roleAssignments().find((a) => a.role === 'Contributor')?.principalId ?? SERVICE_PRINCIPAL.appId;
  compute(ctx, workspace, 'dev-instance', 'ComputeInstance', {
    vmSize: 'STANDARD_DS3_V2',
    applicationSharingPolicy: 'Personal',
    computeInstanceAuthorizationType: 'personal',
    // A Personal instance belongs to one user; the emulated tenant has no users, so it is the first Contributor.
    personalComputeInstanceSettings: { assignedUser: { objectId: owner, tenantId: ctx.facts.tenantId } },
    createdBy: { userName: owner, userOrgId: ctx.facts.tenantId, userId: owner },
    sshSettings: { sshPublicAccess: 'Disabled', adminUserName: 'azureuser', sshPort: 4001 },
    connectivityEndpoints: { publicIpAddress: null, privateIpAddress: '10.0.1.4' },
    applications: [],
    errors: null,
    state: 'Stopped',
    lastOperation: { operationName: 'Stop', operationTime: isoTime(ctx.now()), operationStatus: 'Succeeded' },
  });
}
