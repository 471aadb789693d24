// The state a new emulator starts with: the workspaces (the default one, mlw-dev and mlw-prod),
// each with its blob datastores on its own storage account and its computes, and the regional quota.
import type { ServiceContext, WorkspaceFacts } from '../contract';
import { workspacesOf } from '../workspaceFacts';
import { DEFAULT_INSTANCE_TYPE, amlComputeProperties, computeResource } from './computes';
import { seedDatastores } from './datastores';
import { type ArmResource, type Properties, SERVICE_PRINCIPAL, getResource, isoTime, putResource, systemDataFor, workspaceId } from './resources';
import { seedQuotas } from './vmSizes';
import { seedWorkspace } from './workspaces';

function compute(ctx: ServiceContext, workspace: ArmResource, name: string, computeType: string, properties: Properties, envelope: Properties = {}): void {
  const location = ctx.facts.location;
  putResource(ctx, 'computes', computeResource(ctx, { id: `${workspace.id}/computes/${name}`, name, location, computeType, properties, envelope, systemData: systemDataFor(ctx, SERVICE_PRINCIPAL) }));
}

function kubernetesCompute(ctx: ServiceContext, workspace: ArmResource, seeded: WorkspaceFacts, name: string, clusterName: string, instanceTypes: Properties): void {
  const rgId = `/subscriptions/${ctx.facts.subscriptionId}/resourceGroups/${seeded.resourceGroupName}`;
  compute(
    ctx,
    workspace,
    name,
    'Kubernetes',
    { namespace: 'azureml', extensionInstanceReleaseTrain: 'stable', defaultInstanceType: Object.keys(instanceTypes)[0], instanceTypes },
    { resourceId: `${rgId}/providers/Microsoft.ContainerService/managedClusters/${clusterName}` },
  );
}

const CPU_CLUSTER = amlComputeProperties({ vmSize: 'STANDARD_DS3_V2', scaleSettings: { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT120S' } });

/** The default workspace: a CPU cluster, an AKS cluster with CPU and GPU instance types, a compute instance. */
function seedDefaultWorkspace(ctx: ServiceContext, seeded: WorkspaceFacts, workspace: ArmResource): void {
  compute(ctx, workspace, 'cpu-cluster', 'AmlCompute', CPU_CLUSTER);
  kubernetesCompute(ctx, workspace, seeded, 'k8s-compute', `aks-${seeded.workspaceName}`, {
    ...DEFAULT_INSTANCE_TYPE,
    cpularge: { nodeSelector: null, resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': null } } },
    gpu: { nodeSelector: { accelerator: 'nvidia' }, resources: { requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' } } },
  });
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

/** An environment's workspace (dev, prod): a CPU cluster and its AKS cluster. */
function seedEnvironmentWorkspace(ctx: ServiceContext, seeded: WorkspaceFacts, workspace: ArmResource): void {
  compute(ctx, workspace, 'cpu-cluster', 'AmlCompute', CPU_CLUSTER);
  const { kubernetes } = seeded;
  if (!kubernetes) return;
  const instanceTypes = Object.fromEntries(Object.entries(kubernetes.instanceTypes).map(([name, resources]) => [name, { nodeSelector: null, resources }]));
  kubernetesCompute(ctx, workspace, seeded, kubernetes.computeName, kubernetes.clusterName, instanceTypes);
}

/** Seeds the workspaces the store lacks (all of them in an empty store; new ones in an older state directory). */
export function seedMissingWorkspaces(ctx: ServiceContext): void {
  workspacesOf(ctx.facts).forEach((seeded, index) => {
    if (getResource(ctx, 'workspaces', workspaceId(ctx, seeded.resourceGroupName, seeded.workspaceName))) return;
    const workspace = seedWorkspace(ctx, seeded);
    seedDatastores(ctx, workspace, { name: seeded.storageAccountName, key: seeded.storageAccountKey });
    if (index === 0) seedDefaultWorkspace(ctx, seeded, workspace);
    else seedEnvironmentWorkspace(ctx, seeded, workspace);
  });
}

export function seedArmState(ctx: ServiceContext): void {
  seedMissingWorkspaces(ctx);
  seedQuotas(ctx);
}
