// Helpers for tests of job execution: ARM and data-plane calls through the emulator's proxy with
// real tokens, code snapshots and data uploaded the way the Azure ML CLI lays them out, and waiting
// for a job to reach a status.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { RunningEmulator } from '../../emulator/src';
import type { ConnectionWorkspace } from '../../emulator/src/connection';
import { type RawResponse, proxiedRequest, secretToken } from './emulatorFixtures';

const API_VERSION = '2022-10-01';

export class JobClient {
  private readonly tokens = new Map<string, Promise<string>>();

  /** `workspace`: one of connection.json's workspaces; the default one when omitted. */
  constructor(
    readonly emulator: RunningEmulator,
    private readonly workspace: ConnectionWorkspace = emulator.connection.workspaces![0],
  ) {}

  get workspaceId(): string {
    const c = this.emulator.connection;
    return `/subscriptions/${c.subscriptionId}/resourceGroups/${this.workspace.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${this.workspace.workspaceName}`;
  }

  private get defaultDatastore(): any {
    const prefix = `${this.workspaceId.toLowerCase()}/datastores/`;
    return this.emulator.context.store.list<any>('arm.datastores').find((d) => d.key.startsWith(prefix) && d.value.properties.isDefault)!;
  }

  get datastoreContainer(): string {
    return this.defaultDatastore.value.properties.containerName;
  }

  get storageAccountName(): string {
    return this.workspace.storageAccountName;
  }

  private token(scope: string): Promise<string> {
    if (!this.tokens.has(scope)) this.tokens.set(scope, secretToken(this.emulator.connection, scope));
    return this.tokens.get(scope)!;
  }

  private async call(url: string, scope: string, method: string, body?: unknown): Promise<RawResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token(scope)}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return proxiedRequest(this.emulator.connection, url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  /** ARM, relative to the workspace. */
  arm(method: string, relative: string, body?: unknown, apiVersion = API_VERSION): Promise<RawResponse> {
    return this.call(`https://management.azure.com${this.workspaceId}${relative}?api-version=${apiVersion}`, 'https://management.azure.com/.default', method, body);
  }

  /** An absolute ARM URL (an operation's Azure-AsyncOperation). */
  armUrl(method: string, url: string): Promise<RawResponse> {
    return this.call(url, 'https://management.azure.com/.default', method);
  }

  /** The data plane: `service` is history/v1.0 or mlflow/v1.0; `relative` follows the workspace. */
  dataplane(method: string, service: string, relative: string, body?: unknown): Promise<RawResponse> {
    const host = `https://${this.emulator.connection.location}.api.azureml.ms`;
    return this.call(`${host}/${service}${this.workspaceId}${relative}`, 'https://ml.azure.com/.default', method, body);
  }

  /** A public URL (a SAS log URL) fetched through the proxy without a token. */
  fetch(url: string): Promise<RawResponse> {
    return proxiedRequest(this.emulator.connection, url);
  }

  private blobService(): BlobServiceClient {
    const key = this.emulator.context.store.get<{ key: string }>('arm.datastoreSecrets', this.defaultDatastore.key)!.key;
    return new BlobServiceClient(`${new URL(this.emulator.azuriteBlobUrl).origin}/${this.storageAccountName}`, new StorageSharedKeyCredential(this.storageAccountName, key));
  }

  async uploadBlob(name: string, content: Buffer | string): Promise<void> {
    const data = Buffer.from(content);
    await this.blobService().getContainerClient(this.datastoreContainer).getBlockBlobClient(name).upload(data, data.length);
  }

  async readBlob(name: string): Promise<string | undefined> {
    const blob = this.blobService().getContainerClient(this.datastoreContainer).getBlobClient(name);
    if (!(await blob.exists())) return undefined;
    return (await blob.downloadToBuffer()).toString('utf8');
  }

  /**
   * Uploads a folder as the CLI does (LocalUpload/<content hash>/<folder name>/...) and registers it as
   * code version 1 of a code asset named after the hash; returns the code version's ARM id.
   */
  async createCode(folder: string): Promise<string> {
    const files = fs.readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
    const hash = createHash('sha256');
    for (const file of files) hash.update(path.relative(folder, file)).update(fs.readFileSync(file));
    const digest = hash.digest('hex').slice(0, 32);
    const prefix = `LocalUpload/${digest}/${path.basename(folder)}`;
    for (const file of files) await this.uploadBlob(`${prefix}/${path.relative(folder, file).split(path.sep).join('/')}`, fs.readFileSync(file));
    const codeUri = `https://${this.storageAccountName}.blob.core.windows.net/${this.datastoreContainer}/${prefix}`;
    const name = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
    const response = await this.arm('PUT', `/codes/${name}/versions/1`, { properties: { codeUri, isAnonymous: true } });
    if (response.status >= 300) throw new Error(`code version: ${response.status} ${response.text}`);
    return response.json().id as string;
  }

  async submit(name: string, properties: Record<string, unknown>): Promise<any> {
    const response = await this.arm('PUT', `/jobs/${name}`, { properties });
    if (response.status !== 201) throw new Error(`job ${name}: ${response.status} ${response.text}`);
    return response.json();
  }

  /** Polls the job until `until` accepts it (or a final status); returns the job. */
  async waitFor(name: string, until: (job: any) => boolean = (job) => ['Completed', 'Failed', 'Canceled'].includes(job.properties.status)): Promise<any> {
    for (;;) {
      const job = (await this.arm('GET', `/jobs/${name}`)).json();
      if (until(job) || ['Completed', 'Failed', 'Canceled'].includes(job.properties.status)) return job;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  /** The run's std_log read from the SAS URL run history hands out. */
  async stdLog(name: string): Promise<string> {
    const details = (await this.dataplane('GET', 'history/v1.0', `/runs/${name}/details`)).json();
    const url = details.logFiles?.['user_logs/std_log.txt'];
    if (!url) return '';
    return (await this.fetch(url)).text;
  }
}

export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** A process's start time (/proc/<pid>/stat field 22, clock ticks after boot), undefined where there is no /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * A check that this very process still runs (a zombie waiting for an adopting parent to reap it does not count).
 * Its id alone is not enough: once it has ended, a busy machine soon gives the id to a new process (ids wrap
 * at pid_max, 32768 here), so the check also compares the start time taken now, while the process runs.
 */
export function processWatch(pid: number): () => boolean {
  const started = startTimeOf(pid);
  return () => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    const stat = `/proc/${pid}/stat`;
    if (!fs.existsSync(stat)) return true;
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(stat, 'utf8')) && startTimeOf(pid) === started;
  };
}
