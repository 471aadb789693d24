// Batch endpoints and their deployments (ARM, api-version 2023-04-01 as for online endpoints; a pipeline
// component deployment is sent at the preview its translation names), through the one workspace REST path; and
// the invocation POST to an endpoint's scoring URI. The one client of batch endpoints, for deploying and invoking.
import { randomUUID } from "node:crypto";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { armList, type ArmContext } from "../azure/arm";
import { ArmRequestError, armFailureFromResponse } from "../azure/armErrors";
import { azureMlScope } from "../azure/clouds";
import { UserError } from "../platform/userError";
import type { ResourceRead, ServiceError, StartedPut } from "./onlineEndpoints";
import { workspaceArmId, type WorkspaceScope } from "./scope";
import { armUrl, callWorkspace } from "./workspaceRest";

export const BATCH_ENDPOINTS_API_VERSION = "2023-04-01";

/** The header that routes an invocation to a named deployment instead of the endpoint's default (EndpointInvokeFields). */
export const MODEL_DEPLOYMENT_HEADER = "azureml-model-deployment";

export interface BatchEndpointResource {
  id?: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  properties: {
    description?: string;
    authMode?: string;
    properties?: Record<string, string>;
    defaults?: { deploymentName?: string } | null;
    scoringUri?: string;
    swaggerUri?: string;
    provisioningState?: string;
  };
}

export interface BatchDeploymentResource {
  id?: string;
  name: string;
  properties: {
    provisioningState?: string;
    compute?: string;
    [key: string]: unknown;
  };
}

/** The batch job an invocation answers with (BatchJobResource of the 2020-09-01-dataplanepreview API). */
export interface BatchJobResource {
  id?: string;
  name: string;
  properties: {
    status?: string;
    outputDataset?: { datastoreId?: string; path?: string };
    outputFileName?: string;
    outputData?: Record<string, { uri?: string; jobOutputType?: string }>;
    [key: string]: unknown;
  };
}

export interface BatchEndpointsApi {
  readonly scope: WorkspaceScope;
  getEndpoint(name: string, signal?: AbortSignal): Promise<ResourceRead<BatchEndpointResource>>;
  /** PUT (create or replace); an LRO: read the endpoint until its provisioningState ends. */
  putEndpoint(name: string, body: unknown, signal?: AbortSignal): Promise<BatchEndpointResource>;
  listDeployments(endpoint: string, signal?: AbortSignal): Promise<BatchDeploymentResource[]>;
  getDeployment(endpoint: string, name: string, signal?: AbortSignal): Promise<ResourceRead<BatchDeploymentResource>>;
  /** PUT at the translation's api-version; an LRO like the endpoint's. */
  putDeployment(endpoint: string, name: string, body: unknown, apiVersion?: string, signal?: AbortSignal): Promise<StartedPut<BatchDeploymentResource>>;
  /** The error of a finished long-running operation (undefined while it runs or when it succeeded). */
  operationError(operationUrl: string, signal?: AbortSignal): Promise<ServiceError | undefined>;
  /**
   * POSTs the body to the scoring URI, sent once: a retried POST could start a second job. Only the given signal
   * aborts it (not the session's): a caller that must know the job to cancel it lets a sent POST finish.
   */
  invoke(scoringUri: string, body: unknown, deploymentName: string | undefined, signal?: AbortSignal): Promise<BatchJobResource>;
}

/** maskSecret: told the Azure ML token an invocation sends, so that the log never shows it. */
export function createBatchEndpointsApi(context: ArmContext, scope: WorkspaceScope, maskSecret?: (secret: string) => void): BatchEndpointsApi {
  const workspacePath = workspaceArmId(scope);
  const url = (path: string, apiVersion = BATCH_ENDPOINTS_API_VERSION) => armUrl(context, `${workspacePath}/${path}?api-version=${apiVersion}`);
  const endpointPath = (name: string) => `batchEndpoints/${encodeURIComponent(name)}`;
  const deploymentPath = (endpoint: string, name: string) => `${endpointPath(endpoint)}/deployments/${encodeURIComponent(name)}`;
  const read = async <T>(path: string, signal?: AbortSignal): Promise<ResourceRead<T>> => {
    const reply = await callWorkspace<T>(context, url(path), { signal: signal ?? context.signal });
    return { resource: reply.body, retryAfterMs: reply.retryAfterMs };
  };
  return {
    scope,
    getEndpoint: (name, signal) => read<BatchEndpointResource>(endpointPath(name), signal),
    async putEndpoint(name, body, signal) {
      return (await callWorkspace<BatchEndpointResource>(context, url(endpointPath(name)), { method: "PUT", body, notFoundIsError: true, signal: signal ?? context.signal })).body as BatchEndpointResource;
    },
    listDeployments: (endpoint, signal) =>
      armList<BatchDeploymentResource>({ ...context, signal: signal ?? context.signal }, { path: `${workspacePath}/${endpointPath(endpoint)}/deployments`, apiVersion: BATCH_ENDPOINTS_API_VERSION }),
    getDeployment: (endpoint, name, signal) => read<BatchDeploymentResource>(deploymentPath(endpoint, name), signal),
    async putDeployment(endpoint, name, body, apiVersion, signal) {
      const reply = await callWorkspace<BatchDeploymentResource>(context, url(deploymentPath(endpoint, name), apiVersion), { method: "PUT", body, notFoundIsError: true, signal: signal ?? context.signal });
      return { resource: reply.body, operationUrl: reply.asyncOperationUrl };
    },
    async operationError(operationUrl, signal) {
      const reply = await callWorkspace<{ status?: string; error?: ServiceError }>(context, operationUrl, { signal: signal ?? context.signal });
      return reply.body?.error;
    },
    async invoke(scoringUri, body, deploymentName, signal) {
      const token = await context.credential.getToken(azureMlScope(context.cloud), { abortSignal: signal });
      if (!token?.token) throw new UserError(`No Microsoft Entra token for Azure ML (${azureMlScope(context.cloud)}) could be obtained to invoke the batch endpoint.`);
      maskSecret?.(token.token);
      const headers = createHttpHeaders({
        "content-type": "application/json",
        accept: "application/json",
        authorization: `Bearer ${token.token}`,
        "user-agent": context.userAgent,
        "x-ms-client-request-id": randomUUID(),
        ...(deploymentName ? { [MODEL_DEPLOYMENT_HEADER]: deploymentName } : {}),
      });
      const request = createPipelineRequest({ url: scoringUri, method: "POST", headers, body: JSON.stringify(body), abortSignal: signal });
      const response = await context.httpClient.sendRequest(request);
      context.debug?.(`POST ${scoringUri} -> ${response.status} (x-ms-client-request-id ${headers.get("x-ms-client-request-id")}, x-ms-request-id ${response.headers.get("x-ms-request-id") ?? "-"})`);
      if (response.status >= 400) throw new ArmRequestError(armFailureFromResponse(response.status, response.bodyAsText ?? undefined, response.headers, { method: "POST", url: scoringUri, headers }));
      let job: BatchJobResource | undefined;
      try {
        job = JSON.parse(response.bodyAsText ?? "") as BatchJobResource;
      } catch {
        job = undefined;
      }
      if (!job?.name) throw new Error(`The batch endpoint's scoring URI ${scoringUri} answered HTTP ${response.status} without a batch job (no job name in the answer).`);
      return job;
    },
  };
}

/**
 * The PUT body that writes a batch endpoint back as it is with another default deployment: only the
 * writable fields of what was read (no provisioningState, scoringUri...).
 */
export function batchEndpointWriteBody(existing: BatchEndpointResource, defaultDeployment: string): Record<string, unknown> {
  const p = existing.properties;
  const properties: Record<string, unknown> = { authMode: p.authMode, properties: p.properties ?? {}, defaults: { deploymentName: defaultDeployment } };
  if (p.description !== undefined) properties.description = p.description;
  return { location: existing.location, tags: existing.tags ?? {}, properties };
}
