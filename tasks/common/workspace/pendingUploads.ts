// The I/O a translation's pending items need (a job's or a deployment's): local code and inputs uploaded to
// the default datastore the way the Azure ML CLI does (LocalUpload/<object hash>/<name>/..., then
// upload_status=completed metadata on the indicator blob), so a snapshot either tool already uploaded is
// reused and an unchanged second run uploads nothing; and azureml:<name>@latest looked up.
import { randomUUID } from "node:crypto";
import { assetVersionArmId, type AssetType } from "./scope";
import { codeVersionBody, datastoreUri, prepareSnapshot, SnapshotError, type Snapshot } from "./snapshot";
import { completedUpload, uploadSnapshot } from "./uploader";
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
async function uploadOne(item: PendingUpload, store: BlobStore, api: WorkspaceApi, log: (message: string) => void, stats: UploadStats): Promise<UploadResult> {
  const snapshot = snapshotOf(item);
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
    log(`Uploading ${item.localPath} (${snapshot.blobs.length} file(s), ${snapshot.totalBytes} bytes) to ${store.datastoreName}/${snapshot.blobPrefix}.`);
    await uploadSnapshot(store, snapshot, { name: assetName, version: assetVersion }, (blob) => {
      stats.filesUploaded++;
      stats.bytesUploaded += blob.size;
    });
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

export async function uploadSnapshots(items: PendingUpload[], store: BlobStore, api: WorkspaceApi, log: (message: string) => void): Promise<{ uploads: Record<string, UploadResult>; stats: UploadStats }> {
  const stats: UploadStats = { filesUploaded: 0, bytesUploaded: 0, snapshotsReused: 0 };
  const uploads: Record<string, UploadResult> = {};
  for (const item of items) {
    uploads[item.token] = await uploadOne(item, store, api, log, stats);
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
