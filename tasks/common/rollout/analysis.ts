// The analysis of one rollout step: at each look, from Azure Monitor's metrics of the new deployment and of the
// stable deployment(s) since the step began, a check verdict (pass, fail, inconclusive) with its numbers; at the
// end of the step, the step's verdict from its checks, failureLimit and inconclusivePolicy.
//
// What is measured, the minimum-requests rule and the guardrails: workspace/endpointMetrics.ts (shared with the
// gate's endpointHealth check). Here, beyond them: the comparison with stable. The comparison of latency is a
// rank test of the per-minute p95 values, not of request latencies, which Azure Monitor does not give.
// Rules:
// - Below minRequests on the new deployment (or on stable, when compared) a check is inconclusive, never a
//   pass and never a fail: too few requests say nothing either way.
// - maxErrorRate and maxLatencyP95Ms are guardrails on observed values, checked at every look.
// - The error comparison is the mSPRT's always-valid p-value over the whole rollout, checked at every look:
//   a deployment's error rate does not depend on its share of traffic, so the counts of the earlier steps
//   carry over (the steps' windows do not overlap), and however often the task looks, the chance of a false
//   alarm in the whole rollout stays at most α = 1 − confidence. (A rollout continued by a re-run starts a new
//   stream at the step it continues.) The latency rank test is done once per step, at its last look (it needs
//   minLatencyMinutes values of each side), at α split evenly over the analysed steps (Bonferroni).
// - So a good deployment is rolled back by a comparison with probability at most about 2 × (1 − confidence):
//   α for errors, α for latency. Guardrails are not tests and have no level.
// - A step fails when its failed checks exceed failureLimit (Argo Rollouts' meaning: 0 fails at the first
//   failed check). Otherwise, its last check decides: pass, or inconclusive, which inconclusivePolicy turns
//   into fail, pause or pass.
import { type DeploymentMetrics, judgeWindow, median, msText as ms, percentText as percent, serverErrors as errorsOf, totalRequests as total } from "../workspace/endpointMetrics";
import { alwaysValidPValue, mannWhitneyGreater, type Proportion } from "./statistics";

export type { DeploymentMetrics };

export type InconclusivePolicy = "fail" | "pause" | "pass";

export interface AnalysisSettings {
  minRequests: number;
  /** Highest acceptable share of 5xx answers, 0–1. */
  maxErrorRate?: number;
  maxLatencyP95Ms?: number;
  compareWithStable: boolean;
  /** e.g. 0.95 */
  confidence: number;
  failureLimit: number;
  inconclusivePolicy: InconclusivePolicy;
  /** Per-minute p95 values each side needs for the latency rank test. */
  minLatencyMinutes: number;
}

export const DEFAULT_ANALYSIS: AnalysisSettings = {
  minRequests: 100,
  compareWithStable: true,
  confidence: 0.95,
  failureLimit: 0,
  inconclusivePolicy: "fail",
  minLatencyMinutes: 5,
};

export type CheckVerdict = "pass" | "fail" | "inconclusive";

export interface CheckNumbers {
  requests: number;
  errors: number;
  errorRate?: number;
  p95Ms?: number;
  stableRequests?: number;
  stableErrors?: number;
  stableErrorRate?: number;
  stableP95Ms?: number;
  /** Always-valid p-value for "the new deployment errs more", over the rollout so far. */
  errorPValue?: number;
  latencyPValue?: number;
  /** The level of the latency comparison in this step. */
  alpha: number;
  /** The level of the error comparison over the rollout. */
  errorAlpha: number;
}

export interface Check {
  verdict: CheckVerdict;
  /** Why, one sentence per finding, with the numbers. */
  reasons: string[];
  numbers: CheckNumbers;
}

export interface Look {
  candidate: DeploymentMetrics;
  /** The stable deployments' metrics added together; absent when no deployment besides the new one takes traffic. */
  stable?: DeploymentMetrics;
  /** The step's last look: the latency rank test is done here. */
  final: boolean;
  /** The error p-value after the rollout's previous look (1 at the first). */
  previousErrorPValue: number;
  /** Requests and 5xx of the rollout's earlier analysed steps, for the error comparison. */
  earlier?: { candidate: Proportion; stable: Proportion };
  /** The latency comparison's level in this step. */
  alpha: number;
  /** The error comparison's level over the rollout. */
  errorAlpha: number;
}

/** The level of the latency comparison in a step: the rollout's α split over its analysed steps. */
export function stepAlpha(confidence: number, analysedSteps: number): number {
  return (1 - confidence) / Math.max(1, analysedSteps);
}

const p = (value: number) => (value < 0.0001 ? value.toExponential(1) : value.toFixed(4));

/** One look at a step's metrics since it began. */
export function checkLook(look: Look, settings: AnalysisSettings): Check {
  const window = judgeWindow(look.candidate, settings, "the new deployment");
  const numbers: CheckNumbers = { ...window.numbers, alpha: look.alpha, errorAlpha: look.errorAlpha, errorPValue: look.previousErrorPValue };
  if (window.verdict === "inconclusive") return { verdict: "inconclusive", reasons: window.reasons, numbers };
  const failures = [...window.reasons];
  const unsure: string[] = [];
  if (settings.compareWithStable) compareWithStable(look, settings, numbers, failures, unsure);
  if (failures.length) return { verdict: "fail", reasons: failures, numbers };
  if (unsure.length) return { verdict: "inconclusive", reasons: unsure, numbers };
  return { verdict: "pass", reasons: [passReason(numbers)], numbers };
}

function compareWithStable(look: Look, settings: AnalysisSettings, numbers: CheckNumbers, failures: string[], unsure: string[]): void {
  const stable = look.stable;
  if (!stable) return; // nothing else takes live traffic (the 100% step): the guardrails alone judge
  numbers.stableRequests = total(stable.requests);
  numbers.stableErrors = errorsOf(stable.requests);
  numbers.stableP95Ms = median(stable.p95PerMinuteMs);
  if (numbers.stableRequests < settings.minRequests) {
    unsure.push(`${numbers.stableRequests} requests on the stable deployment, fewer than the ${settings.minRequests} needed to compare`);
    return;
  }
  numbers.stableErrorRate = numbers.stableErrors / numbers.stableRequests;
  const candidate: Proportion = { events: numbers.errors + (look.earlier?.candidate.events ?? 0), trials: numbers.requests + (look.earlier?.candidate.trials ?? 0) };
  const baseline: Proportion = { events: numbers.stableErrors + (look.earlier?.stable.events ?? 0), trials: numbers.stableRequests + (look.earlier?.stable.trials ?? 0) };
  numbers.errorPValue = alwaysValidPValue(look.previousErrorPValue, candidate, baseline);
  if (numbers.errorPValue <= look.errorAlpha) {
    const over = look.earlier ? `, over the rollout's ${candidate.trials} and ${baseline.trials} requests: ${percent(candidate.events / candidate.trials)} against ${percent(baseline.events / baseline.trials)}` : "";
    failures.push(`error rate ${percent(numbers.errorRate!)} is higher than stable's ${percent(numbers.stableErrorRate)} (always-valid p = ${p(numbers.errorPValue)} ≤ α = ${p(look.errorAlpha)}${over})`);
  }
  if (!look.final) return;
  const minutes = Math.min(look.candidate.p95PerMinuteMs.length, stable.p95PerMinuteMs.length);
  if (minutes < settings.minLatencyMinutes) {
    unsure.push(`${minutes} minutes of p95 latency on ${look.candidate.p95PerMinuteMs.length < stable.p95PerMinuteMs.length ? "the new" : "the stable"} deployment, fewer than the ${settings.minLatencyMinutes} the latency comparison needs`);
    return;
  }
  const test = mannWhitneyGreater(look.candidate.p95PerMinuteMs, stable.p95PerMinuteMs);
  numbers.latencyPValue = test.pValue;
  if (test.pValue <= look.alpha) {
    failures.push(`per-minute p95 latency (median ${ms(numbers.p95Ms!)}) is higher than stable's (median ${ms(numbers.stableP95Ms!)}) (Mann–Whitney p = ${p(test.pValue)} ≤ α = ${p(look.alpha)})`);
  }
}

function passReason(n: CheckNumbers): string {
  const parts = [`${n.requests} requests, error rate ${percent(n.errorRate!)}`];
  if (n.p95Ms !== undefined) parts.push(`p95 ${ms(n.p95Ms)}`);
  if (n.stableErrorRate !== undefined) parts.push(`stable ${percent(n.stableErrorRate)}${n.stableP95Ms !== undefined ? `, p95 ${ms(n.stableP95Ms)}` : ""}`);
  return parts.join(", ");
}

const SEVERITY: Record<CheckVerdict, number> = { pass: 0, inconclusive: 1, fail: 2 };

/**
 * A look's check with the custom check's verdict joined in: the worse verdict wins (fail over inconclusive
 * over pass), so the step's failureLimit and inconclusivePolicy treat both alike. On a pass the reasons keep
 * only what passed; otherwise only what did not.
 */
export function joinCheck(check: Check, other: { verdict: CheckVerdict; reason: string }): Check {
  const verdict = SEVERITY[other.verdict] > SEVERITY[check.verdict] ? other.verdict : check.verdict;
  const reasons = verdict === "pass" ? [...check.reasons, other.reason] : [...(check.verdict === verdict ? check.reasons : []), ...(other.verdict === verdict ? [other.reason] : [])];
  return { verdict, reasons, numbers: check.numbers };
}

export type StepVerdict = "pass" | "fail" | "pause";

export interface StepJudgement {
  verdict: StepVerdict;
  reason: string;
}

/** Whether a step is already decided by its failed checks (it can stop early). */
export function failedEarly(checks: readonly Check[], settings: Pick<AnalysisSettings, "failureLimit">): boolean {
  return checks.filter((c) => c.verdict === "fail").length > settings.failureLimit;
}

/** The step's verdict from all its checks, the last being the look at its end. */
export function judgeStep(checks: readonly Check[], settings: Pick<AnalysisSettings, "failureLimit" | "inconclusivePolicy">): StepJudgement {
  const failed = checks.filter((c) => c.verdict === "fail");
  const last = checks[checks.length - 1];
  if (failed.length > settings.failureLimit) {
    return { verdict: "fail", reason: `${failed.length} failed check${failed.length > 1 ? "s" : ""} (failureLimit ${settings.failureLimit}): ${failed[failed.length - 1].reasons.join("; ")}` };
  }
  if (!last) return judgeInconclusive("no metrics were read", settings.inconclusivePolicy);
  if (last.verdict === "inconclusive") return judgeInconclusive(last.reasons.join("; "), settings.inconclusivePolicy);
  return { verdict: "pass", reason: last.verdict === "pass" ? last.reasons.join("; ") : `${failed.length} failed check(s) within failureLimit ${settings.failureLimit}` };
}

function judgeInconclusive(why: string, policy: InconclusivePolicy): StepJudgement {
  const verdict: StepVerdict = policy;
  return { verdict, reason: `inconclusive (${why}); inconclusivePolicy ${policy}` };
}
