// How often the task reads the job from ARM while it waits: quick at first (short jobs and early failures
// are noticed fast), gentler later, so that a job of any length costs at most 12 ARM reads per minute and
// a long one far fewer. ARM's read limit is per identity and subscription: other steps share it.

interface Stage {
  /** Applies while the wait has lasted less than this. */
  untilMs: number;
  intervalMs: number;
}

// First 15 s: 5 reads; to 1 min: 5 more (10 in the first minute, leaving room within 12 for the read
// after submission and the one confirming an end that run history revealed early); to 5 min: 4 a
// minute; then 2 a minute.
const STAGES: Stage[] = [
  { untilMs: 15_000, intervalMs: 3_000 },
  { untilMs: 60_000, intervalMs: 10_000 },
  { untilMs: 300_000, intervalMs: 15_000 },
  { untilMs: Number.POSITIVE_INFINITY, intervalMs: 30_000 },
];

export const MAX_ARM_READS_PER_MINUTE = 12;
/** ARM reads outside the schedule in a wait: the read right after submission and the end's confirmation. */
export const UNSCHEDULED_ARM_READS = 2;

/** Delay before the next ARM read, given how long the wait has lasted; a Retry-After the service sent wins when longer. */
export function armPollDelayMs(elapsedMs: number, retryAfterMs?: number): number {
  const stage = STAGES.find((s) => elapsedMs < s.untilMs) ?? STAGES[STAGES.length - 1];
  return Math.max(stage.intervalMs, retryAfterMs ?? 0);
}

/** Longest time a single read may take (connect and answer) before it counts as failed and is retried. */
export const READ_TIMEOUT_MS = 10_000;

/** Run-history reads for live logs (data plane, not ARM): every 2 s so logs stay under 5 s behind. */
export const LOG_POLL_INTERVAL_MS = 2_000;
