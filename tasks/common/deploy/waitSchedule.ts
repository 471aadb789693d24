// How often the task reads an endpoint or deployment from ARM while it provisions: every 2 s for the first
// 10 s (quick operations, early failures), then every 10 s, every 20 s after five minutes; plus up to two early
// reads a minute when the scoring host says the deployment answers. That keeps any wait within 12 ARM
// reads a minute (ARM's read limit is per identity and subscription: other steps share it) while a finished
// deployment is noticed within the probe interval, not the ARM one.

export const MAX_ARM_READS_PER_MINUTE = 12;

const STAGES = [
  { untilMs: 10_000, intervalMs: 2_000 },
  { untilMs: 300_000, intervalMs: 10_000 },
  { untilMs: Number.POSITIVE_INFINITY, intervalMs: 20_000 },
];

/** Data-plane probes of the new deployment (not ARM): often enough to notice readiness within ~1 s. */
export const READINESS_PROBE_INTERVAL_MS = 1_000;

/**
 * At most one read brought forward by the probe per this much time: with the schedule's 10 reads in the first
 * minute (6 later), 2 early reads keep every minute within 12.
 */
export const EARLY_READ_GAP_MS = 30_000;

/** Shortest time between two ARM reads, even when the probe says the deployment answers. */
export const MIN_ARM_READ_GAP_MS = 1_000;

/** Delay before the next scheduled ARM read; a Retry-After the service sent wins when longer. */
export function armReadDelayMs(elapsedMs: number, retryAfterMs?: number): number {
  const stage = STAGES.find((s) => elapsedMs < s.untilMs) ?? STAGES[STAGES.length - 1];
  return Math.max(stage.intervalMs, retryAfterMs ?? 0);
}

