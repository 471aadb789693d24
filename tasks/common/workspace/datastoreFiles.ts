// Reads what a datastore path holds (is a job output empty? does the model folder carry an MLmodel
// file?) and downloads it (a model promoted to another workspace) through @azure/storage-blob with the
// task's HttpClient, using the datastore's own credentials.
import * as fs from "node:fs";
import * as path from "node:path";
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
  /**
   * Downloads the file or folder at the path to `target` (a folder's files keep their relative paths below
   * it; a single file becomes `target`). Answers the number of files and bytes; 0 files when nothing is there.
   */
  download(location: DatastorePath, target: string): Promise<{ files: number; bytes: number }>;
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

/** A blob's path below the folder, as local path segments; a name that would leave the folder is refused. */
function localSegments(relative: string, location: DatastorePath): string[] {
  const segments = relative.split("/").filter(Boolean);
  if (segments.some((segment) => segment === ".." || segment === ".")) {
    throw new UserError(`Blob '${relative}' under azureml://datastores/${location.datastore}/paths/${location.path} has a '.' or '..' path segment; it cannot be copied safely.`);
  }
  return segments;
}

export function createDatastoreFiles(access: DatastoreAccess): DatastoreFiles {
  const containers = new Map<string, Promise<ContainerClient>>();
  return createBlobFiles((datastore) => {
    let container = containers.get(datastore);
    if (!container) {
      container = openContainer(access, datastore);
      containers.set(datastore, container);
    }
    return container;
  });
}

/** Files in blob containers: `containerOf` opens the container a location's `datastore` names. */
export function createBlobFiles(containerOf: (datastore: string) => Promise<ContainerClient>): DatastoreFiles {
  /** The blobs at the path: "" for the path itself (a file), else the names below the folder. */
  async function* blobsAt(location: DatastorePath): AsyncGenerator<{ blobName: string; relative: string }> {
    const base = location.path.replace(/\/+$/, "");
    for await (const blob of (await containerOf(location.datastore)).listBlobsFlat({ prefix: base })) {
      if (blob.name === base) yield { blobName: blob.name, relative: "" };
      else if (base === "" || blob.name.startsWith(`${base}/`)) yield { blobName: blob.name, relative: blob.name.slice(base ? base.length + 1 : 0) };
    }
  }
  return {
    async list(location, max) {
      const files: string[] = [];
      for await (const { relative } of blobsAt(location)) {
        files.push(relative);
        if (files.length >= max) break;
      }
      return files;
    },
    async download(location, target) {
      const container = await containerOf(location.datastore);
      let files = 0;
      let bytes = 0;
      for await (const { blobName, relative } of blobsAt(location)) {
        // A folder's marker blob (a name ending in '/') holds no file.
        if (relative.endsWith("/") || (relative === "" && blobName.endsWith("/"))) continue;
        const file = relative === "" ? target : path.join(target, ...localSegments(relative, location));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const properties = await container.getBlobClient(blobName).downloadToFile(file);
        files += 1;
        bytes += properties.contentLength ?? fs.statSync(file).size;
      }
      return { files, bytes };
    },
  };
}
