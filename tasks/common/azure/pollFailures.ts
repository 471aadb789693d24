// A read that failed while a task polls something (a job, a deployment): whether to ride it out, and how long
// to back off before the next read. One rule for every wait.
import { RestError } from "@azure/core-rest-pipeline";
import { errorMessage } from "../platform/userError";
import { parseArmFailure } from "./armErrors";

/** Throttling, server errors, network failures and 401 (a token that expired mid-wait is renewed on the next call). */
export function isTransient(error: unknown): boolean {
  if (error instanceof RestError && (error.code === RestError.REQUEST_SEND_ERROR || error.statusCode === undefined)) return error.name !== "AbortError";
  const status = parseArmFailure(error)?.status;
  return status === undefined ? /ECONNRESET|ETIMEDOUT|ECONNREFUSED|EPIPE|socket hang up/i.test(errorMessage(error)) : status === 401 || status === 408 || status === 429 || status >= 500;
}

/** Back-off after a failed read (network error, 5xx beyond the client's own retries): doubles up to 2 min. */
export function failureDelayMs(consecutiveFailures: number, retryAfterMs?: number): number {
  return Math.max(Math.min(5_000 * 2 ** Math.max(0, consecutiveFailures - 1), 120_000), retryAfterMs ?? 0);
}
