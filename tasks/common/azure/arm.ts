// One way to build ARM clients: the agent's network settings, the connection's cloud and credential, capped
// retries, our user agent, and a per-call x-ms-client-request-id that failures print.
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/core-auth";
import { ServiceClient, type ServiceClientOptions } from "@azure/core-client";
import { createHttpHeaders, createPipelineRequest, type HttpClient, type HttpMethods, type Pipeline, type PipelinePolicy, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { ArmRequestError, armFailureFromResponse, notJsonFailure } from "./armErrors";
import { requestRoute } from "./network";
import { armScope, type CloudEndpoints } from "./clouds";
import { cappedRetryPolicy, defaultRetryOptions, sendOnce, type RetryOptions } from "./retry";

/** Everything needed to call ARM as the service connection. */
export interface ArmContext {
  cloud: CloudEndpoints;
  credential: TokenCredential;
  subscriptionId: string;
  httpClient: HttpClient;
  userAgent: string;
  /** Aborted on cancellation. */
  signal?: AbortSignal;
  debug?: (message: string) => void;
  retry?: Partial<RetryOptions>;
}

/** Logs each call's outcome with its client request id at debug level, so a failure can be traced. */
function requestLogPolicy(debug: (message: string) => void): PipelinePolicy {
  return {
    name: "azuremlRequestLogPolicy",
    async sendRequest(request, next) {
      const response = await next(request);
      debug(`${request.method} ${request.url} -> ${response.status} (x-ms-client-request-id ${request.headers.get("x-ms-client-request-id") ?? request.requestId}, x-ms-request-id ${response.headers.get("x-ms-request-id") ?? "-"})`);
      return response;
    },
  };
}

function isJsonAnswer(response: PipelineResponse): boolean {
  const contentType = response.headers.get("content-type");
  if (contentType && !/json/i.test(contentType)) return false;
  try {
    JSON.parse(response.bodyAsText ?? "");
    return true;
  } catch {
    return false;
  }
}

/**
 * Azure answers these calls with JSON; a success status with anything else (a proxy's or firewall's HTML page)
 * fails here with the host and the proxy named, before the SDK's deserializer turns it into a parse error or,
 * for a non-JSON content type, silently into an empty result.
 */
function jsonAnswerPolicy(): PipelinePolicy {
  return {
    name: "azuremlJsonAnswerPolicy",
    async sendRequest(request, next) {
      const response = await next(request);
      const success = response.status >= 200 && response.status < 300;
      if (success && response.bodyAsText && !request.streamResponseStatusCodes?.has(response.status) && !isJsonAnswer(response)) {
        throw new ArmRequestError(notJsonFailure(response, request, requestRoute(request)));
      }
      return response;
    },
  };
}

/** Replaces the SDK's uncapped retry handling with ours, checks that answers are JSON, and adds request logging. */
export function configureArmPipeline(pipeline: Pipeline, context: ArmContext): void {
  pipeline.addPolicy(jsonAnswerPolicy(), { phase: "Deserialize" });
  pipeline.removePolicy({ name: "defaultRetryPolicy" });
  pipeline.addPolicy(cappedRetryPolicy({ ...defaultRetryOptions, log: context.debug, ...context.retry }), { phase: "Retry" });
  if (context.debug) {
    pipeline.addPolicy(requestLogPolicy(context.debug), { afterPhase: "Sign" });
  }
}

/** Client options for any Azure SDK ARM client (also for other management SDKs later tasks add). */
export function armClientOptions(context: ArmContext): ServiceClientOptions & { endpoint: string; credentialScopes: string[] } {
  return {
    endpoint: context.cloud.resourceManagerUrl.replace(/\/$/, ""),
    credentialScopes: [armScope(context.cloud)],
    httpClient: context.httpClient,
    userAgentOptions: { userAgentPrefix: context.userAgent },
  };
}

/** The Azure ML management client (api-version 2022-10-01) for the context's subscription or another one. */
export function createMachineLearningClient(context: ArmContext, subscriptionId: string = context.subscriptionId): AzureMachineLearningWorkspaces {
  const client = new AzureMachineLearningWorkspaces(context.credential, subscriptionId, armClientOptions(context));
  configureArmPipeline(client.pipeline, context);
  return client;
}

const genericClients = new WeakMap<ArmContext, ServiceClient>();

function genericClient(context: ArmContext): ServiceClient {
  let client = genericClients.get(context);
  if (!client) {
    const options = armClientOptions(context);
    client = new ServiceClient({ ...options, baseUri: options.endpoint, credential: context.credential });
    configureArmPipeline(client.pipeline, context);
    genericClients.set(context, client);
  }
  return client;
}

export interface ArmRequest {
  method?: HttpMethods;
  /** Path from the ARM root, e.g. /subscriptions/{id}/resourcegroups. */
  path: string;
  apiVersion: string;
  body?: unknown;
}

/** An authenticated ARM call for what the SDK lacks; throws ArmRequestError for non-2xx responses. */
export async function armRequest<T>(context: ArmContext, request: ArmRequest): Promise<T> {
  const url = new URL(request.path.replace(/^\//, ""), context.cloud.resourceManagerUrl);
  if (!url.searchParams.has("api-version")) {
    url.searchParams.set("api-version", request.apiVersion);
  }
  return (await armRequestUrl<T>(context, url.href, request.method ?? "GET", request.body)) as T;
}

/**
 * Sends one authenticated request (ARM, or an Azure ML data-plane URL that takes ARM tokens) and returns the raw
 * response. singleAttempt: no retries by the pipeline (the caller retries on its own schedule).
 */
export async function armSend(context: ArmContext, url: string, method: HttpMethods = "GET", body?: unknown, abortSignal: AbortSignal | undefined = context.signal, singleAttempt = false): Promise<{ request: PipelineRequest; response: PipelineResponse }> {
  const request = createPipelineRequest({
    url,
    method,
    headers: createHttpHeaders({ accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) }),
    body: body === undefined ? undefined : JSON.stringify(body),
    abortSignal,
  });
  if (singleAttempt) sendOnce(request);
  return { request, response: await genericClient(context).sendRequest(request) };
}

async function armRequestUrl<T>(context: ArmContext, url: string, method: HttpMethods, body?: unknown): Promise<T | undefined> {
  const { request, response } = await armSend(context, url, method, body);
  if (response.status >= 400) {
    throw new ArmRequestError(armFailureFromResponse(response.status, response.bodyAsText ?? undefined, response.headers, request));
  }
  return response.bodyAsText ? (JSON.parse(response.bodyAsText) as T) : undefined;
}

/** Lists an ARM collection, following nextLink up to maxItems. */
export async function armList<T>(context: ArmContext, request: ArmRequest, maxItems = 500): Promise<T[]> {
  const items: T[] = [];
  let page = await armRequest<{ value?: T[]; nextLink?: string }>(context, request);
  items.push(...(page.value ?? []));
  while (page.nextLink && items.length < maxItems) {
    page = (await armRequestUrl<{ value?: T[]; nextLink?: string }>(context, page.nextLink, "GET")) ?? {};
    items.push(...(page.value ?? []));
  }
  return items.slice(0, maxItems);
}
