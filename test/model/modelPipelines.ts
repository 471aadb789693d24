// Helpers of the AzureMLModel@1 end-to-end tests: one-step pipelines through the runner against the emulator,
// and ARM and blob reads that check what the task left in a workspace.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContainerSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import type { RunningEmulator } from '../../emulator/src/index';
import { emulatorTarget, runPipeline } from '../../runner/index';
import { proxiedRequest, secretToken } from '../emulator/emulatorFixtures';

export function workspaceArmId(emulator: RunningEmulator, name: string): string {
  return `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
}

/** Runs AzureMLModel@1 (step name `model`) in a workspace with the inputs, as the agent runs it. */
export async function runModelStep(emulator: RunningEmulator, workDir: string, workspaceName: string, inputs: Record<string, string>) {
  const pipelineFile = path.join(workDir, `pipeline-${Date.now()}-${Math.random().toString(36).slice(2)}.yml`);
  const lines = ['steps:', '  - task: AzureMLModel@1', '    name: model', '    inputs:', '      azureSubscription: emulator', `      resourceGroupName: ${emulator.connection.resourceGroupName}`, `      workspaceName: ${workspaceName}`];
  for (const [key, value] of Object.entries(inputs)) lines.push(`      ${key}: ${JSON.stringify(value)}`);
  fs.writeFileSync(pipelineFile, `${lines.join('\n')}\n`);
  const console: string[] = [];
  const outcome = await runPipeline({ pipelineFile, target: emulatorTarget(emulator.connection, 'secret'), sink: (line) => console.push(line) });
  return { outcome, step: outcome.report.stages[0].jobs[0].steps[0], console: console.join('\n') };
}

export async function armCall(emulator: RunningEmulator, method: string, armPath: string) {
  const token = await secretToken(emulator.connection, 'https://management.azure.com/.default');
  return proxiedRequest(emulator.connection, `https://management.azure.com${armPath}?api-version=2022-10-01`, { method, headers: { authorization: `Bearer ${token}` } });
}

/** The blob names under a prefix in a workspace's default datastore, read with its own account key. */
export async function blobsInDefaultDatastore(emulator: RunningEmulator, workspace: string, prefix: string): Promise<string[]> {
  const store = (await armCall(emulator, 'GET', `${workspaceArmId(emulator, workspace)}/datastores/workspaceblobstore`)).json().properties;
  const { key } = (await armCall(emulator, 'POST', `${workspaceArmId(emulator, workspace)}/datastores/workspaceblobstore/listSecrets`)).json();
  const sas = generateBlobSASQueryParameters({ containerName: store.containerName, permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3600_000) }, new StorageSharedKeyCredential(store.accountName, key));
  const listing = await proxiedRequest(emulator.connection, `https://${store.accountName}.blob.core.windows.net/${store.containerName}?restype=container&comp=list&prefix=${encodeURIComponent(prefix)}&${sas.toString()}`);
  assert.equal(listing.status, 200, listing.text);
  return [...listing.text.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]).sort();
}
