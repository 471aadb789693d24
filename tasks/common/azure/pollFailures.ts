// A read that failed while a task polls something (a job, a deployment): whether to ride it out, and how long
// to back off before the next read. One rule for every wait.
import { RestError } from "@azure/core-rest-pipeline";
import { errorMessage } from "../platform/userError";
import { parseArmFailure } from "./armErrors";
import { defaultRetryOptions } from "./retry";

/** Throttling, server errors, network failures and 401 (a token that expired mid-wait is renewed on the next call). */
export function isTransient(error: unknown): boolean {
  if (error instanceof RestError && (error.code === RestError.REQUEST_SEND_ERROR || error.statusCode === undefined)) return error.name !== "AbortError";
  const status = parseArmFailure(error)?.status;
  return status === undefined ? /ECONNRESET|ETIMEDOUT|ECONNREFUSED|EPIPE|socket hang up/i.test(errorMessage(error)) : status === 401 || status === 408 || status === 429 || status >= 500;
}

/** Longest back-off between failed reads when the service names no wait: the end of an outage is noticed within it. */
export const MAX_FAILURE_DELAY_MS = 3_000;

/**
 * Back-off after a failed read (throttling, 5xx, network, no answer in time): the wait the service asked for
 * (Retry-After, capped like every retry's wait) when it named one, else 1 s doubling to MAX_FAILURE_DELAY_MS.
 * Kept short because a wait sends each read once (no retries hidden inside it), so this is the real time to the
 * next attempt.
 */
export function failureDelayMs(consecutiveFailures: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, defaultRetryOptions.maxDelayMs);
  return Math.min(1_000 * 2 ** Math.max(0, consecutiveFailures - 1), MAX_FAILURE_DELAY_MS);
}
