// What a load run says, as pure functions of its samples: latency percentiles, error rate, throughput and a
// latency histogram.
// - Latency percentiles and the histogram are over the requests that got an answer (any status): a transport
//   failure's "latency" is mostly its timeout and would say nothing about the endpoint's speed.
// - Errors are the endpoint's failures (5xx, and 424: the model failed; see isEndpointFailure) and transport
//   failures (no answer at all); other 4xx are the caller's (bad body, auth, a throttled 429), as in the
//   rollout's analysis of Azure Monitor's status codes.
// - Percentiles are nearest-rank: the smallest latency with at least p% of the answers at or below it, always
//   a latency that was measured.
import { isEndpointFailure } from "./endpointScoring";
import type { LoadRun, RequestSample } from "./loadGenerator";

export interface LatencyBucket {
  /** Upper bound in ms (inclusive); Infinity for the last bucket. */
  upToMs: number;
  count: number;
}

export interface LoadSummary {
  /** Requests sent (answered or failed in transport). */
  requests: number;
  answered: number;
  /** 5xx and 424 (model failed) answers. */
  serverErrors: number;
  transportFailures: number;
  /** Due but never sent (the endpoint or maxConcurrency could not keep up). */
  unsent: number;
  /** (serverErrors + transport failures) / requests; 0 when nothing was sent. */
  errorRate: number;
  /** Answers per second over the run. */
  throughputPerSecond: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  histogram: LatencyBucket[];
}

/** Bucket bounds (ms) of the default histogram: roughly ×2.5 apart, from 10 ms to 10 s, then the rest. */
export const DEFAULT_LATENCY_BUCKETS_MS: readonly number[] = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

/** Nearest-rank percentile (0 < p ≤ 100) of the values; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/** Counts per bucket: each value in the first bucket whose bound is at or above it, the rest in a last, unbounded one. */
export function latencyHistogram(values: readonly number[], boundsMs: readonly number[] = DEFAULT_LATENCY_BUCKETS_MS): LatencyBucket[] {
  const buckets: LatencyBucket[] = [...boundsMs].sort((a, b) => a - b).map((upToMs) => ({ upToMs, count: 0 }));
  buckets.push({ upToMs: Infinity, count: 0 });
  for (const value of values) buckets.find((b) => value <= b.upToMs)!.count += 1;
  return buckets;
}

export const isServerError = (sample: RequestSample): boolean => sample.status !== undefined && isEndpointFailure(sample.status);

export function summarizeLoad(run: Pick<LoadRun, "samples" | "unsent" | "elapsedMs">, boundsMs?: readonly number[]): LoadSummary {
  const answered = run.samples.filter((s) => s.status !== undefined);
  const latencies = answered.map((s) => s.latencyMs);
  const serverErrors = answered.filter(isServerError).length;
  const transportFailures = run.samples.length - answered.length;
  return {
    requests: run.samples.length,
    answered: answered.length,
    serverErrors,
    transportFailures,
    unsent: run.unsent,
    errorRate: run.samples.length ? (serverErrors + transportFailures) / run.samples.length : 0,
    throughputPerSecond: run.elapsedMs > 0 ? answered.length / (run.elapsedMs / 1000) : 0,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    histogram: latencyHistogram(latencies, boundsMs),
  };
}
