// connection.json: everything a client needs to reach the emulator, and the environment that
// makes unmodified Azure SDKs use it.
import * as fs from 'node:fs';
import type { Cloud } from './cloud';
import type { CloudFacts } from './contract';
import { registriesOf, workspacesOf } from './workspaceFacts';
import { userAssignedResourceId, vmIdentities } from './imds';

export interface ConnectionInfo {
  proxyUrl: string;
  caCertFile: string;
  tenantId: string;
  subscriptionId: string;
  resourceGroupName: string;
  workspaceName: string;
  location: string;
  adminUrl: string;
  storageAccountName: string;
  /** Every workspace (the default one first), for pipelines that span environments (dev, prod); the emulator always writes it. */
  workspaces?: ConnectionWorkspace[];
  /** The Azure ML registries (azureml://registries/<registryName>/...); the emulator always writes it. */
  registries?: ConnectionRegistry[];
  secret: { clientId: string; clientSecret: string; objectId: string };
  certificate: { clientId: string; certificateFile: string; objectId: string };
  federated: { clientId: string; objectId: string; issuer: string; subject: string; audience: string; signingKeyFile: string; keyId: string };
  managedIdentity: { endpoint: string; header: string; clientId: string; objectId: string };
  /**
   * The Azure VM's instance metadata service (IMDS) on a loopback stand-in for 169.254.169.254:
   * clients name it with AZURE_POD_IDENTITY_AUTHORITY_HOST. The VM's system-assigned identity is the
   * same principal as `managedIdentity`; it also has one user-assigned identity.
   */
  imds: {
    authorityHost: string;
    systemAssigned: { clientId: string; objectId: string };
    userAssigned: { clientId: string; objectId: string; resourceId: string };
  };
  reader: { clientId: string; clientSecret: string; objectId: string };
}

export interface ConnectionWorkspace {
  workspaceName: string;
  resourceGroupName: string;
  storageAccountName: string;
  /** The ARM id of its attached Kubernetes compute, when it has one. */
  kubernetesComputeId?: string;
}

export interface ConnectionRegistry {
  registryName: string;
  resourceGroupName: string;
  storageAccountName: string;
}

function connectionWorkspaces(facts: CloudFacts): ConnectionWorkspace[] {
  return workspacesOf(facts).map((w, index) => {
    const computeName = w.kubernetes?.computeName ?? (index === 0 ? 'k8s-compute' : undefined);
    const id = `/subscriptions/${facts.subscriptionId}/resourceGroups/${w.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${w.workspaceName}`;
    return { workspaceName: w.workspaceName, resourceGroupName: w.resourceGroupName, storageAccountName: w.storageAccountName, ...(computeName ? { kubernetesComputeId: `${id}/computes/${computeName}` } : {}) };
  });
}

export function connectionInfo(cloud: Cloud, urls: { proxyUrl: string; adminUrl: string; managedIdentityEndpoint: string; imdsAuthorityHost: string }, caCertFile: string): ConnectionInfo {
  const { facts, identities: ids, federation, files } = cloud;
  const vm = vmIdentities(cloud);
  return {
    proxyUrl: urls.proxyUrl,
    caCertFile,
    tenantId: facts.tenantId,
    subscriptionId: facts.subscriptionId,
    resourceGroupName: facts.resourceGroupName,
    workspaceName: facts.workspaceName,
    location: facts.location,
    adminUrl: urls.adminUrl,
    storageAccountName: facts.storageAccountName,
    workspaces: connectionWorkspaces(facts),
    registries: registriesOf(facts).map(({ registryName, resourceGroupName, storageAccountName }) => ({ registryName, resourceGroupName, storageAccountName })),
    secret: { clientId: ids.secret.clientId, clientSecret: ids.secret.clientSecret!, objectId: ids.secret.objectId },
    certificate: { clientId: ids.certificate.clientId, certificateFile: files.certificateFile, objectId: ids.certificate.objectId },
    federated: {
      clientId: ids.federated.clientId,
      objectId: ids.federated.objectId,
      issuer: federation.issuer,
      subject: federation.subject,
      audience: federation.audience,
      signingKeyFile: files.signingKeyFile,
      keyId: federation.keyId,
    },
    managedIdentity: { endpoint: urls.managedIdentityEndpoint, header: ids.managedIdentity.identityHeader!, clientId: ids.managedIdentity.clientId, objectId: ids.managedIdentity.objectId },
    imds: {
      authorityHost: urls.imdsAuthorityHost,
      systemAssigned: { clientId: vm.systemAssigned.clientId, objectId: vm.systemAssigned.objectId },
      userAssigned: { clientId: vm.userAssigned.clientId, objectId: vm.userAssigned.objectId, resourceId: userAssignedResourceId(cloud, vm.userAssigned) },
    },
    reader: { clientId: ids.reader.clientId, clientSecret: ids.reader.clientSecret!, objectId: ids.reader.objectId },
  };
}

export function writeConnectionFile(file: string, connection: ConnectionInfo): void {
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** The variables that send Azure SDKs (JavaScript, Python, the az CLI) through the emulator. */
export function clientEnvironment(connection: ConnectionInfo): Record<string, string> {
  return {
    HTTPS_PROXY: connection.proxyUrl,
    NODE_EXTRA_CA_CERTS: connection.caCertFile,
    REQUESTS_CA_BUNDLE: connection.caCertFile,
    AZURE_TENANT_ID: connection.tenantId,
    AZURE_SUBSCRIPTION_ID: connection.subscriptionId,
  };
}
