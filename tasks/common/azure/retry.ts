// Retries for throttled and transiently failing Azure calls: honours the service's Retry-After, but caps both
// the number of attempts and each wait so a misbehaving service cannot stall a pipeline for hours.
import { RestError, type HttpHeaders, type PipelinePolicy, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";

export interface RetryOptions {
  maxRetries: number;
  /** Longest single wait, whatever the service asks for. */
  maxDelayMs: number;
  /** First back-off when the service gives no Retry-After; doubles per attempt, with jitter. */
  baseDelayMs: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: (message: string) => void;
}

export const defaultRetryOptions: RetryOptions = { maxRetries: 5, maxDelayMs: 60_000, baseDelayMs: 1_000 };

export const retryPolicyName = "azuremlCappedRetryPolicy";

/** Requests whose caller retries on its own schedule (a wait loop): the policy sends them once. */
const singleAttemptRequests = new WeakSet<PipelineRequest>();

/** Marks a request to be sent once: its caller owns the retry schedule and tells the user when the next attempt comes. */
export function sendOnce(request: PipelineRequest): PipelineRequest {
  singleAttemptRequests.add(request);
  return request;
}

const retriableStatuses = new Set([408, 429, 500, 502, 503, 504]);

/** Wait the service asks for: retry-after-ms, x-ms-retry-after-ms, then Retry-After (seconds or HTTP date). */
export function retryAfterMs(headers: Pick<HttpHeaders, "get">, now: number = Date.now()): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number(headers.get(name));
    if (headers.get(name) && Number.isFinite(value) && value >= 0) {
      return value;
    }
  }
  const retryAfter = headers.get("retry-after");
  if (!retryAfter) {
    return undefined;
  }
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error("The operation was aborted."));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("The operation was aborted."));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function isTransientNetworkError(error: unknown): boolean {
  if (!(error instanceof RestError) || error.name === "AbortError") {
    return false;
  }
  return error.code === RestError.REQUEST_SEND_ERROR || /ECONNRESET|ETIMEDOUT|ECONNREFUSED|EPIPE|EAI_AGAIN|socket hang up/i.test(error.message);
}

export function cappedRetryPolicy(options: RetryOptions = defaultRetryOptions): PipelinePolicy {
  const sleep = options.sleep ?? abortableSleep;
  return {
    name: retryPolicyName,
    async sendRequest(request, next): Promise<PipelineResponse> {
      for (let attempt = 0; ; attempt++) {
        let response: PipelineResponse | undefined;
        let failure: unknown;
        try {
          response = await next(request);
        } catch (error) {
          failure = error;
        }
        const retriable = response ? retriableStatuses.has(response.status) : isTransientNetworkError(failure);
        const maxRetries = singleAttemptRequests.has(request) ? 0 : options.maxRetries;
        if (!retriable || attempt >= maxRetries || request.abortSignal?.aborted) {
          if (response) {
            return response;
          }
          throw failure;
        }
        const requested = response ? retryAfterMs(response.headers) : undefined;
        const backoff = options.baseDelayMs * 2 ** attempt * (0.8 + Math.random() * 0.4);
        const delay = Math.min(requested ?? backoff, options.maxDelayMs);
        const reason = response ? `HTTP ${response.status}` : (failure as Error).message;
        options.log?.(`${request.method} ${request.url} failed (${reason}, x-ms-client-request-id ${request.requestId}); retry ${attempt + 1}/${options.maxRetries} in ${Math.round(delay / 1000)} s.`);
        await sleep(delay, request.abortSignal as AbortSignal | undefined);
      }
    },
  };
}
