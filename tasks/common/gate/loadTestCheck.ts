// The loadTest check: a request file sent to one deployment (the azureml-model-deployment header, through the
// endpoint's scoring URI, the path users' requests take) at a given rate and concurrency for a given time by
// the shared open-loop load generator (workspace/loadGenerator.ts), judged on p50/p95/p99 latency, error rate
// (5xx and transport failures) and throughput. Fewer answered requests than minRequests is inconclusive, as
// everywhere else; answers refused with a 4xx (other than 429 throttling: a wrong request file, auth, a missing
// deployment) measured nothing about the model and do not count toward minRequests; a run cut short by
// cancellation is inconclusive too. A 424 is Azure ML's answer when the model itself failed (score.py raised or
// answered non-200): with exact status codes at hand the load test counts it as an error, beside 5xx and
// transport failures.
import type { LoadSummary } from "../workspace/loadStatistics";
import type { CheckResult, ComparisonRow, GatePort, GateVerdict } from "./gatePort";
import { worstVerdict } from "./gatePort";

export interface LoadLimits {
  maxP50Ms?: number;
  maxP95Ms?: number;
  maxP99Ms?: number;
  /** 0–1. */
  maxErrorRate: number;
  /** Answers per second. */
  minThroughput?: number;
  minRequests: number;
}

export interface LoadTestSettings {
  endpointName: string;
  deploymentName: string;
  requestFile: string;
  ratePerSecond: number;
  concurrency: number;
  durationMs: number;
  limits: LoadLimits;
}

/** What a load run measured (the shared load statistics), whether it was cut short, its 424 answers and its refused ones. */
export type LoadMeasurement = LoadSummary & { cancelled?: boolean; modelErrors: number; refused: number };

/** The model failed to answer (Azure ML's 424 wraps the model's own non-200 status). */
export const MODEL_ERROR_STATUS = 424;

/** Answers that say the request itself was refused (bad body, auth, no such deployment); 429 is throttling, a real answer. */
export const isRefused = (status: number | undefined) => status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== MODEL_ERROR_STATUS;

const ms = (v: number | undefined) => (v === undefined ? "–" : `${Math.round(v)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The latency histogram as a markdown table with Unicode bars (the summary tab renders markdown, no images). */
export function histogramMarkdown(histogram: LoadMeasurement["histogram"]): string {
  const buckets = histogram.filter((b, i) => b.count > 0 || histogram.slice(i).some((later) => later.count > 0));
  const first = buckets.findIndex((b) => b.count > 0);
  const shown = first < 0 ? [] : buckets.slice(first);
  if (!shown.length) return "";
  const most = Math.max(...shown.map((b) => b.count));
  const total = shown.reduce((sum, b) => sum + b.count, 0);
  const lines = ["| Latency | Requests | |", "| --- | ---: | --- |"];
  let lower = first > 0 ? buckets[first - 1].upToMs : 0;
  for (const bucket of shown) {
    const label = bucket.upToMs === Infinity ? `> ${lower} ms` : `${lower}–${bucket.upToMs} ms`;
    lines.push(`| ${label} | ${bucket.count} (${((bucket.count / total) * 100).toFixed(0)}%) | ${"█".repeat(Math.round((bucket.count / most) * 30)) || (bucket.count ? "▏" : "")} |`);
    lower = bucket.upToMs;
  }
  return lines.join("\n");
}

/** The verdict on a measured run (pure: the unit tests feed it measurements). */
export function judgeLoad(settings: LoadTestSettings, run: LoadMeasurement): CheckResult {
  const { limits } = settings;
  const rows: ComparisonRow[] = [];
  const reasons: string[] = [];
  const target = `deployment '${settings.deploymentName}' of endpoint '${settings.endpointName}'`;
  const judged = run.answered - run.refused;
  const errorRate = run.requests ? (run.serverErrors + run.transportFailures + run.modelErrors) / run.requests : 0;
  const enough = judged >= limits.minRequests && !run.cancelled;
  rows.push({ measure: "answered requests", actual: `${judged} of ${run.requests} sent (${run.refused} refused with a 4xx, ${run.unsent} unsent)`, expected: `>= ${limits.minRequests} (minRequests)`, verdict: enough ? "pass" : "inconclusive" });
  if (run.cancelled) reasons.push(`the load test was cancelled after ${run.requests} requests`);
  else if (!enough) reasons.push(`${judged} answered requests from ${target}, fewer than the ${limits.minRequests} needed to judge`);
  if (run.refused) reasons.push(`${run.refused} requests were refused with a 4xx (not throttling): check requestFile (${settings.requestFile}) and deploymentName`);
  const judge = (measure: string, actual: number | undefined, text: string, limit: number | undefined, limitText: string, worse: (a: number, l: number) => boolean) => {
    if (limit === undefined) {
      rows.push({ measure, actual: text, expected: "–", verdict: enough ? "pass" : "inconclusive" });
      return;
    }
    const verdict: GateVerdict = !enough || actual === undefined ? "inconclusive" : worse(actual, limit) ? "fail" : "pass";
    rows.push({ measure, actual: text, expected: limitText, verdict });
    if (verdict === "fail") reasons.push(`${measure} ${text} of ${target} is outside the limit ${limitText}`);
  };
  judge("p50 latency", run.p50Ms, ms(run.p50Ms), limits.maxP50Ms, `<= ${limits.maxP50Ms} ms`, (a, l) => a > l);
  judge("p95 latency", run.p95Ms, ms(run.p95Ms), limits.maxP95Ms, `<= ${limits.maxP95Ms} ms`, (a, l) => a > l);
  judge("p99 latency", run.p99Ms, ms(run.p99Ms), limits.maxP99Ms, `<= ${limits.maxP99Ms} ms`, (a, l) => a > l);
  judge("error rate (5xx, 424 model errors, transport failures)", errorRate, `${pct(errorRate)} (${run.serverErrors} 5xx, ${run.modelErrors} 424, ${run.transportFailures} failed)`, limits.maxErrorRate, `<= ${pct(limits.maxErrorRate)}`, (a, l) => a > l);
  judge("throughput", run.throughputPerSecond, `${run.throughputPerSecond.toFixed(1)}/s (offered ${settings.ratePerSecond}/s)`, limits.minThroughput, `>= ${limits.minThroughput}/s`, (a, l) => a < l);
  const verdict = worstVerdict(rows.map((r) => r.verdict));
  if (verdict === "pass") reasons.push(`${target} answered ${judged} requests at ${settings.ratePerSecond}/s (concurrency ${settings.concurrency}, ${settings.durationMs / 1000} s): p50 ${ms(run.p50Ms)}, p95 ${ms(run.p95Ms)}, p99 ${ms(run.p99Ms)}, error rate ${pct(errorRate)}, ${run.throughputPerSecond.toFixed(1)}/s`);
  const { histogram, ...numbers } = run;
  return {
    check: "loadTest",
    verdict,
    reasons,
    rows,
    values: { endpoint: settings.endpointName, deployment: settings.deploymentName, ratePerSecond: settings.ratePerSecond, concurrency: settings.concurrency, durationSeconds: settings.durationMs / 1000, ...numbers, errorRate },
    details: histogramMarkdown(histogram),
  };
}

export async function checkLoadTest(port: GatePort, settings: LoadTestSettings, signal: AbortSignal): Promise<CheckResult> {
  port.log(`Load test: ${settings.ratePerSecond} requests/s, at most ${settings.concurrency} at once, for ${settings.durationMs / 1000} s to deployment '${settings.deploymentName}' of endpoint '${settings.endpointName}'`);
  const run = await port.runLoad(settings, signal);
  return judgeLoad(settings, run);
}
