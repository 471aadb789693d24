// The workspace's default datastore as a blob container, through @azure/storage-blob with the agent's
// proxy and CA settings: the storage SDK takes a core-http-compat client, so the task's HttpClient (from
// network.ts) is adapted to it rather than letting the SDK build its own connections.
import * as fs from "node:fs";
import { Readable } from "node:stream";
import type { TokenCredential } from "@azure/core-auth";
import { toCompatResponse, type CompatResponse, type RequestPolicy, type WebResourceLike } from "@azure/core-http-compat";
import { createHttpHeaders, createPipelineRequest, type HttpClient } from "@azure/core-rest-pipeline";
import { AnonymousCredential, ContainerClient, StorageSharedKeyCredential, newPipeline, type StorageRetryOptions } from "@azure/storage-blob";
import { UserError } from "../platform/userError";
import type { Datastore, DatastoreSecrets } from "./workspaceApi";

/** The token audience of Azure Storage, the same in every cloud. */
export const STORAGE_SCOPE = "https://storage.azure.com/.default";

/** What uploading a snapshot needs from blob storage. */
export interface BlobStore {
  /** https://<account>.blob.<suffix>/<container> */
  readonly containerUrl: string;
  readonly datastoreName: string;
  /** The blob's metadata, or undefined when the blob does not exist. */
  getMetadata(blobName: string): Promise<Record<string, string> | undefined>;
  /** Uploads the file's `size` bytes (its size when it was hashed, which the caller has just checked). */
  uploadFile(blobName: string, filePath: string, size: number): Promise<void>;
  setMetadata(blobName: string, metadata: Record<string, string>): Promise<void>;
}

/** Lets the storage SDK send through the task's HttpClient (proxy, bypass list, agent CA, client certificate). */
export function compatHttpClient(httpClient: HttpClient): RequestPolicy {
  return {
    async sendRequest(resource: WebResourceLike): Promise<CompatResponse> {
      const request = createPipelineRequest({
        url: resource.url,
        method: resource.method,
        headers: createHttpHeaders(resource.headers.rawHeaders()),
        body: resource.body,
        abortSignal: resource.abortSignal,
        timeout: resource.timeout,
        onUploadProgress: resource.onUploadProgress,
        onDownloadProgress: resource.onDownloadProgress,
        streamResponseStatusCodes: resource.streamResponseStatusCodes,
        requestId: resource.requestId,
      });
      const response = await httpClient.sendRequest(request);
      // The response must point at the SDK's own request object: its deserializer finds the operation
      // (and so which statuses are errors) through it.
      return { ...toCompatResponse(response as Parameters<typeof toCompatResponse>[0]), request: resource };
    },
  };
}

export interface BlobStoreOptions {
  httpClient: HttpClient;
  /** Used when the datastore has no account key or SAS (identity-based access). */
  credential: TokenCredential;
  /** Registers the account key or SAS with the log masker. */
  maskSecret: (secret: string) => void;
  retryOptions?: StorageRetryOptions;
}

/**
 * A datastore's blob container with the datastore's own credentials: its account key, else its SAS,
 * else (identity-based datastores) the service connection's token. Whatever secret it has is masked.
 */
export function openDatastoreContainer(
  datastore: Datastore,
  secrets: DatastoreSecrets | undefined,
  options: BlobStoreOptions,
  notBlob: (datastoreType: string) => string,
): { container: ContainerClient; containerUrl: string } {
  const { accountName, containerName, endpoint = "core.windows.net", protocol = "https" } = datastore.properties;
  if (datastore.properties.datastoreType !== "AzureBlob" || !accountName || !containerName) {
    throw new UserError(notBlob(datastore.properties.datastoreType ?? "unknown"));
  }
  const containerUrl = `${protocol}://${accountName}.blob.${endpoint}/${containerName}`;
  if (secrets?.key) options.maskSecret(secrets.key);
  if (secrets?.sasToken) options.maskSecret(secrets.sasToken);
  let credential: StorageSharedKeyCredential | AnonymousCredential | TokenCredential = options.credential;
  let clientUrl = containerUrl;
  if (secrets?.key) {
    credential = new StorageSharedKeyCredential(accountName, secrets.key);
  } else if (secrets?.sasToken) {
    credential = new AnonymousCredential();
    clientUrl = `${containerUrl}?${secrets.sasToken.replace(/^\?/, "")}`;
  }
  return { container: new ContainerClient(clientUrl, storagePipeline(credential, options)), containerUrl };
}

/** The storage pipeline: the task's HttpClient (the agent's proxy), capped retries. */
function storagePipeline(credential: StorageSharedKeyCredential | AnonymousCredential | TokenCredential, options: Omit<BlobStoreOptions, "credential">) {
  return newPipeline(credential, { httpClient: compatHttpClient(options.httpClient), retryOptions: options.retryOptions ?? { maxTries: 4 }, audience: STORAGE_SCOPE });
}

/** A container reached with a SAS URL (https://<account>.blob.../<container>?<sas>), e.g. a registry's storage; the SAS is masked. */
export function openSasContainer(containerSasUrl: string, options: Omit<BlobStoreOptions, "credential">): ContainerClient {
  const url = new URL(containerSasUrl);
  const sas = url.search.replace(/^\?/, "");
  if (sas) options.maskSecret(sas);
  const signature = url.searchParams.get("sig");
  if (signature) options.maskSecret(signature);
  return new ContainerClient(containerSasUrl, storagePipeline(new AnonymousCredential(), options));
}

/** Reads a datastore's secrets (POST .../datastores/<name>/listSecrets). */
export type DatastoreSecretsReader = (name: string) => Promise<DatastoreSecrets>;

/**
 * The one credential rule for datastores. Identity-based datastores (credentialsType None, or none stated)
 * have no secrets to read: the service connection's token is used. Every other type has its secrets read:
 * an account key or SAS signs the requests; other secrets (service principal, certificate) are not ours to
 * use, so the connection's token is used for those too.
 */
export async function datastoreSigningSecrets(datastore: Datastore, readSecrets: DatastoreSecretsReader): Promise<DatastoreSecrets | undefined> {
  const type = datastore.properties.credentials?.credentialsType;
  return !type || type === "None" ? undefined : readSecrets(datastore.name);
}

/** A datastore's blob container, opened with its credentials per the one rule above. */
export async function openDatastore(datastore: Datastore, readSecrets: DatastoreSecretsReader, options: BlobStoreOptions, notBlob: (datastoreType: string) => string): Promise<{ container: ContainerClient; containerUrl: string }> {
  return openDatastoreContainer(datastore, await datastoreSigningSecrets(datastore, readSecrets), options, notBlob);
}

/** The workspace's default datastore as the BlobStore code and model uploads go to. */
export async function openDefaultBlobStore(api: { defaultDatastore(): Promise<Datastore>; datastoreSecrets: DatastoreSecretsReader }, options: BlobStoreOptions): Promise<BlobStore> {
  const datastore = await api.defaultDatastore();
  return createBlobStore(datastore, await datastoreSigningSecrets(datastore, (name) => api.datastoreSecrets(name)), options);
}

/** Largest blob the storage SDK's uploadFile and uploadData send in one Put Blob (BLOCK_BLOB_MAX_UPLOAD_BLOB_BYTES). */
const SINGLE_PUT_BLOB_BYTES = 256 * 1024 * 1024;
/**
 * Bytes read from the file and handed to the socket at a time. uploadFile streams 64 KiB reads; 512 KiB ones
 * mean an eighth of the reads and socket writes per byte, which bench/upload.ts measured at 10-15% less time
 * for the same files (256 KiB, 1, 2 and 4 MiB were no better).
 */
const UPLOAD_READ_BYTES = 512 * 1024;

export function createBlobStore(datastore: Datastore, secrets: DatastoreSecrets | undefined, options: BlobStoreOptions): BlobStore {
  const { container, containerUrl } = openDatastoreContainer(
    datastore,
    secrets,
    options,
    (type) => `The workspace's default datastore '${datastore.name}' is of type ${type}; uploading code and local inputs needs an Azure Blob datastore.`,
  );
  return {
    containerUrl,
    datastoreName: datastore.name,
    async getMetadata(blobName) {
      try {
        return (await container.getBlobClient(blobName).getProperties()).metadata ?? {};
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
    async uploadFile(blobName, filePath, size) {
      const blob = container.getBlockBlobClient(blobName);
      // Larger files go up in blocks, as uploadFile sends them.
      if (size > SINGLE_PUT_BLOB_BYTES) return void (await blob.uploadFile(filePath, { concurrency: 4 }));
      // One Put Blob with a streamed body, as uploadFile sends a file this size. Each try reads exactly `size`
      // bytes; a read that fails or ends short (the file shrank) aborts the request, which would otherwise wait
      // for bytes that never come, and every stream is closed however the upload ends.
      const aborter = new AbortController();
      const opened: Readable[] = [];
      const body = (): Readable => {
        if (size === 0) return Readable.from([]);
        const stream = fs.createReadStream(filePath, { start: 0, end: size - 1, highWaterMark: UPLOAD_READ_BYTES });
        stream.once("error", (error) => aborter.abort(error));
        stream.once("end", () => {
          if (stream.bytesRead < size) aborter.abort(new Error(`${filePath} ended after ${stream.bytesRead} of its ${size} bytes`));
        });
        opened.push(stream);
        return stream;
      };
      try {
        await blob.upload(body, size, { abortSignal: aborter.signal });
      } finally {
        for (const stream of opened) stream.destroy();
      }
    },
    async setMetadata(blobName, metadata) {
      await container.getBlobClient(blobName).setMetadata(metadata);
    },
  };
}
