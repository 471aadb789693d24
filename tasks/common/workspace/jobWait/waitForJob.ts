// Waiting for a job: ARM reads on the poll schedule (the source of truth for status), run-history reads on
// their own timer for live logs (they also reveal the end early), status transitions printed once each, and
// transient failures (throttling, 5xx, resets, an expired token, no answer) ridden out without losing the job.
// The wait owns the retry schedule: each read is sent once with a bounded time, so the next attempt it
// announces is the real one.
import { abortableSleep } from "../../azure/retry";
import { errorMessage } from "../../platform/userError";
import { parseArmFailure } from "../../azure/armErrors";
import { failureDelayMs, isTransient } from "../../azure/pollFailures";
import { armPollDelayMs, LOG_POLL_INTERVAL_MS, READ_TIMEOUT_MS } from "./pollSchedule";
import { DEFAULT_STALLED_MINUTES } from "./waitInputs";
import type { LogStreamer } from "./logStreamer";
import type { JobResource, WorkspaceApi } from "../workspaceApi";

export const TERMINAL_STATUSES = ["Completed", "Failed", "Canceled"];

/**
 * Statuses in which a job makes no progress by itself, each with what it means for the user. The wait does not
 * sit in them forever (timeoutMinutes may be 0): past WaitOptions.stalledLimitMs the step fails.
 */
export const STALLED_STATUSES: Record<string, string> = {
  Paused: "Azure ML paused the job; it makes no progress until it is resumed",
  NotResponding: "Azure ML lost contact with the job's run; it may recover by itself",
  Unknown: "Azure ML cannot tell the job's state",
};

export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.includes(status);
}

// Lifecycle order, so a run-history status (read between ARM polls) is printed only when it moves forward.
const LIFECYCLE = ["NotStarted", "Starting", "Provisioning", "Preparing", "Queued", "Running", "Finalizing", "CancelRequested"];

/** Shortest time between two ARM reads, even when run history says the job ended. */
const MIN_ARM_READ_GAP_MS = 1_000;

/** How long reads may keep failing before the task gives up (the job keeps running; the error says why). */
const MAX_OUTAGE_MS = 30 * 60_000;

export interface WaitOptions {
  api: WorkspaceApi;
  jobName: string;
  /** Aborted when the pipeline cancels the step. */
  signal?: AbortSignal;
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
  /** How long the job may stay in one of STALLED_STATUSES before the wait gives up (default: the stalledMinutes input's). */
  stalledLimitMs?: number;
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
  /** The job stayed in a stalled status (Paused, NotResponding, Unknown) for stalledLimitMs. */
  stalled?: boolean;
  /** ARM job reads made while waiting (the benchmark divides them by the job's minutes). */
  armReads: number;
}

/** A read that got no answer within READ_TIMEOUT_MS: it counts as a transient failure and is retried. */
class NoAnswerError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = "NoAnswerError";
  }
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/** Seconds for a message: whole when whole, else to a tenth. */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

export async function waitForJob(options: WaitOptions): Promise<WaitOutcome> {
  /** Prints a change of status once; a step back in the lifecycle (a stale read) is ignored. */
  const announce = (previous: string | undefined, next: string): string => {
    if (next === previous) return previous;
    const [from, to] = [LIFECYCLE.indexOf(previous ?? ""), LIFECYCLE.indexOf(next)];
    if (from >= 0 && to >= 0 && to < from) return previous as string;
    const stalled = STALLED_STATUSES[next];
    const minutes = Math.round((stalledLimitMs / 60_000) * 10) / 10;
    options.log(`Job '${options.jobName}' status: ${next}${stalled ? ` (${stalled}; the step fails if it stays ${next} for ${minutes} minute(s))` : ""}`);
    return next;
  };
  const stalledLimitMs = options.stalledLimitMs ?? DEFAULT_STALLED_MINUTES * 60_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;

  /** One call given at most READ_TIMEOUT_MS (on the wait's clock); past it the call is aborted and NoAnswerError thrown. */
  const bounded = async <T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const settled = new AbortController();
    const deadline = new AbortController();
    sleep(READ_TIMEOUT_MS, settled.signal).then(() => deadline.abort(new NoAnswerError(READ_TIMEOUT_MS)), () => undefined);
    try {
      return await call(anySignal(options.signal, deadline.signal));
    } catch (error) {
      if (deadline.signal.aborted && !options.signal?.aborted) throw new NoAnswerError(READ_TIMEOUT_MS);
      throw error;
    } finally {
      settled.abort();
    }
  };

  /** Sleeps up to ms; a wake-up (run history saw the end) ends it early; the step's cancellation rejects it. */
  let wakeUp = (): void => undefined;
  const nap = async (ms: number, signal?: AbortSignal): Promise<void> => {
    const woken = new AbortController();
    wakeUp = () => woken.abort();
    try {
      await sleep(ms, anySignal(signal, woken.signal));
    } catch (error) {
      if (!woken.signal.aborted || signal?.aborted) throw error;
    }
  };

  const start = now();
  let nextArmRead = start;
  let scheduledArmRead = start;
  let lastArmRead = start;
  // Run history saying "ended" brings the next ARM read forward, once per poll interval: ARM may lag.
  let hurried = false;
  /** When run history's end asked for the next read, if it asked while a read was in flight (that read may predate the end). */
  let hurryTo: number | undefined;
  let armReads = 0;
  let failures = 0;
  /** When the current run of failed reads began; undefined while reads succeed. */
  let outageSince: number | undefined;
  let job: JobResource | undefined;
  let status: string | undefined;
  /** When ARM first reported the current stalled status; undefined while the job is not stalled. */
  let stalledSince: number | undefined;

  /** ARM reads on the poll schedule (each sent once, retried here); returns when the job ends or the wait stops. */
  const watchStatus = async (): Promise<WaitOutcome> => {
    for (;;) {
      if (now() >= nextArmRead) {
        if (now() >= scheduledArmRead) hurried = false;
        lastArmRead = now();
        hurryTo = undefined;
        try {
          const read = await bounded((signal) => options.api.getJob(options.jobName, signal, true));
          armReads++;
          failures = 0;
          outageSince = undefined;
          if (!read.job) throw new Error(`Azure ML job '${options.jobName}' no longer exists: it was deleted while the task was waiting for it.`);
          job = read.job;
          const armStatus = job.properties.status ?? "Unknown";
          // The end is announced after the job's last log lines (streamFinal below), so the log reads in order.
          if (isTerminal(armStatus)) return { job, status: armStatus, timedOut: false, armReads };
          status = announce(status, armStatus);
          stalledSince = STALLED_STATUSES[armStatus] ? (stalledSince ?? now()) : undefined;
          if (stalledSince !== undefined && now() - stalledSince >= stalledLimitMs) {
            return { job, status: armStatus, timedOut: false, stalled: true, armReads };
          }
          scheduledArmRead = now() + armPollDelayMs(now() - start, read.retryAfterMs);
          nextArmRead = Math.min(scheduledArmRead, hurryTo ?? scheduledArmRead);
        } catch (error) {
          if (options.signal?.aborted || !(error instanceof NoAnswerError || isTransient(error))) throw error;
          failures++;
          outageSince ??= lastArmRead;
          if (now() - outageSince >= MAX_OUTAGE_MS) throw error;
          const delay = failureDelayMs(failures, retryAfterOf(error));
          options.log(`Reading the job's status failed (${errorMessage(error)}); retrying in ${seconds(delay)} s. The job keeps running.`);
          scheduledArmRead = nextArmRead = now() + delay;
        }
      }
      if (options.timeoutMs && now() - start >= options.timeoutMs) {
        return { job, status: status ?? "Unknown", timedOut: true, armReads };
      }
      // The read that notices the bound is passed comes when the bound passes, not a poll interval later.
      if (stalledSince !== undefined) nextArmRead = Math.min(nextArmRead, stalledSince + stalledLimitMs);
      let delay = Math.max(0, nextArmRead - now());
      if (options.timeoutMs) delay = Math.min(delay, Math.max(0, start + options.timeoutMs - now()));
      await nap(delay, options.signal);
    }
  };

  /**
   * Run-history reads for live logs on their own timer, so that failing or slow ARM reads do not hold logs back
   * (nor slow logs the status); run history showing the end wakes the status reads early.
   */
  const followLogs = async (streamer: LogStreamer, stop: AbortSignal): Promise<void> => {
    while (!stop.aborted) {
      try {
        // Stopping abandons a poll in flight: it loses nothing (offsets move only when lines are printed).
        const historyStatus = await bounded((signal) => streamer.poll(options.jobName, false, anySignal(signal, stop)));
        // Not while reads fail: the next attempt stays the one announced (and any Retry-After is honoured).
        if (isTerminal(historyStatus) && !hurried && failures === 0) {
          hurried = true;
          hurryTo = Math.max(now(), lastArmRead + MIN_ARM_READ_GAP_MS);
          nextArmRead = Math.min(nextArmRead, hurryTo);
          wakeUp();
        } else if (historyStatus && !isTerminal(historyStatus)) {
          // ARM stays the authority and reports the end; run history shows the steps between its polls.
          status = announce(status, historyStatus);
        }
      } catch (error) {
        if (options.signal?.aborted || stop.aborted) return;
        options.debug?.(`Log streaming: ${errorMessage(error)}`);
      }
      try {
        await sleep(LOG_POLL_INTERVAL_MS, anySignal(options.signal, stop));
      } catch {
        return;
      }
    }
  };

  const stopLogs = new AbortController();
  const logs = options.streamer ? followLogs(options.streamer, stopLogs.signal) : Promise.resolve();
  let outcome: WaitOutcome;
  try {
    outcome = await watchStatus();
  } finally {
    stopLogs.abort();
    await logs;
  }
  if (isTerminal(outcome.status) && !outcome.timedOut) {
    await streamFinal(options);
    announce(status, outcome.status);
  }
  return outcome;
}

function retryAfterOf(error: unknown): number | undefined {
  return parseArmFailure(error)?.retryAfterMs;
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
