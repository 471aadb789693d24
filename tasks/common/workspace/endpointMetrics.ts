// An online endpoint's traffic as Azure Monitor measures it, and the one judgement of a window of it that every
// feature shares (the rollout's analysis, the gate's endpointHealth check):
// - RequestsPerMinute (Total, split by deployment and statusCode) and RequestLatency_P95 (Average, split by
//   deployment), one point per minute. Several deployments together: their requests are added, and each
//   minute's p95 is their p95s weighted by that minute's requests (percentiles do not add; this is the closest
//   Azure Monitor's pre-aggregated data allows).
// - Errors are the endpoint's failures (endpointScoring's isEndpointFailure): the 5xx class and 424, Azure ML's
//   answer when the model itself failed (the scoring script raised or answered non-200), a 4xx that is the
//   deployment's failure. Other 4xx are the caller's (bad input, auth, a throttled 429) and are not errors.
// - The p95 guardrail is compared with the median of the window's per-minute p95 values: one slow minute does
//   not fail a window; a regression lasting half of it does.
// - Below minRequests a window is inconclusive, never a pass and never a fail: too few requests say nothing.
// - Azure Monitor's data arrives minutes late: a window read now must end metric-delay before now, or its last
//   minutes look empty (metricWindow).
import type { MetricsRequest, MetricSeries } from "../azure/monitorMetrics";
import { isEndpointFailure, MODEL_ERROR_STATUS } from "./endpointScoring";

export interface DeploymentMetrics {
  /** Requests by status class ("2xx", "4xx", "5xx" …) in the window, with Azure ML's model errors apart as "424". */
  requests: Readonly<Record<string, number>>;
  /** RequestLatency_P95 of each minute of the window that had requests, in ms. */
  p95PerMinuteMs: readonly number[];
}

/** Reads Azure Monitor series (readMetricSeries with the session's ARM context, in a task). */
export type MetricSeriesReader = (request: MetricsRequest, signal: AbortSignal) => Promise<MetricSeries[]>;

export interface EndpointMetricsQuery {
  /** The endpoint's ARM id: Azure Monitor's metrics are the endpoint's, split by deployment. */
  endpointId: string;
  /** Metrics of these deployments, added together. */
  deployments: readonly string[];
  fromMs: number;
  toMs: number;
}

export async function readDeploymentMetrics(read: MetricSeriesReader, query: EndpointMetricsQuery, signal: AbortSignal): Promise<DeploymentMetrics> {
  const window = { resourceId: query.endpointId, fromMs: query.fromMs, toMs: query.toMs };
  const [requestSeries, latencySeries] = await Promise.all([
    read({ ...window, metricName: "RequestsPerMinute", aggregation: "Total", filter: "deployment eq '*' and statusCode eq '*'" }, signal),
    read({ ...window, metricName: "RequestLatency_P95", aggregation: "Average", filter: "deployment eq '*'" }, signal),
  ]);
  return deploymentMetrics(query.deployments, requestSeries, latencySeries);
}

/**
 * The class a status code counts in: its class ("2xx", "5xx" …), except Azure ML's 424 (the model failed), kept
 * apart so that it counts as an error though it is a 4xx.
 */
export function statusClass(code: string | undefined): string {
  if (!code || !/^\d{3}$/.test(code)) return "unknown";
  return Number(code) === MODEL_ERROR_STATUS ? code : `${code[0]}xx`;
}

/** The requests by status class and the per-minute p95 of `deployments` together, from Azure Monitor's series. */
export function deploymentMetrics(deployments: readonly string[], requestSeries: MetricSeries[], latencySeries: MetricSeries[]): DeploymentMetrics {
  const wanted = new Set(deployments.map((d) => d.toLowerCase()));
  const mine = (series: MetricSeries) => wanted.has((series.dimensions.deployment ?? "").toLowerCase());
  const requests: Record<string, number> = {};
  /** minute → deployment → requests */
  const perMinute = new Map<number, Map<string, number>>();
  for (const series of requestSeries.filter(mine)) {
    const cls = statusClass(series.dimensions.statuscode);
    for (const point of series.points) {
      if (!point.value) continue;
      requests[cls] = (requests[cls] ?? 0) + point.value;
      const minute = perMinute.get(point.timeMs) ?? new Map<string, number>();
      minute.set(series.dimensions.deployment, (minute.get(series.dimensions.deployment) ?? 0) + point.value);
      perMinute.set(point.timeMs, minute);
    }
  }
  const weighted = new Map<number, { sum: number; weight: number }>();
  for (const series of latencySeries.filter(mine)) {
    for (const point of series.points) {
      const weight = perMinute.get(point.timeMs)?.get(series.dimensions.deployment) ?? 0;
      if (point.value === undefined || weight === 0) continue;
      const acc = weighted.get(point.timeMs) ?? { sum: 0, weight: 0 };
      acc.sum += point.value * weight;
      acc.weight += weight;
      weighted.set(point.timeMs, acc);
    }
  }
  const p95PerMinuteMs = [...weighted.entries()].sort(([a], [b]) => a - b).map(([, acc]) => acc.sum / acc.weight);
  return { requests, p95PerMinuteMs };
}

/** The window of the last `minutes` whose data Azure Monitor has: it ends `delayMs` before now. */
export function metricWindow(nowMs: number, minutes: number, delayMs: number): { fromMs: number; toMs: number } {
  const toMs = nowMs - delayMs;
  return { fromMs: toMs - minutes * 60_000, toMs };
}

export interface WindowGuardrails {
  minRequests: number;
  /** Highest acceptable share of failed answers (5xx and 424), 0–1. */
  maxErrorRate?: number;
  maxLatencyP95Ms?: number;
}

export interface WindowNumbers {
  requests: number;
  errors: number;
  errorRate?: number;
  /** Median of the window's per-minute p95 values. */
  p95Ms?: number;
}

export interface WindowJudgement {
  /** inconclusive: fewer than minRequests; fail: a guardrail is broken; pass: neither. */
  verdict: "pass" | "fail" | "inconclusive";
  /** Why, one sentence per finding, with the numbers (for a pass: none). */
  reasons: string[];
  numbers: WindowNumbers;
}

export const totalRequests = (requests: Readonly<Record<string, number>>) => Object.values(requests).reduce((a, b) => a + b, 0);
/** The requests that were the endpoint's failures: the 5xx class and Azure ML's model errors (424). */
export const serverErrors = (requests: Readonly<Record<string, number>>) =>
  Object.entries(requests).reduce((sum, [cls, count]) => sum + (isEndpointFailure(cls === "5xx" ? 500 : Number(cls)) ? count : 0), 0);

export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const percentText = (rate: number) => `${(rate * 100).toFixed(2)}%`;
export const msText = (value: number) => `${Math.round(value)} ms`;

/** The minimum-requests rule and the error-rate and p95 guardrails on one window of `subject` ("the new deployment"). */
export function judgeWindow(metrics: DeploymentMetrics, guardrails: WindowGuardrails, subject: string): WindowJudgement {
  const requests = totalRequests(metrics.requests);
  const errors = serverErrors(metrics.requests);
  const numbers: WindowNumbers = { requests, errors };
  if (requests < guardrails.minRequests) {
    return { verdict: "inconclusive", reasons: [`${requests} requests on ${subject}, fewer than the ${guardrails.minRequests} needed to judge`], numbers };
  }
  numbers.errorRate = errors / requests;
  numbers.p95Ms = median(metrics.p95PerMinuteMs);
  const failures: string[] = [];
  if (guardrails.maxErrorRate !== undefined && numbers.errorRate > guardrails.maxErrorRate) {
    failures.push(`error rate ${percentText(numbers.errorRate)} (${errors} of ${requests}) is above maxErrorRate ${percentText(guardrails.maxErrorRate)}`);
  }
  if (guardrails.maxLatencyP95Ms !== undefined && numbers.p95Ms !== undefined && numbers.p95Ms > guardrails.maxLatencyP95Ms) {
    failures.push(`p95 latency ${msText(numbers.p95Ms)} (median of ${metrics.p95PerMinuteMs.length} minutes) is above maxLatencyP95Ms ${guardrails.maxLatencyP95Ms} ms`);
  }
  return { verdict: failures.length ? "fail" : "pass", reasons: failures, numbers };
}
