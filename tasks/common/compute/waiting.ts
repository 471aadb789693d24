// Waiting for Azure ML to finish something, gently: polls at growing intervals (2 s up to 15 s), never
// past the deadline, and stops at once when the agent cancels the task.
import { abortableSleep } from "../azure/retry";

export interface WaitOptions {
  /** Absolute deadline in ms (same clock as `now`). */
  deadline: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Poll intervals in ms; the last one repeats. */
  intervalsMs?: number[];
}

export interface WaitResult<T> {
  value: T;
  /** The deadline passed before `done` held. */
  timedOut: boolean;
}

export const POLL_INTERVALS_MS = [2_000, 3_000, 5_000, 10_000, 15_000];

/** Probes until `done(value)` holds or the deadline passes; the last probe's value is returned either way. */
export async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, options: WaitOptions): Promise<WaitResult<T>> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const intervals = options.intervalsMs ?? POLL_INTERVALS_MS;
  for (let attempt = 0; ; attempt++) {
    const value = await probe();
    if (done(value)) return { value, timedOut: false };
    const remaining = options.deadline - now();
    if (remaining <= 0) return { value, timedOut: true };
    await sleep(Math.min(intervals[Math.min(attempt, intervals.length - 1)], remaining), options.signal);
  }
}

/** "90 s", "10 min", "1 h 30 min": for messages about waits. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
