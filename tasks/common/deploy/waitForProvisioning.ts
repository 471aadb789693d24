// Waiting for an endpoint or deployment to provision: ARM reads on the schedule (the source of truth), each
// provisioning state change printed once, a data-plane readiness probe in between that brings the next ARM
// read forward, and transient read failures ridden out. Cancellation and the timeout end the wait with the
// last state known, so the caller can say what state the resource is in.
import { failureDelayMs, isTransient } from "../azure/pollFailures";
import { abortableSleep } from "../azure/retry";
import { errorMessage } from "../platform/userError";
import { armReadDelayMs, MIN_ARM_READ_GAP_MS, READINESS_PROBE_INTERVAL_MS, EARLY_READ_GAP_MS } from "./waitSchedule";

export const TERMINAL_STATES = ["Succeeded", "Failed", "Canceled"];

/** Consecutive failed reads after which the wait gives up. */
const MAX_CONSECUTIVE_FAILURES = 20;

export interface ProvisioningRead<T> {
  /** Undefined: the resource does not exist (deleted while waiting). */
  resource?: T;
  state?: string;
  retryAfterMs?: number;
}

export interface ProvisioningWait<T> {
  /** What is waited for, for messages: "Deployment 'blue'". */
  what: string;
  read: (signal?: AbortSignal) => Promise<ProvisioningRead<T>>;
  /** A cheap data-plane check: true once the resource seems ready (brings the next ARM read forward). */
  probe?: (signal?: AbortSignal) => Promise<boolean>;
  signal?: AbortSignal;
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
  log: (message: string) => void;
  debug?: (message: string) => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ProvisioningOutcome<T> {
  resource?: T;
  /** The last state read ("Unknown" before the first successful read). */
  state: string;
  ended: "terminal" | "timedOut" | "cancelled";
  armReads: number;
}

export async function waitForProvisioning<T>(wait: ProvisioningWait<T>): Promise<ProvisioningOutcome<T>> {
  const now = wait.now ?? Date.now;
  const sleep = wait.sleep ?? abortableSleep;
  const start = now();
  let nextRead = start;
  let scheduledRead = start;
  let lastRead = start;
  let hurried = false;
  let lastEarlyRead = Number.NEGATIVE_INFINITY;
  let armReads = 0;
  let failures = 0;
  let resource: T | undefined;
  let state = "Unknown";
  const outcome = (ended: ProvisioningOutcome<T>["ended"]): ProvisioningOutcome<T> => ({ resource, state, ended, armReads });

  for (;;) {
    if (wait.signal?.aborted) return outcome("cancelled");
    if (now() >= nextRead) {
      if (now() >= scheduledRead) hurried = false;
      lastRead = now();
      try {
        const read = await wait.read(wait.signal);
        armReads++;
        failures = 0;
        if (!read.resource) throw new Error(`${wait.what} no longer exists: it was deleted while the task was waiting for it.`);
        resource = read.resource;
        const next = read.state ?? "Unknown";
        if (next !== state) wait.log(`${wait.what}: provisioning state ${next}`);
        state = next;
        if (TERMINAL_STATES.includes(state)) return outcome("terminal");
        scheduledRead = now() + armReadDelayMs(now() - start, read.retryAfterMs);
      } catch (error) {
        if (wait.signal?.aborted) return outcome("cancelled");
        if (!isTransient(error)) throw error;
        failures++;
        if (failures > MAX_CONSECUTIVE_FAILURES) throw error;
        const delay = failureDelayMs(failures);
        wait.log(`Reading the provisioning state failed (${errorMessage(error)}); retrying in ${Math.round(delay / 1000)} s.`);
        scheduledRead = now() + delay;
      }
      nextRead = scheduledRead;
    }
    if (wait.timeoutMs && now() - start >= wait.timeoutMs) return outcome("timedOut");
    if (wait.probe && !hurried) {
      try {
        if ((await wait.probe(wait.signal)) && now() - lastEarlyRead >= EARLY_READ_GAP_MS) {
          // Rationed: the probe may run ahead of ARM, and each early read spends ARM's budget.
          hurried = true;
          lastEarlyRead = now();
          nextRead = Math.min(nextRead, Math.max(now(), lastRead + MIN_ARM_READ_GAP_MS));
        }
      } catch (error) {
        if (wait.signal?.aborted) return outcome("cancelled");
        wait.debug?.(`Readiness probe: ${errorMessage(error)}`);
      }
    }
    let delay = Math.max(0, nextRead - now());
    if (wait.probe && !hurried) delay = Math.min(delay, READINESS_PROBE_INTERVAL_MS);
    if (wait.timeoutMs) delay = Math.min(delay, Math.max(0, start + wait.timeoutMs - now()));
    try {
      await sleep(delay, wait.signal);
    } catch (error) {
      if (wait.signal?.aborted) return outcome("cancelled");
      throw error;
    }
  }
}
