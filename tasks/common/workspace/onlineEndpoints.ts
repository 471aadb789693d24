// Online endpoints and their deployments, for every feature that deploys or moves traffic (deploy, rollout,
// gate). All calls use api-version 2023-04-01 through the one workspace REST path: @azure/arm-machinelearning
// speaks 2022-10-01, which has no mirrorTraffic, so an endpoint read and written back with it would lose the
// mirror; one api-version for reads and writes keeps every GET-then-PUT round trip whole.
import { armList, type ArmContext } from "../azure/arm";
import { workspaceArmId, type WorkspaceScope } from "./scope";
import { armUrl, callWorkspace } from "./workspaceRest";

export const ONLINE_ENDPOINTS_API_VERSION = "2023-04-01";

export interface OnlineEndpointResource {
  id?: string;
  name: string;
  location: string;
  identity?: { type?: string; userAssignedIdentities?: Record<string, unknown> };
  tags?: Record<string, string>;
  properties: {
    description?: string;
    authMode?: string;
    properties?: Record<string, string>;
    traffic?: Record<string, number>;
    mirrorTraffic?: Record<string, number>;
    publicNetworkAccess?: string;
    compute?: string;
    scoringUri?: string;
    swaggerUri?: string;
    provisioningState?: string;
  };
}

export interface OnlineDeploymentResource {
  id?: string;
  name: string;
  properties: {
    endpointComputeType?: string;
    provisioningState?: string;
    instanceType?: string;
    [key: string]: unknown;
  };
}

/** A read and the wait the service asked for before the next one (Retry-After). */
export interface ResourceRead<T> {
  resource?: T;
  retryAfterMs?: number;
}

/** An ARM error (a long-running operation's, or a resource's). */
export interface ServiceError {
  code?: string;
  message?: string;
  details?: ServiceError[];
}

/** A started PUT: the resource as the service accepted it, and its operation's status document. */
export interface StartedPut<T> {
  resource?: T;
  operationUrl?: string;
}

/** getLogs container types, as the REST API names them. */
export type DeploymentContainer = "StorageInitializer" | "InferenceServer";

export interface EndpointKeys {
  primaryKey?: string;
  secondaryKey?: string;
}

export interface EndpointToken {
  accessToken?: string;
  expiryTimeUtc?: number;
}

/** A compute as ARM returns it (only what deployments check). */
export interface ComputeRead {
  name: string;
  properties: {
    computeType?: string;
    provisioningState?: string;
    provisioningErrors?: Array<{ error?: { code?: string; message?: string } }> | null;
    properties?: { namespace?: string; defaultInstanceType?: string; instanceTypes?: Record<string, unknown> } | null;
  };
}

export interface OnlineEndpointsApi {
  readonly scope: WorkspaceScope;
  getEndpoint(name: string, signal?: AbortSignal): Promise<ResourceRead<OnlineEndpointResource>>;
  /** PUT (create or replace); an LRO: read the endpoint until its provisioningState ends. */
  putEndpoint(name: string, body: unknown, signal?: AbortSignal): Promise<OnlineEndpointResource>;
  listDeployments(endpoint: string, signal?: AbortSignal): Promise<OnlineDeploymentResource[]>;
  getDeployment(endpoint: string, name: string, signal?: AbortSignal): Promise<ResourceRead<OnlineDeploymentResource>>;
  /** PUT at the translation's api-version (a preview for data_collector). */
  putDeployment(endpoint: string, name: string, body: unknown, apiVersion?: string): Promise<StartedPut<OnlineDeploymentResource>>;
  /** The error of a finished long-running operation (undefined while it runs or when it succeeded). */
  operationError(operationUrl: string, signal?: AbortSignal): Promise<ServiceError | undefined>;
  /** PATCH of the instance count (sku.capacity); an LRO, not awaited. */
  scaleDeployment(endpoint: string, name: string, instanceCount: number, signal?: AbortSignal): Promise<void>;
  /** DELETE (an LRO; not awaited). */
  deleteDeployment(endpoint: string, name: string, signal?: AbortSignal): Promise<void>;
  getLogs(endpoint: string, name: string, container: DeploymentContainer, tail: number, signal?: AbortSignal): Promise<string>;
  listKeys(endpoint: string): Promise<EndpointKeys>;
  getToken(endpoint: string): Promise<EndpointToken>;
  /** Undefined when the workspace has no compute of that name. */
  getCompute(name: string): Promise<ComputeRead | undefined>;
}

export function createOnlineEndpointsApi(context: ArmContext, scope: WorkspaceScope): OnlineEndpointsApi {
  const workspacePath = workspaceArmId(scope);
  const url = (path: string, apiVersion = ONLINE_ENDPOINTS_API_VERSION) => armUrl(context, `${workspacePath}/${path}?api-version=${apiVersion}`);
  const endpointPath = (name: string) => `onlineEndpoints/${encodeURIComponent(name)}`;
  const deploymentPath = (endpoint: string, name: string) => `${endpointPath(endpoint)}/deployments/${encodeURIComponent(name)}`;
  const read = async <T>(path: string, signal?: AbortSignal): Promise<ResourceRead<T>> => {
    const reply = await callWorkspace<T>(context, url(path), { signal: signal ?? context.signal });
    return { resource: reply.body, retryAfterMs: reply.retryAfterMs };
  };
  const required = async <T>(path: string, method: "POST" | "PUT", body?: unknown, apiVersion?: string, signal?: AbortSignal): Promise<T> =>
    (await callWorkspace<T>(context, url(path, apiVersion), { method, body, notFoundIsError: true, signal: signal ?? context.signal })).body as T;
  return {
    scope,
    getEndpoint: (name, signal) => read<OnlineEndpointResource>(endpointPath(name), signal),
    putEndpoint: (name, body, signal) => required<OnlineEndpointResource>(endpointPath(name), "PUT", body, undefined, signal),
    listDeployments: (endpoint, signal) => armList<OnlineDeploymentResource>({ ...context, signal: signal ?? context.signal }, { path: `${workspacePath}/${endpointPath(endpoint)}/deployments`, apiVersion: ONLINE_ENDPOINTS_API_VERSION }),
    getDeployment: (endpoint, name, signal) => read<OnlineDeploymentResource>(deploymentPath(endpoint, name), signal),
    async putDeployment(endpoint, name, body, apiVersion) {
      const reply = await callWorkspace<OnlineDeploymentResource>(context, url(deploymentPath(endpoint, name), apiVersion), { method: "PUT", body, notFoundIsError: true });
      return { resource: reply.body, operationUrl: reply.asyncOperationUrl };
    },
    async operationError(operationUrl, signal) {
      const reply = await callWorkspace<{ status?: string; error?: ServiceError }>(context, operationUrl, { signal: signal ?? context.signal });
      return reply.body?.error;
    },
    async scaleDeployment(endpoint, name, instanceCount, signal) {
      await callWorkspace(context, url(deploymentPath(endpoint, name)), { method: "PATCH", body: { sku: { capacity: instanceCount } }, notFoundIsError: true, signal: signal ?? context.signal });
    },
    async deleteDeployment(endpoint, name, signal) {
      await callWorkspace(context, url(deploymentPath(endpoint, name)), { method: "DELETE", signal: signal ?? context.signal });
    },
    async getLogs(endpoint, name, container, tail, signal) {
      const logs = await required<{ content?: string }>(`${deploymentPath(endpoint, name)}/getLogs`, "POST", { containerType: container, tail }, undefined, signal);
      return logs?.content ?? "";
    },
    listKeys: (endpoint) => required<EndpointKeys>(`${endpointPath(endpoint)}/listKeys`, "POST"),
    getToken: (endpoint) => required<EndpointToken>(`${endpointPath(endpoint)}/token`, "POST"),
    getCompute: async (name) => (await read<ComputeRead>(`computes/${encodeURIComponent(name)}`)).resource,
  };
}

/**
 * The PUT body that writes an endpoint back as it is, with the given changes (traffic, mirror traffic):
 * only the writable fields of what was read (no provisioningState, scoringUri, principal ids...).
 */
export function endpointWriteBody(existing: OnlineEndpointResource, changes: Partial<Pick<OnlineEndpointResource["properties"], "traffic" | "mirrorTraffic">>): Record<string, unknown> {
  const p = existing.properties;
  const identity = existing.identity?.type
    ? { type: existing.identity.type, ...(existing.identity.userAssignedIdentities ? { userAssignedIdentities: Object.fromEntries(Object.keys(existing.identity.userAssignedIdentities).map((id) => [id, {}])) } : {}) }
    : undefined;
  const properties: Record<string, unknown> = {
    authMode: p.authMode,
    properties: p.properties ?? {},
    traffic: changes.traffic ?? p.traffic ?? {},
    mirrorTraffic: changes.mirrorTraffic ?? p.mirrorTraffic ?? {},
  };
  if (p.description !== undefined) properties.description = p.description;
  if (p.publicNetworkAccess !== undefined) properties.publicNetworkAccess = p.publicNetworkAccess;
  if (p.compute) properties.compute = p.compute;
  return { location: existing.location, ...(identity ? { identity } : {}), tags: existing.tags ?? {}, properties };
}
