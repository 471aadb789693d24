// Azure creates a workspace's blob containers with the workspace (azureml-blobstore-<guid> behind
// workspaceblobstore, azureml behind workspaceartifactstore); Azurite starts empty, so the emulator
// creates the container of every blob datastore on its own storage account once Azurite is up.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { ServiceContext } from './contract';
import type { ArmResource } from './arm/resources';

export async function createDatastoreContainers(ctx: ServiceContext, blobPort: number): Promise<void> {
  const { storageAccountName: account, storageAccountKey: key } = ctx.facts;
  const containers = ctx.store
    .list<ArmResource>('arm.datastores')
    .map(({ value }) => value.properties)
    .filter((p) => p.datastoreType === 'AzureBlob' && p.accountName === account && typeof p.containerName === 'string')
    .map((p) => p.containerName as string);
  if (containers.length === 0) return;
  // Path-style URL straight to Azurite on loopback (the proxy maps <account>.blob.core.windows.net here).
  const service = new BlobServiceClient(`http://127.0.0.1:${blobPort}/${account}`, new StorageSharedKeyCredential(account, key));
  for (const name of new Set(containers)) await service.getContainerClient(name).createIfNotExists();
}
