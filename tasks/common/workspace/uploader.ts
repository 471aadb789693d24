// The one uploader of local files to a datastore, in the layout the Azure ML CLI uses: the snapshot's content
// hash names the folder (LocalUpload/<hash>/<name>/...), files go up several at a time, and the indicator
// blob's upload_status=completed metadata, written last, marks the upload complete for every later run.
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../platform/userError";
import type { BlobStore } from "./datastores";
import { isUploadCompleted, uploadCompletedMetadata, type Snapshot, type SnapshotBlob } from "./snapshot";

/** Files in flight at once: enough to fill the link on small files without starving the event loop. */
export const PARALLEL_FILES = 8;

/** The metadata of a completed upload of this snapshot (the asset name and version it recorded), or undefined. */
export async function completedUpload(store: BlobStore, snapshot: Snapshot): Promise<Record<string, string> | undefined> {
  const metadata = await store.getMetadata(snapshot.indicatorBlob);
  return isUploadCompleted(metadata) ? metadata : undefined;
}

/**
 * The hash named the folder before the files went up, each read again from disk (and the code's content hash
 * reads them once more): a file written in between would put other bytes under that name, which every later run
 * (and az ml) would reuse. Such an upload is stopped and never marked complete.
 */
export function assertUnchangedSinceHashing(snapshot: Snapshot, blob: SnapshotBlob): void {
  const now = fs.statSync(blob.sourcePath, { throwIfNoEntry: false });
  if (now?.size === blob.size && now.mtimeMs === blob.mtimeMs) return;
  const shown = snapshot.isFile ? snapshot.localPath : path.join(snapshot.localPath, ...blob.blobName.slice(snapshot.blobPrefix.length + 1).split("/"));
  const target = shown === blob.sourcePath ? "" : ` (${blob.sourcePath})`;
  throw new UserError(`${shown}${target} changed while it was being uploaded (${now ? "its size or modification time is not what it was when it was hashed" : "it is gone"}). Nothing was marked as uploaded; run the step again once nothing writes to ${snapshot.localPath}.`);
}

/** Uploads every file of the snapshot, then marks the upload complete for the asset that owns it. */
export async function uploadSnapshot(store: BlobStore, snapshot: Snapshot, asset: { name: string; version: string }, onUploaded?: (blob: SnapshotBlob) => void): Promise<void> {
  const queue = [...snapshot.blobs];
  const uploadOne = async (blob: SnapshotBlob): Promise<void> => {
    assertUnchangedSinceHashing(snapshot, blob);
    try {
      await store.uploadFile(blob.blobName, blob.sourcePath, blob.size);
    } catch (error) {
      // A file that shrank or vanished mid-upload fails the request: say that, not the transport's words.
      assertUnchangedSinceHashing(snapshot, blob);
      throw error;
    }
    assertUnchangedSinceHashing(snapshot, blob);
    onUploaded?.(blob);
  };
  const lane = async (): Promise<void> => {
    try {
      for (let blob = queue.shift(); blob; blob = queue.shift()) await uploadOne(blob);
    } catch (error) {
      queue.length = 0; // the other lanes finish the file they are sending and take no more
      throw error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, queue.length) }, lane));
  // The marker goes last: an interrupted upload is not mistaken for a complete one.
  await store.setMetadata(snapshot.indicatorBlob, uploadCompletedMetadata(asset.name, asset.version));
}

/** Records the asset version that owns an upload (after the registry chose it), as the CLI's _update_metadata does. */
export async function recordUploadOwner(store: BlobStore, indicatorBlob: string, asset: { name: string; version: string }): Promise<void> {
  await store.setMetadata(indicatorBlob, uploadCompletedMetadata(asset.name, asset.version));
}
