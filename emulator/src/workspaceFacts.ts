// The workspaces of the emulated cloud and their storage accounts, from its facts: the default
// workspace, and mlw-dev and mlw-prod (each with its own storage account and Kubernetes compute).
import { randomBytes } from 'node:crypto';
import type { CloudFacts, RegistryFacts, WorkspaceFacts } from './contract';

/** Every workspace of the cloud, the default one first. */
export function workspacesOf(facts: CloudFacts): WorkspaceFacts[] {
  return facts.workspaces ?? [{ workspaceName: facts.workspaceName, resourceGroupName: facts.resourceGroupName, storageAccountName: facts.storageAccountName, storageAccountKey: facts.storageAccountKey }];
}

/** The registries of the cloud. */
export function registriesOf(facts: CloudFacts): RegistryFacts[] {
  return facts.registries ?? [];
}

/** The storage accounts of the cloud, the workspaces' and the registries' (Azurite serves them all). */
export function storageAccountsOf(facts: CloudFacts): Array<{ name: string; key: string }> {
  return [...workspacesOf(facts), ...registriesOf(facts)].map((w) => ({ name: w.storageAccountName, key: w.storageAccountKey }));
}

/** The key of a storage account of the cloud, or undefined for an account it does not have. */
export function storageAccountKeyOf(facts: CloudFacts, accountName: string): string | undefined {
  return storageAccountsOf(facts).find((a) => a.name.toLowerCase() === accountName.toLowerCase())?.key;
}

const newKey = () => randomBytes(64).toString('base64');

/** The registry models are shared through across environments (mlr-shared, in the same resource group). */
export function withSharedRegistry(facts: CloudFacts): CloudFacts {
  if (facts.registries) return facts;
  return { ...facts, registries: [{ registryName: 'mlr-shared', resourceGroupName: facts.resourceGroupName, storageAccountName: 'mlrsharedstore', storageAccountKey: newKey() }] };
}

/**
 * The default workspace plus a dev and a prod workspace in the same resource group, as teams split
 * environments: each its own storage account, and an attached AKS cluster (dev's with small
 * instance types).
 */
export function withEnvironmentWorkspaces(facts: CloudFacts): CloudFacts {
  if (facts.workspaces) return facts;
  const resources = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu, memory } });
  const [main] = workspacesOf(facts);
  return {
    ...facts,
    workspaces: [
      main,
      {
        workspaceName: 'mlw-dev',
        resourceGroupName: facts.resourceGroupName,
        storageAccountName: 'mlwdevstore',
        storageAccountKey: newKey(),
        kubernetes: { computeName: 'k8s-dev', clusterName: 'aks-mlw-dev', instanceTypes: { small: resources('500m', '1Gi'), defaultinstancetype: resources('1', '2Gi') } },
      },
      {
        workspaceName: 'mlw-prod',
        resourceGroupName: facts.resourceGroupName,
        storageAccountName: 'mlwprodstore',
        storageAccountKey: newKey(),
        kubernetes: { computeName: 'k8s-prod', clusterName: 'aks-mlw-prod', instanceTypes: { defaultinstancetype: resources('1', '2Gi'), cpularge: resources('4', '16Gi') } },
      },
    ],
  };
}
