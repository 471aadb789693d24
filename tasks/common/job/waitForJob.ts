// Waiting for a job: ARM reads on the poll schedule (the source of truth for status), run-history reads in
// between for live logs (they also reveal the end early), status transitions printed once each, and
// transient failures (throttling, 5xx, resets, an expired token) ridden out without losing the job.
import type { RestError } from "@azure/core-rest-pipeline";
import { abortableSleep, retryAfterMs } from "../azure/retry";
import { errorMessage } from "../platform/userError";
import { armPollDelayMs, LOG_POLL_INTERVAL_MS } from "./pollSchedule";
import { failureDelayMs, isTransient } from "../azure/pollFailures";
import type { LogStreamer } from "./logStreamer";
import type { JobResource, WorkspaceApi } from "../workspace/workspaceApi";

export const TERMINAL_STATUSES = ["Completed", "Failed", "Canceled", "NotResponding"];

export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.includes(status);
}

// Lifecycle order, so a run-history status (read between ARM polls) is printed only when it moves forward.
const LIFECYCLE = ["NotStarted", "Starting", "Provisioning", "Preparing", "Queued", "Running", "Finalizing", "CancelRequested"];

/** Shortest time between two ARM reads, even when run history says the job ended. */
const MIN_ARM_READ_GAP_MS = 1_000;

/** Consecutive failed reads after which the task gives up (about 30 minutes at the capped back-off). */
const MAX_CONSECUTIVE_FAILURES = 20;

export interface WaitOptions {
  api: WorkspaceApi;
  jobName: string;
  /** Aborted when the pipeline cancels the step. */
  signal?: AbortSignal;
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
  streamer?: LogStreamer;
  log: (message: string) => void;
  debug?: (message: string) => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface WaitOutcome {
  /** Undefined only when the time ran out before a single read succeeded. */
  job?: JobResource;
  status: string;
  timedOut: boolean;
  /** ARM job reads made while waiting (the benchmark divides them by the job's minutes). */
  armReads: number;
}

export async function waitForJob(options: WaitOptions): Promise<WaitOutcome> {
  /** Prints a change of status once; a step back in the lifecycle (a stale read) is ignored. */
  const announce = (previous: string | undefined, next: string): string => {
    if (next === previous) return previous;
    const [from, to] = [LIFECYCLE.indexOf(previous ?? ""), LIFECYCLE.indexOf(next)];
    if (from >= 0 && to >= 0 && to < from) return previous as string;
    options.log(`Job '${options.jobName}' status: ${next}`);
    return next;
  };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const start = now();
  let nextArmRead = start;
  let scheduledArmRead = start;
  let lastArmRead = start;
  // Run history saying "ended" brings the next ARM read forward, once per poll interval: ARM may lag.
  let hurried = false;
  let armReads = 0;
  let failures = 0;
  let job: JobResource | undefined;
  let status: string | undefined;

  for (;;) {
    if (now() >= nextArmRead) {
      if (now() >= scheduledArmRead) hurried = false;
      lastArmRead = now();
      try {
        const read = await options.api.getJob(options.jobName, options.signal);
        armReads++;
        failures = 0;
        if (!read.job) throw new Error(`Azure ML job '${options.jobName}' no longer exists: it was deleted while the task was waiting for it.`);
        job = read.job;
        status = announce(status, job.properties.status ?? "Unknown");
        if (isTerminal(status)) {
          await streamFinal(options);
          return { job, status, timedOut: false, armReads };
        }
        scheduledArmRead = now() + armPollDelayMs(now() - start, read.retryAfterMs);
      } catch (error) {
        if (options.signal?.aborted || !isTransient(error)) throw error;
        failures++;
        if (failures > MAX_CONSECUTIVE_FAILURES) throw error;
        const delay = failureDelayMs(failures, retryAfterOf(error));
        options.log(`Reading the job's status failed (${errorMessage(error)}); retrying in ${Math.round(delay / 1000)} s. The job keeps running.`);
        scheduledArmRead = now() + delay;
      }
      nextArmRead = scheduledArmRead;
    }
    if (options.timeoutMs && now() - start >= options.timeoutMs) {
      return { job, status: status ?? "Unknown", timedOut: true, armReads };
    }
    if (options.streamer) {
      try {
        const historyStatus = await options.streamer.poll(options.jobName, false, options.signal);
        if (isTerminal(historyStatus) && !hurried) {
          hurried = true;
          nextArmRead = Math.min(nextArmRead, Math.max(now(), lastArmRead + MIN_ARM_READ_GAP_MS));
        } else if (historyStatus && !isTerminal(historyStatus)) {
          // ARM stays the authority and reports the end; run history shows the steps between its polls.
          status = announce(status, historyStatus);
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        options.debug?.(`Log streaming: ${errorMessage(error)}`);
      }
    }
    let delay = Math.max(0, nextArmRead - now());
    if (options.streamer) delay = Math.min(delay, LOG_POLL_INTERVAL_MS);
    if (options.timeoutMs) delay = Math.min(delay, Math.max(0, start + options.timeoutMs - now()));
    await sleep(delay, options.signal);
  }
}

function retryAfterOf(error: unknown): number | undefined {
  const headers = (error as RestError).response?.headers;
  return headers ? retryAfterMs(headers) : undefined;
}

/** After the end: what the job printed last (files are complete now, unfinished last lines included). */
async function streamFinal(options: WaitOptions): Promise<void> {
  if (!options.streamer) return;
  try {
    await options.streamer.poll(options.jobName, true, options.signal);
  } catch (error) {
    options.debug?.(`Log streaming: ${errorMessage(error)}`);
  }
}
