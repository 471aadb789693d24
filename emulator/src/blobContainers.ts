// Azure creates a workspace's blob containers with the workspace (azureml-blobstore-<guid> behind
// workspaceblobstore, azureml behind workspaceartifactstore); Azurite starts empty, so the emulator
// creates the container of every blob datastore on its storage accounts once Azurite is up.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { ServiceContext } from './contract';
import type { ArmResource } from './arm/resources';
import { storageAccountKeyOf } from './workspaceFacts';

export async function createDatastoreContainers(ctx: ServiceContext, blobPort: number): Promise<void> {
  const containers = new Map<string, { account: string; key: string; container: string }>();
  for (const { value } of ctx.store.list<ArmResource>('arm.datastores')) {
    const p = value.properties;
    const key = typeof p.accountName === 'string' ? storageAccountKeyOf(ctx.facts, p.accountName) : undefined;
    if (p.datastoreType !== 'AzureBlob' || !key || typeof p.containerName !== 'string') continue;
    containers.set(`${p.accountName}/${p.containerName}`, { account: p.accountName, key, container: p.containerName });
  }
  for (const { account, key, container } of containers.values()) {
    // Path-style URL straight to Azurite on loopback (the proxy maps <account>.blob.core.windows.net here).
    const service = new BlobServiceClient(`http://127.0.0.1:${blobPort}/${account}`, new StorageSharedKeyCredential(account, key));
    await service.getContainerClient(container).createIfNotExists();
  }
}
