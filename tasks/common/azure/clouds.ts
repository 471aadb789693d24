// Azure clouds: the endpoints a task needs, known for the public and sovereign clouds and discovered
// from ARM metadata (GET {arm}/metadata/endpoints) for Azure Stack and other custom environments.
import type { HttpClient } from "@azure/core-rest-pipeline";
import { fetchJson } from "./network";
import { UserError, errorMessage } from "../platform/userError";

export interface CloudEndpoints {
  name: string;
  /** ARM base URL, with trailing slash. */
  resourceManagerUrl: string;
  /** Entra ID (or AD FS) authority host, with trailing slash, without tenant. */
  authorityHost: string;
  /** ARM token audience (resource id); the token scope is `${audience}/.default`. */
  armAudience: string;
  /** Azure ML studio, with trailing slash. */
  studioUrl: string;
  /** Domain of the regional Azure ML data-plane hosts: <region>.<amlApiDomain>. */
  amlApiDomain: string;
  /** AD FS authority (Azure Stack disconnected): tenant is "adfs" and instance discovery is off. */
  isAdfs: boolean;
  /** True for clouds MSAL does not know: instance discovery (a call to the public cloud) must be off. */
  isCustom: boolean;
}

const knownClouds: Record<string, CloudEndpoints> = {
  azurecloud: {
    name: "AzureCloud",
    resourceManagerUrl: "https://management.azure.com/",
    authorityHost: "https://login.microsoftonline.com/",
    armAudience: "https://management.core.windows.net/",
    studioUrl: "https://ml.azure.com/",
    amlApiDomain: "api.azureml.ms",
    isAdfs: false,
    isCustom: false,
  },
  azureusgovernment: {
    name: "AzureUSGovernment",
    resourceManagerUrl: "https://management.usgovcloudapi.net/",
    authorityHost: "https://login.microsoftonline.us/",
    armAudience: "https://management.core.usgovcloudapi.net/",
    studioUrl: "https://ml.azure.us/",
    amlApiDomain: "api.ml.azure.us",
    isAdfs: false,
    isCustom: false,
  },
  azurechinacloud: {
    name: "AzureChinaCloud",
    resourceManagerUrl: "https://management.chinacloudapi.cn/",
    authorityHost: "https://login.chinacloudapi.cn/",
    armAudience: "https://management.core.chinacloudapi.cn/",
    studioUrl: "https://ml.azure.cn/",
    amlApiDomain: "api.ml.azure.cn",
    isAdfs: false,
    isCustom: false,
  },
};

/** What the service connection says about its cloud (ENDPOINT_URL and ENDPOINT_DATA_*). */
export interface ConnectionCloudData {
  environment?: string;
  resourceManagerUrl?: string;
  authorityUrl?: string;
  armAudience?: string;
}

interface ArmMetadataEndpoints {
  portalEndpoint?: string;
  authentication?: { loginEndpoint?: string; audiences?: string[] };
}

export function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function armScope(cloud: CloudEndpoints): string {
  return `${cloud.armAudience.replace(/\/+$/, "")}/.default`;
}

/**
 * The token scope for Azure ML's own audience (batch endpoint invocation): azure-ai-ml's aml_resource_id, which in
 * every cloud, custom ones included, is the studio's origin (https://ml.azure.com, .us, .cn).
 */
export function azureMlScope(cloud: CloudEndpoints): string {
  return `${new URL(cloud.studioUrl).origin}/.default`;
}

export function knownCloud(name: string): CloudEndpoints | undefined {
  return knownClouds[name.toLowerCase()];
}

function adfsAware(cloudName: string, armUrl: string, authority: string, audience: string, portal?: string): CloudEndpoints {
  const authorityUrl = new URL(withTrailingSlash(authority));
  const isAdfs = /\/adfs\/?$/i.test(authorityUrl.pathname);
  // Same rule as azure-ai-ml for custom clouds: the suffix after the portal's first two labels.
  const suffix = portal ? new URL(portal).hostname.split(".").slice(2).join(".") : new URL(armUrl).hostname.split(".").slice(1).join(".");
  return {
    name: cloudName,
    resourceManagerUrl: withTrailingSlash(armUrl),
    authorityHost: isAdfs ? authorityUrl.origin + "/" : withTrailingSlash(authorityUrl.href),
    armAudience: audience,
    studioUrl: `https://ml.azure.${suffix}/`,
    amlApiDomain: `api.azureml.${suffix}`,
    isAdfs,
    isCustom: true,
  };
}

async function discoverCloud(cloudName: string, armUrl: string, httpClient: HttpClient, signal?: AbortSignal): Promise<CloudEndpoints> {
  const metadataUrl = `${withTrailingSlash(armUrl)}metadata/endpoints?api-version=2015-01-01`;
  let metadata: ArmMetadataEndpoints | undefined;
  try {
    const response = await fetchJson<ArmMetadataEndpoints>(httpClient, metadataUrl, signal);
    if (response.status !== 200) {
      throw new Error(`HTTP ${response.status} ${response.text.slice(0, 200)}`);
    }
    metadata = response.body;
  } catch (error) {
    throw new UserError(`Cannot read the endpoints of the ${cloudName} environment from ${metadataUrl}: ${errorMessage(error)}. Check the service connection's environment URL and that the agent can reach it.`);
  }
  const loginEndpoint = metadata?.authentication?.loginEndpoint;
  const audience = metadata?.authentication?.audiences?.[0];
  if (!loginEndpoint || !audience) {
    throw new UserError(`The metadata at ${metadataUrl} names no authentication.loginEndpoint or audiences; cannot authenticate to the ${cloudName} environment.`);
  }
  return adfsAware(cloudName, armUrl, loginEndpoint, audience, metadata?.portalEndpoint);
}

/**
 * Resolves the cloud of a service connection. Known clouds use built-in endpoints (the connection's ARM URL
 * wins when given); other environments use the connection's authority and audience, or ARM metadata discovery.
 */
export async function resolveCloud(data: ConnectionCloudData, httpClient: HttpClient, signal?: AbortSignal): Promise<CloudEndpoints> {
  const name = data.environment || "AzureCloud";
  const known = knownCloud(name);
  if (known) {
    return data.resourceManagerUrl ? { ...known, resourceManagerUrl: withTrailingSlash(data.resourceManagerUrl) } : known;
  }
  if (!data.resourceManagerUrl) {
    throw new UserError(`The service connection's environment "${name}" is not a known Azure cloud and the connection has no environment URL.`);
  }
  if (data.authorityUrl && data.armAudience) {
    return adfsAware(name, data.resourceManagerUrl, data.authorityUrl, data.armAudience);
  }
  return discoverCloud(name, data.resourceManagerUrl, httpClient, signal);
}
