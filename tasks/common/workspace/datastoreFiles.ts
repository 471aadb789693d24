// Reads what a datastore path holds (is a job output empty? does the model folder carry an MLmodel
// file?) through @azure/storage-blob with the task's HttpClient, using the datastore's own credentials.
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { ContainerClient } from "@azure/storage-blob";
import { openDatastore } from "./datastores";
import type { Datastore, DatastoreSecrets } from "./workspaceApi";
import { UserError } from "../platform/userError";

/** A place in a datastore: azureml://datastores/<datastore>/paths/<path>. */
export interface DatastorePath {
  datastore: string;
  /** Blob path without a leading '/'; a trailing '/' marks a folder. */
  path: string;
}

export interface DatastoreFiles {
  /** Up to `max` files at the path, relative to it: "" when the path is a file itself, else those below the folder. */
  list(location: DatastorePath, max: number): Promise<string[]>;
}

export interface DatastoreAccess {
  getDatastore(name: string): Promise<Datastore | undefined>;
  datastoreSecrets(name: string): Promise<DatastoreSecrets>;
  httpClient: HttpClient;
  credential: TokenCredential;
  maskSecret(secret: string): void;
}

async function openContainer(access: DatastoreAccess, name: string): Promise<ContainerClient> {
  const datastore = await access.getDatastore(name);
  if (!datastore) throw new UserError(`Datastore '${name}' was not found in the workspace.`);
  return (await openDatastore(datastore, (store) => access.datastoreSecrets(store), access, (type) => `Datastore '${name}' is of type ${type}; the task reads models from Azure Blob datastores.`)).container;
}

export function createDatastoreFiles(access: DatastoreAccess): DatastoreFiles {
  const containers = new Map<string, Promise<ContainerClient>>();
  return {
    async list(location, max) {
      let container = containers.get(location.datastore);
      if (!container) {
        container = openContainer(access, location.datastore);
        containers.set(location.datastore, container);
      }
      const base = location.path.replace(/\/+$/, "");
      const files: string[] = [];
      for await (const blob of (await container).listBlobsFlat({ prefix: base })) {
        if (blob.name === base) files.push("");
        else if (base === "" || blob.name.startsWith(`${base}/`)) files.push(blob.name.slice(base ? base.length + 1 : 0));
        if (files.length >= max) break;
      }
      return files;
    },
  };
}
