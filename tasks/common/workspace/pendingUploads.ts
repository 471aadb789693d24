// The I/O a translation's pending items need (a job's or a deployment's): local code and inputs uploaded to
// the default datastore the way the Azure ML CLI does (LocalUpload/<object hash>/<name>/..., then
// upload_status=completed metadata on the indicator blob), so a snapshot either tool already uploaded is
// reused and an unchanged second run uploads nothing; and azureml:<name>@latest looked up.
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { assetVersionArmId, type AssetType } from "./scope";
import { codeVersionBody, datastoreUri, prepareSnapshot, SnapshotError, type Snapshot } from "./snapshot";
import { assertUnchangedSinceHashing, completedUpload, uploadSnapshot } from "./uploader";
import { UserError } from "../platform/userError";
import type { BlobStore } from "./datastores";
import type { WorkspaceApi } from "./workspaceApi";

/** A local path a translation needs uploaded (the translators' PendingUpload, which lives above this layer). */
export interface PendingUpload {
  token: string;
  purpose: "code" | "input" | "buildContext";
  localPath: string;
  defaultIgnores: string[];
  /** file:line:column of the YAML value that named the path. */
  origin: string;
}

/** Where an upload went (the translators' UploadResult). */
export interface UploadResult {
  datastoreUri: string;
  storageUrl: string;
  objectHash: string;
  codeAssetId?: string;
}

/** An azureml:<name>@latest reference a translation needs resolved (the translators' PendingLatest). */
export interface PendingLatest {
  token: string;
  assetType: AssetType;
  name: string;
  origin: string;
}

/** A named asset to register at its next version (the translators' PendingNextVersion). */
export interface PendingNextVersion {
  token: string;
  assetType: AssetType;
  name: string;
  origin: string;
}

/** A translation's pending item, as the translators' PendingItem union. */
export type PendingWork = ({ kind: "upload" } & PendingUpload) | ({ kind: "latest" } & PendingLatest) | ({ kind: "nextVersion" } & PendingNextVersion);

/** Uploads above this size get a warning with their size before they start (README: "Large uploads"). */
export const LARGE_UPLOAD_BYTES = 100 * 1024 * 1024;

/** What the upload checks before sending anything; both optional (the benchmark uploads without them). */
export interface UploadChecks {
  warn: (message: string) => void;
  /** The pipeline's sources (Build.SourcesDirectory, else the job file's repository): paths outside get a warning. */
  sourcesRoot?: string;
  /** Default LARGE_UPLOAD_BYTES. */
  largeUploadBytes?: number;
}

/** The folder holding the pipeline's sources: Build.SourcesDirectory, else the git repository the job file is in. */
export function sourcesRootOf(jobFile: string, sourcesDirectory: string | undefined): string | undefined {
  if (sourcesDirectory) return path.resolve(sourcesDirectory);
  for (let dir = path.dirname(path.resolve(jobFile)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ".git"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export interface UploadStats {
  filesUploaded: number;
  bytesUploaded: number;
  snapshotsReused: number;
}

/** Hashes the local path; a missing or empty path is the user's to fix, named with its YAML position. */
export function snapshotOf(item: PendingUpload): Snapshot {
  try {
    return prepareSnapshot(item.localPath, item.defaultIgnores);
  } catch (error) {
    if (error instanceof SnapshotError) throw new UserError(`${item.origin}: the ${item.purpose === "code" ? "code" : item.purpose === "input" ? "input" : "build context"} path cannot be uploaded: ${error.message}`);
    throw error;
  }
}

/** Uploads (or finds already uploaded) one local path; registers the anonymous code version for code. */
async function uploadOne(item: PendingUpload, store: BlobStore, api: WorkspaceApi, log: (message: string) => void, stats: UploadStats, checks?: UploadChecks): Promise<UploadResult> {
  const snapshot = snapshotOf(item);
  if (checks?.sourcesRoot && !isInside(checks.sourcesRoot, item.localPath)) {
    checks.warn(`${item.origin}: the ${item.purpose} path resolves to ${item.localPath}, outside the pipeline's sources (${checks.sourcesRoot}). Check that this is the folder you mean to upload.`);
  }
  const metadata = await completedUpload(store, snapshot);
  let assetName: string;
  let assetVersion: string;
  if (metadata?.name && metadata.version) {
    ({ name: assetName, version: assetVersion } = metadata);
    stats.snapshotsReused++;
    log(`Reusing the ${item.purpose} snapshot of ${item.localPath} already uploaded to ${store.datastoreName}/${snapshot.blobPrefix}.`);
  } else {
    // A new anonymous asset is named with a random UUID, version 1 (azure-ai-ml Asset.__init__).
    assetName = randomUUID();
    assetVersion = "1";
    const large = checks?.largeUploadBytes ?? LARGE_UPLOAD_BYTES;
    if (snapshot.totalBytes > large) {
      checks?.warn(`${item.origin}: uploading ${megabytes(snapshot.totalBytes)} in ${snapshot.blobs.length} file(s) from ${item.localPath} (over ${megabytes(large)}). Keep data out of the code folder (.amlignore) or register it as a data asset.`);
    }
    log(`Uploading ${item.localPath} (${snapshot.blobs.length} file(s), ${snapshot.totalBytes} bytes) to ${store.datastoreName}/${snapshot.blobPrefix}.`);
    // The code version's content hash (a sha256 over every file) is computed while the files upload, which
    // mostly wait on the network, instead of after them; it stops when the upload fails.
    const stopHashing = new AbortController();
    const contentHashing = item.purpose === "code" ? snapshot.hashContentInTurns(stopHashing.signal) : undefined;
    contentHashing?.catch(() => undefined); // awaited below; an upload failure must not leave it unhandled
    try {
      await uploadSnapshot(store, snapshot, { name: assetName, version: assetVersion }, (blob) => {
        stats.filesUploaded++;
        stats.bytesUploaded += blob.size;
      });
    } catch (error) {
      stopHashing.abort();
      throw error;
    }
    await contentHashing;
    // The content hash read every file again: the code version must not name bytes other than those uploaded.
    for (const blob of snapshot.blobs) assertUnchangedSinceHashing(snapshot, blob);
  }
  const result: UploadResult = {
    datastoreUri: datastoreUri(store.datastoreName, snapshot.blobPrefix),
    storageUrl: `${store.containerUrl}/${snapshot.blobPrefix}`,
    objectHash: snapshot.objectHash,
  };
  if (item.purpose === "code") {
    const code = await api.putAssetVersion("codes", assetName, assetVersion, codeVersionBody(snapshot, store.containerUrl));
    result.codeAssetId = code.id ?? assetVersionArmId(api.scope, "codes", assetName, assetVersion);
  }
  return result;
}

export async function uploadSnapshots(items: PendingUpload[], store: BlobStore, api: WorkspaceApi, log: (message: string) => void, checks?: UploadChecks): Promise<{ uploads: Record<string, UploadResult>; stats: UploadStats }> {
  const stats: UploadStats = { filesUploaded: 0, bytesUploaded: 0, snapshotsReused: 0 };
  const uploads: Record<string, UploadResult> = {};
  for (const item of items) {
    uploads[item.token] = await uploadOne(item, store, api, log, stats, checks);
  }
  return { uploads, stats };
}

/** Token → the latest version of each named asset; a missing asset is the user's to fix, at its YAML position. */
export async function resolveLatestVersions(api: WorkspaceApi, items: readonly PendingLatest[]): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const item of items) {
    const version = await api.latestVersion(item.assetType, item.name);
    if (!version) throw new UserError(`${item.origin}: ${item.assetType} '${item.name}' was not found in workspace '${api.scope.workspace}' or has no versions, so @latest cannot be resolved. Register it first, or name a version (azureml:${item.name}:<version>).`);
    versions[item.token] = version;
  }
  return versions;
}

/** Token → the version a named asset registered without one gets (azure-ai-ml: the container's next version). */
export async function resolveNextVersions(api: WorkspaceApi, items: readonly PendingNextVersion[]): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const item of items) versions[item.token] = await api.nextVersion(item.assetType, item.name);
  return versions;
}

/** What a dry run says about a pending item: what it will become (the path is hashed, so a missing folder fails now). */
export function describePending(item: PendingWork): string {
  if (item.kind === "latest") return `${item.token}: the latest version of ${item.assetType} '${item.name}' (${item.origin})`;
  if (item.kind === "nextVersion") return `${item.token}: the next version of ${item.assetType} '${item.name}', registered from the file (${item.origin})`;
  const snapshot = snapshotOf(item);
  const what = item.purpose === "code" ? "the code version registered for" : item.purpose === "input" ? "the datastore URI of" : "the build context at";
  return `${item.token}: ${what} ${item.localPath} (${snapshot.blobs.length} file(s), ${snapshot.totalBytes} bytes) → <default datastore>/${snapshot.blobPrefix} (${item.origin})`;
}

/** What the I/O of a translation's pending items produced: the translators' Resolutions, and the upload counts. */
export interface PendingResults {
  uploads: Record<string, UploadResult>;
  latestVersions: Record<string, string>;
  nextVersions: Record<string, string>;
  /** Undefined when nothing had to be uploaded. */
  stats?: UploadStats;
}

/**
 * The I/O every translation needs before it is finalized (a job's, a schedule's, a deployment's): uploads,
 * then @latest, then the next versions of named assets registered without one.
 */
export async function resolvePending(
  pending: readonly PendingWork[],
  api: WorkspaceApi,
  openStore: () => Promise<BlobStore>,
  log: (message: string) => void,
  checks?: UploadChecks,
): Promise<PendingResults> {
  const uploadItems = pending.filter((p): p is { kind: "upload" } & PendingUpload => p.kind === "upload");
  const uploaded = uploadItems.length > 0 ? await uploadSnapshots(uploadItems, await openStore(), api, log, checks) : undefined;
  const latestVersions = await resolveLatestVersions(api, pending.filter((p): p is { kind: "latest" } & PendingLatest => p.kind === "latest"));
  const nextVersions = await resolveNextVersions(api, pending.filter((p): p is { kind: "nextVersion" } & PendingNextVersion => p.kind === "nextVersion"));
  return { uploads: uploaded?.uploads ?? {}, latestVersions, nextVersions, stats: uploaded?.stats };
}

/** An asset version a finalized translation needs created (the translators' environments and components). */
export interface AssetVersionToCreate {
  name: string;
  version: string;
  body: unknown;
}

/** Creates a finalized job's anonymous environments, then its components (which name the environments). */
export async function createJobAssets(api: WorkspaceApi, plan: { environments: readonly AssetVersionToCreate[]; components: readonly AssetVersionToCreate[] }): Promise<void> {
  for (const environment of plan.environments) {
    await api.putAssetVersion("environments", environment.name, environment.version, environment.body);
  }
  for (const component of plan.components) {
    await api.putAssetVersion("components", component.name, component.version, component.body);
  }
}
