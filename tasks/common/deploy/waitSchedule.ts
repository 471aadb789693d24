// How often the task reads a deployment from ARM while it provisions: every 10 s, then every 20 s after five
// minutes, plus at most one early read per interval when the scoring host says the deployment answers. That
// keeps a wait of any length within 12 ARM reads a minute (ARM's read limit is per identity and subscription:
// other steps share it) while a finished deployment is noticed within the probe interval, not the ARM one.

export const MAX_ARM_READS_PER_MINUTE = 12;

const STAGES = [
  { untilMs: 300_000, intervalMs: 10_000 },
  { untilMs: Number.POSITIVE_INFINITY, intervalMs: 20_000 },
];

/** Data-plane probes of the new deployment (not ARM): often enough to notice readiness within ~1 s. */
export const READINESS_PROBE_INTERVAL_MS = 1_000;

/** Shortest time between two ARM reads, even when the probe says the deployment answers. */
export const MIN_ARM_READ_GAP_MS = 1_000;

/** Delay before the next scheduled ARM read; a Retry-After the service sent wins when longer. */
export function armReadDelayMs(elapsedMs: number, retryAfterMs?: number): number {
  const stage = STAGES.find((s) => elapsedMs < s.untilMs) ?? STAGES[STAGES.length - 1];
  return Math.max(stage.intervalMs, retryAfterMs ?? 0);
}
