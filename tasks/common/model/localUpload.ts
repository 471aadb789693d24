// Uploads a local model file or folder the way `az ml model create --path` does: the CLI's ignore rules and
// content hash pick LocalUpload/<hash>/<name>/ on the default datastore, an upload already completed there is
// reused, and the indicator blob's metadata records the model's name and version.
import type { BlobStore } from "../workspace/datastores";
import { datastoreUri, isUploadCompleted, prepareSnapshot, SnapshotError, uploadCompletedMetadata, type Snapshot } from "../workspace/snapshot";
import type { WorkspaceScope } from "../workspace/scope";
import { UserError } from "../platform/userError";
import type { DatastorePath } from "../workspace/datastoreFiles";

export interface LocalUpload {
  /** azureml://subscriptions/…/workspaces/<ws>/datastores/<ds>/paths/LocalUpload/<hash>/<name> (Model._update_path). */
  modelUri: string;
  storage: DatastorePath;
  indicatorBlob: string;
  reused: boolean;
}

export interface LocalUploader {
  upload(localPath: string, modelName: string, version: string | undefined): Promise<LocalUpload>;
  /** Records the registered version on the upload, as the CLI does after auto-incrementing (_update_metadata). */
  recordVersion(indicatorBlob: string, modelName: string, version: string): Promise<void>;
}

const PARALLEL_FILES = 8;

/** LONG_URI_FORMAT of azure-ai-ml. */
export function longDatastoreUri(scope: WorkspaceScope, datastore: string, blobPath: string): string {
  return `azureml://subscriptions/${scope.subscriptionId}/resourcegroups/${scope.resourceGroup}/workspaces/${scope.workspace}/datastores/${datastore}/paths/${blobPath}`;
}

function snapshotOfModel(localPath: string): Snapshot {
  try {
    return prepareSnapshot(localPath);
  } catch (error) {
    if (error instanceof SnapshotError) throw new UserError(`Input modelPath: ${error.message}`);
    throw error;
  }
}

/** Runs `work` on every item with at most `limit` at once. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export function createLocalUploader(scope: WorkspaceScope, openStore: () => Promise<BlobStore>, log: (message: string) => void): LocalUploader {
  let store: Promise<BlobStore> | undefined;
  const storeOnce = () => (store ??= openStore());
  return {
    async upload(localPath, modelName, version) {
      const snapshot = snapshotOfModel(localPath);
      const blobs = await storeOnce();
      const reused = isUploadCompleted(await blobs.getMetadata(snapshot.indicatorBlob));
      if (reused) {
        log(`${localPath} is already uploaded to ${datastoreUri(blobs.datastoreName, snapshot.blobPrefix)}; not uploading it again.`);
      } else {
        log(`Uploading ${localPath} (${snapshot.blobs.length} file(s), ${snapshot.totalBytes} bytes) to ${datastoreUri(blobs.datastoreName, snapshot.blobPrefix)}.`);
        await forEachLimited(snapshot.blobs, PARALLEL_FILES, (blob) => blobs.uploadFile(blob.blobName, blob.sourcePath));
        // The marker goes last: an interrupted upload is not mistaken for a complete one.
        await blobs.setMetadata(snapshot.indicatorBlob, uploadCompletedMetadata(modelName, version ?? "1"));
      }
      return {
        modelUri: longDatastoreUri(scope, blobs.datastoreName, snapshot.blobPrefix),
        storage: { datastore: blobs.datastoreName, path: snapshot.blobPrefix },
        indicatorBlob: snapshot.indicatorBlob,
        reused,
      };
    },
    async recordVersion(indicatorBlob, modelName, version) {
      await (await storeOnce()).setMetadata(indicatorBlob, uploadCompletedMetadata(modelName, version));
    },
  };
}
