// The storage side of running a job, as the compute node does it: data and code addresses
// (azureml://datastores/..., azureml://jobs/.../outputs/..., blob URLs) resolved to blobs of the
// emulator's storage account, folders downloaded and uploaded, and the run's live log written as an
// append blob with a read-only SAS URL for run history.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobSASPermissions, BlobServiceClient, type ContainerClient, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import type { ServiceContext } from '../contract';
import { type ArmResource, getResource, listChildren } from '../arm/resources';
import { storageAccountKeyOf, storageAccountsOf } from '../workspaceFacts';

/** A blob path on one of the emulator's accounts: one blob, or every blob under a folder prefix. */
export interface BlobLocation {
  /** The storage account; the default workspace's when absent. */
  account?: string;
  container: string;
  /** Path inside the container, without leading or trailing '/'. */
  path: string;
}

/** Thrown for addresses a job cannot use; the message is the job's error. */
export class JobInputError extends Error {}

/** The artifact store's container and a run's folder in it, as Azure ML lays them out. */
export const ARTIFACT_CONTAINER = 'azureml';
export const runArtifactFolder = (runId: string) => `ExperimentRun/dcid.${runId}`;

const LOG_SAS_HOURS = 24;

export class JobStorage {
  private readonly azuriteOrigin: string;

  /** `blobServiceUrl`: Azurite, path-style on loopback, for the default account (the job's code reaches it through the proxy instead). */
  constructor(
    private readonly ctx: ServiceContext,
    blobServiceUrl: string,
  ) {
    this.azuriteOrigin = new URL(blobServiceUrl).origin;
  }

  private get account(): string {
    return this.ctx.facts.storageAccountName;
  }

  /** The emulated account of that name, in its own spelling; undefined for any other account. */
  private emulatedAccount(name: string): string | undefined {
    return storageAccountsOf(this.ctx.facts).find((a) => a.name.toLowerCase() === name.toLowerCase())?.name;
  }

  private credential(account: string): StorageSharedKeyCredential {
    return new StorageSharedKeyCredential(account, storageAccountKeyOf(this.ctx.facts, account)!);
  }

  /** The workspace's default datastore (workspaceblobstore when seeded). */
  defaultDatastore(workspaceId: string): ArmResource {
    const found = listChildren(this.ctx, 'datastores', workspaceId, 'datastores').find((d) => d.properties.isDefault);
    if (!found) throw new JobInputError('The workspace has no default datastore to upload job outputs to.');
    return found;
  }

  /** Where a datastore path lives, for blob datastores on this account. */
  datastorePath(workspaceId: string, datastoreName: string, relative: string): BlobLocation {
    const datastore = getResource(this.ctx, 'datastores', `${workspaceId}/datastores/${datastoreName}`);
    if (!datastore) throw new JobInputError(`Datastore '${datastoreName}' was not found in the workspace.`);
    const p = datastore.properties;
    const account = p.datastoreType === 'AzureBlob' && typeof p.accountName === 'string' ? this.emulatedAccount(p.accountName) : undefined;
    if (!account) {
      throw new JobInputError(`Datastore '${datastoreName}' is not a blob container of the emulator's storage accounts (${storageAccountsOf(this.ctx.facts).map((a) => a.name).join(', ')}); the emulator cannot read or write it.`);
    }
    return { account, container: p.containerName, path: trimSlashes(relative) };
  }

  /**
   * Resolves a data address: azureml://datastores/<ds>/paths/<p>, azureml://jobs/<job>/outputs/<o>[/paths/<p>],
   * https://<account>.blob.core.windows.net/<container>/<p> or wasbs://<container>@<account>.blob.core.windows.net/<p>.
   */
  resolve(workspaceId: string, uri: string): BlobLocation {
    const datastore = /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/?(.*)$/i.exec(uri);
    if (datastore) return this.datastorePath(workspaceId, datastore[1], decodeURIComponent(datastore[2]));
    const jobOutput = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths\/?(.*))?$/i.exec(uri);
    if (jobOutput) return this.jobOutput(workspaceId, jobOutput[1], jobOutput[2], jobOutput[3] ?? '');
    let url: URL | undefined;
    try {
      url = new URL(uri);
    } catch {
      url = undefined;
    }
    const account = url ? this.emulatedAccount(url.hostname.toLowerCase().replace(/\.blob\.core\.windows\.net$/, '')) : undefined;
    const isBlobHost = url !== undefined && /\.blob\.core\.windows\.net$/i.test(url.hostname) && account !== undefined;
    if (url && isBlobHost && url.protocol === 'https:') {
      const [container, ...rest] = decodeURIComponent(url.pathname).split('/').filter(Boolean);
      return { account, container, path: rest.join('/') };
    }
    if (url && isBlobHost && /^wasbs?:$/.test(url.protocol)) {
      return { account, container: decodeURIComponent(url.username), path: trimSlashes(decodeURIComponent(url.pathname)) };
    }
    throw new JobInputError(`'${uri}' is not an address the emulator can read: use azureml://datastores/<name>/paths/<path>, azureml://jobs/<job>/outputs/<output>, or a blob URL of account '${this.account}'.`);
  }

  private jobOutput(workspaceId: string, jobName: string, output: string, relative: string): BlobLocation {
    const job = getResource(this.ctx, 'jobs', `${workspaceId}/jobs/${jobName}`);
    if (!job) throw new JobInputError(`Job '${jobName}' was not found in the workspace.`);
    if (output === 'artifacts') return { container: ARTIFACT_CONTAINER, path: trimSlashes(`${runArtifactFolder(job.name)}/${relative}`) };
    const uri: unknown = job.properties.outputs?.[output]?.uri;
    if (typeof uri !== 'string') throw new JobInputError(`Job '${jobName}' has no output '${output}' with data (its status is ${job.properties.status}).`);
    const base = this.resolve(workspaceId, uri);
    return { ...base, path: trimSlashes(`${base.path}/${relative}`) };
  }

  private container(location: BlobLocation): ContainerClient {
    const account = location.account ?? this.account;
    return new BlobServiceClient(`${this.azuriteOrigin}/${account}`, this.credential(account)).getContainerClient(location.container);
  }

  /** Downloads one blob to `file`, or (when it names a folder) every blob under it into `file` as a folder; returns what it was. */
  async download(location: BlobLocation, target: string): Promise<'file' | 'folder'> {
    const container = this.container(location);
    if (location.path && (await container.getBlobClient(location.path).exists())) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await container.getBlobClient(location.path).downloadToFile(target);
      return 'file';
    }
    const prefix = location.path ? `${location.path}/` : '';
    let count = 0;
    fs.mkdirSync(target, { recursive: true });
    for await (const blob of container.listBlobsFlat({ prefix })) {
      const relative = blob.name.slice(prefix.length);
      if (!relative || relative.endsWith('/')) continue;
      const file = path.join(target, ...relative.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await container.getBlobClient(blob.name).downloadToFile(file);
      count++;
    }
    if (count === 0) throw new JobInputError(`Nothing was found at container '${location.container}', path '${location.path}'.`);
    return 'folder';
  }

  /** Uploads every file under `folder` (none is fine) below the location's path. */
  async uploadFolder(folder: string, location: BlobLocation): Promise<number> {
    if (!fs.existsSync(folder)) return 0;
    const container = this.container(location);
    await container.createIfNotExists();
    let count = 0;
    for (const file of listFiles(folder)) {
      const name = [location.path, path.relative(folder, file).split(path.sep).join('/')].filter(Boolean).join('/');
      await container.getBlockBlobClient(name).uploadFile(file);
      count++;
    }
    return count;
  }

  /** The blobs under a folder, by path relative to it, in name order. */
  async list(location: BlobLocation): Promise<Array<{ path: string; etag: string; createdOn: string }>> {
    const prefix = location.path ? `${location.path}/` : '';
    const found: Array<{ path: string; etag: string; createdOn: string }> = [];
    for await (const blob of this.container(location).listBlobsFlat({ prefix })) {
      found.push({ path: blob.name.slice(prefix.length), etag: blob.properties.etag ?? '', createdOn: (blob.properties.createdOn ?? blob.properties.lastModified).toISOString() });
    }
    return found;
  }

  /** A live log: an append blob that grows as the process writes (appends are serialized). */
  async createLog(location: BlobLocation): Promise<LiveLog> {
    const container = this.container(location);
    await container.createIfNotExists();
    const blob = container.getAppendBlobClient(location.path);
    await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } });
    return new LiveLog((chunk) => blob.appendBlock(chunk, chunk.length).then(() => undefined), this.ctx.log);
  }

  /** The public URL of a blob with a read-only SAS, as run history hands out log files. */
  readUrl(location: BlobLocation): string {
    const sas = generateBlobSASQueryParameters(
      { containerName: location.container, blobName: location.path, permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + LOG_SAS_HOURS * 3600_000) },
      this.credential(location.account ?? this.account),
    );
    const blobPath = location.path.split('/').map(encodeURIComponent).join('/');
    return `https://${location.account ?? this.account}.blob.core.windows.net/${location.container}/${blobPath}?${sas.toString()}`;
  }
}

/** Appends chunks in order; a failed append is reported once and later ones still go through. */
export class LiveLog {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly append: (chunk: Buffer) => Promise<void>,
    private readonly report: (message: string) => void,
  ) {}

  write(chunk: Buffer | string): void {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'utf8');
    if (data.length === 0) return;
    this.tail = this.tail.then(() => this.append(data)).catch((e: unknown) => this.report(`appending to a job log failed: ${(e as Error).message}`));
  }

  /** Resolves once everything written so far is in the blob. */
  flushed(): Promise<void> {
    return this.tail;
  }
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}

function listFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
