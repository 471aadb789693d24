// The one way the core calls the workspace's REST APIs the SDK lacks (jobs, assets, datastores and models on
// ARM; run history and MLflow on the workspace's regional host, which take the same ARM token): capped retries
// and logging from the shared pipeline, a 404 as an answer (unless asked otherwise), and every other failure an
// ArmRequestError that carries the request ids.
import { armSend, type ArmContext } from "../azure/arm";
import { ArmRequestError, armFailureFromResponse } from "../azure/armErrors";
import { retryAfterMs } from "../azure/retry";

export const ML_API_VERSION = "2022-10-01";

export interface WorkspaceReply<T> {
  status: number;
  /** Undefined for a 404 (the resource does not exist) or an empty body. */
  body?: T;
  /** The wait the service asked for (Retry-After and friends). */
  retryAfterMs?: number;
  /** The status document of a long-running operation the request started (Azure-AsyncOperation). */
  asyncOperationUrl?: string;
}

export interface WorkspaceCall {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
  /** A 404 fails like any other status (a PUT or POST into something that must exist). */
  notFoundIsError?: boolean;
  /** Sent once, without the pipeline's retries: the caller retries on its own schedule. */
  singleAttempt?: boolean;
}

/** The URL of a path under the ARM root with the Azure ML api-version (unless the path names one). */
export function armUrl(context: ArmContext, path: string): string {
  const url = new URL(path.replace(/^\//, ""), context.cloud.resourceManagerUrl);
  if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", ML_API_VERSION);
  return url.href;
}

export async function callWorkspace<T>(context: ArmContext, url: string, call: WorkspaceCall = {}): Promise<WorkspaceReply<T>> {
  const { request, response } = await armSend(context, url, call.method ?? "GET", call.body, call.signal ?? context.signal, call.singleAttempt);
  const wait = retryAfterMs(response.headers);
  if (response.status === 404 && !call.notFoundIsError) return { status: 404, retryAfterMs: wait };
  if (response.status >= 400) {
    throw new ArmRequestError(armFailureFromResponse(response.status, response.bodyAsText ?? undefined, response.headers, request));
  }
  const asyncOperationUrl = response.headers.get("azure-asyncoperation") ?? undefined;
  return { status: response.status, body: response.bodyAsText ? (JSON.parse(response.bodyAsText) as T) : undefined, retryAfterMs: wait, ...(asyncOperationUrl ? { asyncOperationUrl } : {}) };
}
