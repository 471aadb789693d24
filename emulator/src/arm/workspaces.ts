// Microsoft.Resources reads (subscriptions, resource groups), the cloud metadata document, and
// Azure ML workspaces (read and list; the workspace itself is seeded, not created through ARM).
import { randomUUID } from 'node:crypto';
import type { Principal, ServiceContext, WorkspaceFacts } from '../contract';
import { isAuthorized } from './auth';
import { type ArmResource, ML_NAMESPACE, getResource, jsonResponse, listResponse, putResource, systemDataFor, workspaceId, SERVICE_PRINCIPAL } from './resources';
import type { Route } from './router';

const SUB = '/subscriptions/{subscriptionId}';
const RG = `${SUB}/resourceGroups/{resourceGroupName}`;

function subscriptionDocument(ctx: ServiceContext) {
  return {
    id: `/subscriptions/${ctx.facts.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: ctx.facts.subscriptionId,
    tenantId: ctx.facts.tenantId,
    displayName: 'Azure ML emulator subscription',
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

function resourceGroupDocument(ctx: ServiceContext) {
  return {
    id: `/subscriptions/${ctx.facts.subscriptionId}/resourceGroups/${ctx.facts.resourceGroupName}`,
    name: ctx.facts.resourceGroupName,
    type: 'Microsoft.Resources/resourceGroups',
    location: ctx.facts.location,
    properties: { provisioningState: 'Succeeded' },
  };
}

/** Workspaces the caller may read: ARM filters collection reads by access instead of refusing them. */
function readableWorkspaces(ctx: ServiceContext, principal: Principal): ArmResource[] {
  return ctx.store
    .list<ArmResource>('arm.workspaces')
    .map(({ value }) => value)
    .filter((w) => isAuthorized(ctx, principal, `${ML_NAMESPACE}/workspaces/read`, w.id));
}

/** The Azure cloud metadata document (ARM's /metadata/endpoints), used for custom-cloud discovery. */
function cloudMetadata(apiVersion: string) {
  const login = 'https://login.microsoftonline.com/';
  const audiences = ['https://management.core.windows.net/', 'https://management.azure.com/'];
  if (apiVersion === '2015-01-01' || apiVersion === '') {
    return {
      galleryEndpoint: 'https://gallery.azure.com/',
      graphEndpoint: 'https://graph.windows.net/',
      portalEndpoint: 'https://portal.azure.com/',
      authentication: { loginEndpoint: login, audiences },
    };
  }
  return [
    {
      portal: 'https://portal.azure.com',
      authentication: { loginEndpoint: login, audiences, tenant: 'common', identityProvider: 'AAD' },
      media: 'https://rest.media.azure.net',
      graphAudience: 'https://graph.windows.net/',
      graph: 'https://graph.windows.net/',
      name: 'AzureCloud',
      suffixes: { azureDataLakeStoreFileSystem: 'azuredatalakestore.net', acrLoginServer: 'azurecr.io', sqlServerHostname: 'database.windows.net', keyVaultDns: 'vault.azure.net', storage: 'core.windows.net' },
      batch: 'https://batch.core.windows.net/',
      resourceManager: 'https://management.azure.com/',
      vmImageAliasDoc: 'https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json',
      activeDirectoryDataLake: 'https://datalake.azure.net/',
      sqlManagement: 'https://management.core.windows.net:8443/',
      gallery: 'https://gallery.azure.com/',
      microsoftGraphResourceId: 'https://graph.microsoft.com/',
    },
  ];
}

export const workspaceRoutes: Route[] = [
  { method: 'GET', pattern: '/metadata/endpoints', provider: 'resources', resourceType: 'metadata', authenticated: false, handle: ({ apiVersion }) => jsonResponse(cloudMetadata(apiVersion)) },
  {
    method: 'GET',
    pattern: '/subscriptions',
    provider: 'resources',
    resourceType: 'subscriptions',
    authorized: false,
    handle: ({ ctx, principal }) => {
      // Like ARM, only the subscriptions the caller holds a role assignment in.
      const visible = ctx.roleAssignments().some((a) => a.principalId === principal.objectId && a.scope.toLowerCase().startsWith(`/subscriptions/${ctx.facts.subscriptionId.toLowerCase()}`));
      const value = visible ? [subscriptionDocument(ctx)] : [];
      return jsonResponse({ value, count: { type: 'Total', value: value.length } });
    },
  },
  { method: 'GET', pattern: SUB, provider: 'resources', resourceType: 'subscriptions', handle: ({ ctx }) => jsonResponse(subscriptionDocument(ctx)) },
  { method: 'GET', pattern: `${SUB}/resourceGroups`, provider: 'resources', resourceType: 'resourceGroups', handle: ({ ctx }) => listResponse([resourceGroupDocument(ctx)]) },
  { method: 'GET', pattern: RG, provider: 'resources', resourceType: 'resourceGroups', handle: ({ ctx }) => jsonResponse(resourceGroupDocument(ctx)) },
  { method: 'GET', pattern: `${SUB}/providers/${ML_NAMESPACE}/workspaces`, provider: 'ml', resourceType: 'workspaces', authorized: false, handle: ({ ctx, principal }) => listResponse(readableWorkspaces(ctx, principal)) },
  {
    method: 'GET',
    pattern: `${RG}/providers/${ML_NAMESPACE}/workspaces`,
    provider: 'ml',
    resourceType: 'workspaces',
    authorized: false,
    handle: ({ ctx, params, principal }) => listResponse(readableWorkspaces(ctx, principal).filter((w) => w.id.toLowerCase().includes(`/resourcegroups/${params.resourceGroupName.toLowerCase()}/`))),
  },
  {
    method: 'GET',
    pattern: `${RG}/providers/${ML_NAMESPACE}/workspaces/{workspaceName}`,
    provider: 'ml',
    resourceType: 'workspaces',
    handle: ({ ctx, params }) => jsonResponse(getResource(ctx, 'workspaces', workspaceId(ctx, params.resourceGroupName, params.workspaceName))),
  },
];

/** Creates a workspace of the emulated cloud. */
export function seedWorkspace(ctx: ServiceContext, seeded: WorkspaceFacts): ArmResource {
  const facts = { ...ctx.facts, ...seeded };
  const id = workspaceId(ctx, facts.resourceGroupName, facts.workspaceName);
  const rgId = `/subscriptions/${facts.subscriptionId}/resourceGroups/${facts.resourceGroupName}`;
  const workspaceGuid = randomUUID();
  const workspace: ArmResource = {
    id,
    name: facts.workspaceName,
    type: `${ML_NAMESPACE}/workspaces`,
    location: facts.location,
    tags: {},
    sku: { name: 'Basic', tier: 'Basic' },
    identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: facts.tenantId },
    properties: {
      workspaceId: workspaceGuid,
      friendlyName: facts.workspaceName,
      description: 'Azure ML workspace of the local emulator',
      storageAccount: `${rgId}/providers/Microsoft.Storage/storageAccounts/${facts.storageAccountName}`,
      keyVault: `${rgId}/providers/Microsoft.KeyVault/vaults/kv${facts.workspaceName.replace(/[^a-zA-Z0-9]/g, '').slice(0, 20)}`,
      applicationInsights: `${rgId}/providers/Microsoft.insights/components/ai${facts.workspaceName}`,
      containerRegistry: `${rgId}/providers/Microsoft.ContainerRegistry/registries/cr${facts.workspaceName.replace(/[^a-zA-Z0-9]/g, '')}`,
      discoveryUrl: `https://${facts.location}.api.azureml.ms/discovery`,
      mlFlowTrackingUri: `azureml://${facts.location}.api.azureml.ms/mlflow/v1.0${id}`,
      hbiWorkspace: false,
      allowPublicAccessWhenBehindVnet: false,
      publicNetworkAccess: 'Enabled',
      privateLinkCount: 0,
      privateEndpointConnections: [],
      sharedPrivateLinkResources: [],
      serviceProvisionedResourceGroup: `azureml-rg-${facts.workspaceName}_${workspaceGuid}`,
      storageHnsEnabled: false,
      v1LegacyMode: false,
      notebookInfo: { fqdn: `ml-${facts.workspaceName}-${facts.location}-${workspaceGuid}.notebooks.azure.net`, resourceId: workspaceGuid.replace(/-/g, '') },
      provisioningState: 'Succeeded',
      tenantId: facts.tenantId,
    },
    systemData: systemDataFor(ctx, SERVICE_PRINCIPAL),
  };
  putResource(ctx, 'workspaces', workspace);
  return workspace;
}
