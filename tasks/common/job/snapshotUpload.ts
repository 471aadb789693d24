// Uploads the job's local code and inputs to the default datastore the way the Azure ML CLI does
// (LocalUpload/<object hash>/<name>/..., then upload_status=completed metadata on the indicator blob), so a
// snapshot either tool already uploaded is reused and an unchanged second run uploads nothing.
import { randomUUID } from "node:crypto";
import type { PendingUpload, UploadResult } from "../jobSpec";
import { assetVersionArmId } from "../workspace/scope";
import { codeVersionBody, datastoreUri, prepareSnapshot, SnapshotError, type Snapshot } from "../workspace/snapshot";
import { completedUpload, uploadSnapshot } from "../workspace/uploader";
import { UserError } from "../platform/userError";
import type { BlobStore } from "../workspace/datastores";
import type { WorkspaceApi } from "../workspace/workspaceApi";

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
