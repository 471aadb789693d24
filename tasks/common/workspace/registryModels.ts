// An Azure ML registry's model versions and their files, read the way azure-ai-ml 1.4.0 reads them
// (MLClient(registry_name=...) and ml_client.models.download): the registry discovery service
// (GET https://<region>.<amlApiDomain>/registrymanagement/v1.0/registries/<name>/discovery) says where the
// registry lives (subscription, resource group, primary region's resource provider URI); the version is read
// from that region's management front end (.../mferp/managementfrontend/subscriptions/.../registries/<r>/models/
// <name>/versions/<v>, api-version 2021-10-01-dataplanepreview); its files (modelUri, a blob URL in the
// registry's own storage) are read with the SAS the data-reference route hands out (POST .../registries/<r>/
// datarefs/<name>/versions/<v> with { assetId, blobUri }). Every call takes the ARM token and goes through the
// one workspace call path (the agent's proxy, capped retries, ArmRequestError).
import type { ArmContext } from "../azure/arm";
import { callWorkspace } from "./workspaceRest";
import type { ModelVersionResource } from "./modelRegistry";

export const REGISTRY_API_VERSION = "2021-10-01-dataplanepreview";
const MFE_PATH_PREFIX = "mferp/managementfrontend";

/** What the discovery service answers about a registry (RegistryDiscoveryDto). */
export interface RegistryLocation {
  registryName: string;
  subscriptionId: string;
  resourceGroup: string;
  primaryRegion?: string;
  /** The primary region's resource provider, with trailing slash. */
  primaryRegionResourceProviderUri: string;
}

/** A model version's files in a registry's storage: a container URL with a SAS and the blob path below it. */
export interface RegistryBlobReference {
  containerSasUrl: string;
  /** The version's path in the container (a folder ends in '/', or is a prefix). */
  path: string;
}

export interface RegistryModelsApi {
  readonly registry: string;
  /** Undefined when the registry has no such version. */
  getVersion(name: string, version: string): Promise<ModelVersionResource | undefined>;
  /** A SAS to read the version's files; modelUri is the version's https blob URL. */
  readReference(name: string, version: string, modelUri: string): Promise<RegistryBlobReference>;
}

/** The registry's location; undefined when the discovery service does not know the registry (404). */
export async function discoverRegistry(context: ArmContext, apiHost: string, registry: string): Promise<RegistryLocation | undefined> {
  const url = `https://${apiHost}/registrymanagement/v1.0/registries/${encodeURIComponent(registry)}/discovery`;
  const { status, body } = await callWorkspace<RegistryLocation>(context, url);
  return status === 404 ? undefined : body;
}

/** Splits an https blob URL into its container URL and the path below it. */
export function splitBlobUrl(blobUrl: string): { containerUrl: string; path: string } | undefined {
  let url: URL;
  try {
    url = new URL(blobUrl);
  } catch {
    return undefined;
  }
  const [container, ...rest] = url.pathname.replace(/^\//, "").split("/");
  if (url.protocol !== "https:" || !container) return undefined;
  return { containerUrl: `${url.origin}/${container}`, path: decodeURIComponent(rest.join("/")) };
}

export function createRegistryModelsApi(context: ArmContext, location: RegistryLocation): RegistryModelsApi {
  const registry = location.registryName;
  const base = `${location.primaryRegionResourceProviderUri.replace(/\/?$/, "/")}${MFE_PATH_PREFIX}/subscriptions/${location.subscriptionId}/resourceGroups/${location.resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${encodeURIComponent(registry)}`;
  const versionPath = (kind: "models" | "datarefs", name: string, version: string) => `${base}/${kind}/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}?api-version=${REGISTRY_API_VERSION}`;
  return {
    registry,
    async getVersion(name, version) {
      const { status, body } = await callWorkspace<ModelVersionResource>(context, versionPath("models", name, version));
      return status === 404 ? undefined : body;
    },
    async readReference(name, version, modelUri) {
      const body = { assetId: `azureml://registries/${registry}/models/${name}/versions/${version}`, blobUri: modelUri };
      const reply = await callWorkspace<{ blobReferenceForConsumption?: { blobUri?: string; credential?: { sasUri?: string } } }>(context, versionPath("datarefs", name, version), { method: "POST", body, notFoundIsError: true });
      const sasUri = reply.body?.blobReferenceForConsumption?.credential?.sasUri;
      // As azure-ai-ml: the SAS URI is the container's (ContainerClient.from_container_url), the path is modelUri's.
      const container = sasUri ? splitBlobUrl(sasUri) : undefined;
      const blob = splitBlobUrl(modelUri);
      if (!container || !blob) throw new Error(`The registry '${registry}' answered no usable SAS for the files of model '${name}' version '${version}' (${modelUri}).`);
      return { containerSasUrl: `${container.containerUrl}${new URL(sasUri!).search}`, path: blob.path };
    },
  };
}
