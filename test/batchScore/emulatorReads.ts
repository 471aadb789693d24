// Reads of the emulator through Azure's contract, as a user would check a run: ARM REST calls and the blobs of a
// datastore (read with the datastore's own key). For the e2e tests of batch scoring.
import * as assert from 'node:assert/strict';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { RunningEmulator } from '../../emulator/src/index';
import { proxiedRequest, secretToken } from '../emulator/emulatorFixtures';

export function workspaceId(emulator: RunningEmulator, name = emulator.connection.workspaceName): string {
  const c = emulator.connection;
  return `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
}

async function armCall(emulator: RunningEmulator, method: string, armPath: string, apiVersion: string) {
  const token = await secretToken(emulator.connection, 'https://management.azure.com/.default');
  return proxiedRequest(emulator.connection, `https://management.azure.com${armPath}?api-version=${apiVersion}`, { method, headers: { authorization: `Bearer ${token}` } });
}

/** An ARM call that must answer 200; its JSON. */
export async function arm(emulator: RunningEmulator, method: string, armPath: string, apiVersion = '2023-04-01'): Promise<any> {
  const response = await armCall(emulator, method, armPath, apiVersion);
  assert.equal(response.status, 200, `${method} ${armPath}: HTTP ${response.status}`);
  return response.json();
}

/** The HTTP status of an ARM call, whatever it is. */
export async function armStatus(emulator: RunningEmulator, method: string, armPath: string, apiVersion = '2023-04-01'): Promise<number> {
  return (await armCall(emulator, method, armPath, apiVersion)).status;
}

/** The text of every blob under the datastore URI's path, by blob name. */
export async function datastoreFiles(emulator: RunningEmulator, workspace: string, uri: string): Promise<Record<string, string>> {
  const [, datastore, prefix] = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri) ?? [];
  assert.ok(datastore, `not a datastore URI: ${uri}`);
  const store = await arm(emulator, 'GET', `${workspaceId(emulator, workspace)}/datastores/${datastore}`);
  const secrets = await arm(emulator, 'POST', `${workspaceId(emulator, workspace)}/datastores/${datastore}/listSecrets`);
  const account: string = store.properties.accountName;
  const accountUrl = emulator.azuriteBlobUrl.replace(/\/[^/]+$/, `/${account}`);
  const container = new ContainerClient(`${accountUrl}/${store.properties.containerName}`, new StorageSharedKeyCredential(account, secrets.key));
  const files: Record<string, string> = {};
  for await (const blob of container.listBlobsFlat({ prefix: prefix.replace(/\/+$/, '') })) {
    files[blob.name] = (await container.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
  }
  return files;
}
