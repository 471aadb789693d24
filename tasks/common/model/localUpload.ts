// Uploads a local model file or folder the way `az ml model create --path` does: the CLI's ignore rules and
// content hash pick LocalUpload/<hash>/<name>/ on the default datastore, an upload already completed there is
// reused, and the indicator blob's metadata records the model's name and version.
import type { BlobStore } from "../workspace/datastores";
import { datastoreUri, prepareSnapshot, SnapshotError, type Snapshot } from "../workspace/snapshot";
import { completedUpload, recordUploadOwner, uploadSnapshot } from "../workspace/uploader";
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

export function createLocalUploader(scope: WorkspaceScope, openStore: () => Promise<BlobStore>, log: (message: string) => void): LocalUploader {
  let store: Promise<BlobStore> | undefined;
  const storeOnce = () => (store ??= openStore());
  return {
    async upload(localPath, modelName, version) {
      const snapshot = snapshotOfModel(localPath);
      const blobs = await storeOnce();
      const reused = (await completedUpload(blobs, snapshot)) !== undefined;
      if (reused) {
        log(`${localPath} is already uploaded to ${datastoreUri(blobs.datastoreName, snapshot.blobPrefix)}; not uploading it again.`);
      } else {
        log(`Uploading ${localPath} (${snapshot.blobs.length} file(s), ${snapshot.totalBytes} bytes) to ${datastoreUri(blobs.datastoreName, snapshot.blobPrefix)}.`);
        await uploadSnapshot(blobs, snapshot, { name: modelName, version: version ?? "1" });
      }
      return {
        modelUri: longDatastoreUri(scope, blobs.datastoreName, snapshot.blobPrefix),
        storage: { datastore: blobs.datastoreName, path: snapshot.blobPrefix },
        indicatorBlob: snapshot.indicatorBlob,
        reused,
      };
    },
    async recordVersion(indicatorBlob, modelName, version) {
      await recordUploadOwner(await storeOnce(), indicatorBlob, { name: modelName, version });
    },
  };
}
