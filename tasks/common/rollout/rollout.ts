// The rollout state machine: pure, driven by a port (the endpoint, Azure Monitor, the clock), so that every
// path — each verdict, each failure, cancellation, a rollback that fails — is tested without Azure.
//
// Actions:
// - start: snapshot traffic and mirror, check every step's map against Azure ML's rules, then run the steps;
//   a re-run that finds this deployment's rollout running (a killed agent) continues at the recorded step; one
//   that finds it paused stays paused (resume, promote or abort decide).
// - step: set one weight (a canary deployment job's `$(strategy.increment)`), from the snapshot taken at the
//   first step; 100 promotes; otherwise the result is `paused` at that weight.
// - promote: the new deployment takes all live traffic; abort: the snapshot is restored; resume: go on after a
//   pause (with the step after the one that paused).
// Where the rollout stands is recorded in the endpoint's tags with each traffic change (rolloutRecord.ts).
// On a failed analysis (onFailure rollback), a failed update, an error, a timeout or cancellation the snapshot
// is restored exactly, retried with back-off; if it cannot be, the outcome says what the traffic is and what
// it should be, and the record stays so that `action: abort` can finish the job.
import { errorMessage, UserError } from "../platform/userError";
import { type AnalysisSettings, type Check, checkLook, type CheckVerdict, type DeploymentMetrics, failedEarly, joinCheck, judgeStep, stepAlpha } from "./analysis";
import type { Proportion } from "./statistics";
import { planFingerprint, readRecord, type RolloutRecord, withRecord } from "./rolloutRecord";
import { describeStep, type StepPlan } from "./stepPlan";
import { describeTraffic, type EndpointFacts, type EndpointTraffic, planTraffic, sameTraffic, stableDeployments, trafficProblems, weightTraffic } from "./traffic";

export interface EndpointView extends EndpointFacts, EndpointTraffic {
  tags: Readonly<Record<string, string>>;
}

export interface MetricsQuery {
  /** Metrics of these deployments, added together. */
  deployments: readonly string[];
  fromMs: number;
  toMs: number;
}

export interface RolloutPort {
  readEndpoint(signal: AbortSignal): Promise<EndpointView>;
  /** One full endpoint PUT with this traffic, mirror traffic and tags; resolves once a read of the endpoint shows them. */
  putTraffic(state: EndpointTraffic, tags: Record<string, string>, signal: AbortSignal): Promise<void>;
  readMetrics(query: MetricsQuery, signal: AbortSignal): Promise<DeploymentMetrics>;
  /** The custom check (customCheck.ts), when one is configured: run at every look, beside the metrics. */
  customCheck?(signal: AbortSignal): Promise<{ verdict: CheckVerdict; reason: string }>;
  /** The load test (loadTest.ts), when one is configured: scores the endpoint for durationMs or until the signal aborts; never rejects. */
  sendLoad?(durationMs: number, signal: AbortSignal): Promise<void>;
  now(): number;
  /** Rejects when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  log(message: string): void;
}

export type RolloutAction = "start" | "step" | "promote" | "abort" | "resume";

export interface RolloutRequest {
  action: RolloutAction;
  deployment: string;
  /** start and resume. */
  plan?: StepPlan;
  /** step. */
  weight?: number;
  analysis: AnalysisSettings;
  onFailure: "rollback" | "pause";
  /** Time between looks at the metrics during a step. */
  lookIntervalMs: number;
  /** How late Azure Monitor's data arrives: a window ends this long before now, and a step's last look waits for it. */
  metricDelayMs: number;
  /** The whole run, pauses excluded (there are none within a run). */
  timeoutMs?: number;
  restoreAttempts?: number;
  restoreBackoffMs?: number;
}

export interface RolloutSignals {
  /** Aborted when the agent cancels the task. */
  cancel: AbortSignal;
  /** Aborted when the time to restore traffic after a cancellation is over. */
  cleanup: AbortSignal;
}

export type RolloutResult = "promoted" | "rolledBack" | "paused" | "rollbackFailed";

export interface StepReport {
  index: number;
  description: string;
  traffic?: EndpointTraffic;
  verdict: "pass" | "fail" | "pause" | "applied";
  reason: string;
  checks: Check[];
  startedMs: number;
  endedMs: number;
}

export interface RolloutOutcome {
  result: RolloutResult;
  /** Whether the task fails: a rollback it was not asked for, or a rollback that did not happen. */
  failed: boolean;
  message: string;
  finalTraffic?: EndpointTraffic;
  snapshot?: EndpointTraffic;
  steps: StepReport[];
}

class Stop extends Error {}

/** The rollout-wide error comparison: its running p-value and the counts of the steps already analysed. */
interface ErrorStream {
  pValue: number;
  earlier: { candidate: Proportion; stable: Proportion };
}

export async function runRollout(port: RolloutPort, request: RolloutRequest, signals: RolloutSignals): Promise<RolloutOutcome> {
  const startedMs = port.now();
  const steps: StepReport[] = [];
  const endpoint = await port.readEndpoint(signals.cancel);
  let tags = { ...endpoint.tags };
  let record = readRecord(tags);
  const candidate = request.deployment;
  let current: EndpointTraffic = { traffic: endpoint.traffic, mirror: endpoint.mirror };

  if (record && record.deployment !== candidate) {
    throw new UserError(`A rollout of deployment '${record.deployment}' is in progress on this endpoint (${record.status}); finish it first (action: promote or abort for '${record.deployment}')`);
  }

  /** What a rollback restores, once known; set before the first change. */
  let snapshot: EndpointTraffic | undefined = record?.snapshot;
  /** A PUT was sent: from here on the endpoint may have changed even if no PUT was confirmed. */
  let changing = false;

  const put = async (state: EndpointTraffic, next: RolloutRecord | undefined, signal: AbortSignal) => {
    const problems = trafficProblems(state, endpoint);
    if (problems.length) throw new Error(`Refusing to set traffic '${describeTraffic(state)}': ${problems.join("; ")}`);
    const nextTags = withRecord(tags, next);
    changing = true;
    await port.putTraffic(state, nextTags, signal);
    tags = nextTags;
    record = next;
    current = state;
    port.log(`Traffic is now ${describeTraffic(state)}`);
  };

  const outcome = (result: RolloutResult, message: string, failed = false): RolloutOutcome => ({ result, failed, message, finalTraffic: current, snapshot, steps });

  const restore = async (before: EndpointTraffic, why: string, failed: boolean): Promise<RolloutOutcome> => {
    const attempts = request.restoreAttempts ?? 5;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await put(before, undefined, signals.cleanup);
        port.log(`Restored the traffic from before the rollout: ${describeTraffic(before)}`);
        return outcome("rolledBack", `${why}; traffic restored to ${describeTraffic(before)}`, failed);
      } catch (error) {
        lastError = error;
        port.log(`Restoring traffic failed (attempt ${attempt} of ${attempts}): ${errorMessage(error)}`);
        if (signals.cleanup.aborted || attempt === attempts) break;
        await port.sleep((request.restoreBackoffMs ?? 2_000) * 2 ** (attempt - 1), signals.cleanup).catch(() => undefined);
        if (signals.cleanup.aborted) break;
      }
    }
    let actual: EndpointTraffic | undefined;
    try {
      const read = await port.readEndpoint(signals.cleanup);
      actual = { traffic: read.traffic, mirror: read.mirror };
    } catch {
      actual = undefined;
    }
    if (actual && sameTraffic(actual, before)) {
      // The PUT went through but its confirmation did not (out of time after SIGINT, say): restored all the same.
      current = actual;
      record = undefined;
      return outcome("rolledBack", `${why}; traffic restored to ${describeTraffic(before)}`, failed);
    }
    const is = actual ? `it is ${describeTraffic(actual)}` : "it could not be read";
    return {
      result: "rollbackFailed",
      failed: true,
      message: `${why}; the traffic could NOT be restored (${errorMessage(lastError)}): ${is}, and it should be ${describeTraffic(before)}. Run the task with action: abort, or set the traffic by hand`,
      finalTraffic: actual,
      snapshot: before,
      steps,
    };
  };

  try {
    switch (request.action) {
      case "abort": {
        if (!record) return outcome("rolledBack", `No rollout of '${candidate}' is in progress; traffic left as it is: ${describeTraffic(current)}`);
        return await restore(record.snapshot, "Rollout aborted", false);
      }
      case "promote": {
        const promoted = weightTraffic(record?.snapshot ?? current, candidate, 100);
        await put(promoted, undefined, signals.cancel);
        return outcome("promoted", `Deployment '${candidate}' takes all live traffic`);
      }
      case "step": {
        const weight = request.weight;
        if (weight === undefined || !Number.isInteger(weight) || weight < 0 || weight > 100) throw new UserError(`Input 'weight' must be a whole number from 0 to 100, not '${weight}'`);
        if (record && record.plan !== "step") throw new UserError(`A rollout of '${candidate}' with steps is in progress; use action: resume, promote or abort rather than step`);
        snapshot = record?.snapshot ?? current;
        const target = weightTraffic(snapshot, candidate, weight);
        const problems = trafficProblems(target, endpoint);
        if (problems.length) throw new UserError(`Input 'weight': Azure ML would refuse the traffic '${describeTraffic(target)}': ${problems.join("; ")}`);
        if (weight < 100 && !stableDeployments(snapshot, candidate).length) throw new UserError(`Input 'weight': no other deployment takes live traffic (${describeTraffic(snapshot)}), so there is nothing to share it with`);
        const begun = port.now();
        await put(target, weight === 100 ? undefined : { deployment: candidate, snapshot, step: 0, status: "paused", plan: "step" }, signals.cancel);
        steps.push({ index: 0, description: `${weight}%`, traffic: target, verdict: "applied", reason: "weight set", checks: [], startedMs: begun, endedMs: port.now() });
        return weight === 100 ? outcome("promoted", `Deployment '${candidate}' takes all live traffic`) : outcome("paused", `Deployment '${candidate}' takes ${weight}% of live traffic; next: another step, promote or abort`);
      }
      case "start":
      case "resume":
        return await runPlan();
    }
  } catch (error) {
    // promote and abort were asked to set traffic: a failure is reported, not undone. Before this run's first
    // PUT nothing changed (a paused or recorded rollout stays as it was): the error is the whole story.
    if (request.action === "promote" || request.action === "abort" || !snapshot || !changing) throw error;
    const why = signals.cancel.aborted ? "The task was cancelled" : error instanceof Stop ? error.message : `Rollout failed: ${errorMessage(error)}`;
    return await restore(snapshot, why, true);
  }

  async function runPlan(): Promise<RolloutOutcome> {
    const plan = request.plan;
    if (!plan) throw new UserError("Input 'steps' (or stepWeight, maxWeight and interval) is required to start or resume a rollout");
    const fingerprint = planFingerprint(plan.steps.map(describeStep));
    let first = 0;
    if (record) {
      if (record.plan !== fingerprint) throw new UserError(`The rollout of '${candidate}' in progress was started with other steps; run it with the same steps, or use action: promote or abort`);
      if (request.action === "start" && record.status === "paused") return outcome("paused", `The rollout of '${candidate}' is paused before step ${record.step + 1}; use action: resume, promote or abort`);
      first = record.step;
      port.log(`Continuing the rollout of '${candidate}' at step ${first + 1} of ${plan.steps.length} (${record.status})`);
    } else if (request.action === "resume") {
      throw new UserError(`No rollout of '${candidate}' is in progress on this endpoint to resume; use action: start`);
    }
    const before = record?.snapshot ?? current;
    const maps = planTraffic(before, candidate, plan, endpoint);
    snapshot = before;
    const stables = stableDeployments(before, candidate);
    const analysed = plan.steps.filter((s) => s.kind !== "pause" && s.holdMs > 0).length;
    const alpha = stepAlpha(request.analysis.confidence, analysed);
    // The error comparison runs over the whole rollout: each analysed step's counts carry into the next.
    const errorStream = { pValue: 1, earlier: { candidate: { events: 0, trials: 0 }, stable: { events: 0, trials: 0 } } };
    const deadline = request.timeoutMs === undefined ? Infinity : startedMs + request.timeoutMs;
    port.log(`Traffic before the rollout: ${describeTraffic(before)}`);

    for (let index = first; index < plan.steps.length; index++) {
      const step = plan.steps[index];
      const begun = port.now();
      const report = (verdict: StepReport["verdict"], reason: string, checks: Check[] = []) =>
        steps.push({ index, description: describeStep(step), traffic: maps[index], verdict, reason, checks, startedMs: begun, endedMs: port.now() });
      const running = (at: number, status: RolloutRecord["status"] = "running"): RolloutRecord => ({ deployment: candidate, snapshot: before, step: at, status, plan: fingerprint });
      if (step.kind === "pause") {
        await put(current, running(index + 1, "paused"), signals.cancel);
        report("pause", "paused by the plan");
        return outcome("paused", `Paused at step ${index + 1} by the plan; use action: resume to go on, promote or abort`);
      }
      port.log(`Step ${index + 1} of ${plan.steps.length}: ${describeStep(step)}`);
      const last = index === plan.steps.length - 1;
      await put(maps[index]!, last && step.holdMs === 0 ? undefined : running(index), signals.cancel);
      if (step.holdMs === 0) {
        report("applied", "no analysis");
        continue;
      }
      const compareWith = step.kind === "traffic" && step.weight === 100 ? [] : stables;
      const checks = await withLoad(step.holdMs, () => analyse(begun, step.holdMs, compareWith, alpha, errorStream, deadline));
      const judged = judgeStep(checks, request.analysis);
      report(judged.verdict, judged.reason, checks);
      port.log(`Step ${index + 1}: ${judged.verdict} — ${judged.reason}`);
      if (judged.verdict === "pause" || (judged.verdict === "fail" && request.onFailure === "pause")) {
        await put(current, running(index + 1, "paused"), signals.cancel);
        const why = judged.verdict === "fail" ? `failed (onFailure: pause): ${judged.reason}` : judged.reason;
        return outcome("paused", `Paused after step ${index + 1} (${describeStep(step)}), ${why}; use action: resume to go on, promote or abort`, judged.verdict === "fail");
      }
      if (judged.verdict === "fail") throw new Stop(`Step ${index + 1} (${describeStep(step)}) failed its analysis: ${judged.reason}`);
      if (last) await put(current, undefined, signals.cancel);
    }
    return outcome("promoted", `Deployment '${candidate}' takes all live traffic`);
  }

  /** Runs the step's analysis with the load test sending during its window; the load stops when the analysis ends, however it ends. */
  async function withLoad<T>(windowMs: number, analysis: () => Promise<T>): Promise<T> {
    if (!port.sendLoad) return analysis();
    const stop = new AbortController();
    const onCancel = () => stop.abort();
    signals.cancel.addEventListener("abort", onCancel, { once: true });
    const load = port.sendLoad(windowMs, stop.signal).catch((error: unknown) => port.log(`Load test failed: ${errorMessage(error)}`));
    try {
      return await analysis();
    } finally {
      stop.abort();
      signals.cancel.removeEventListener("abort", onCancel);
      await load;
    }
  }

  async function analyse(begun: number, holdMs: number, stable: readonly string[], alpha: number, errors: ErrorStream, deadline: number): Promise<Check[]> {
    const checks: Check[] = [];
    const endMs = begun + holdMs;
    for (;;) {
      const now = port.now();
      if (now > deadline) throw new Stop(`The rollout timed out after ${Math.round((now - startedMs) / 60_000)} minutes`);
      const final = now >= endMs + request.metricDelayMs;
      const toMs = Math.min(now - request.metricDelayMs, endMs);
      if (toMs > begun) {
        const window = { fromMs: begun, toMs };
        const candidateMetrics = await port.readMetrics({ ...window, deployments: [candidate] }, signals.cancel);
        const stableMetrics = stable.length ? await port.readMetrics({ ...window, deployments: stable }, signals.cancel) : undefined;
        const metricsCheck = checkLook({ candidate: candidateMetrics, stable: stableMetrics, final, previousErrorPValue: errors.pValue, earlier: errors.earlier, alpha, errorAlpha: 1 - request.analysis.confidence }, request.analysis);
        errors.pValue = metricsCheck.numbers.errorPValue ?? errors.pValue;
        const check = port.customCheck ? joinCheck(metricsCheck, await port.customCheck(signals.cancel)) : metricsCheck;
        checks.push(check);
        if (failedEarly(checks, request.analysis)) return checks;
      }
      if (final) {
        const last = checks[checks.length - 1]?.numbers;
        if (last?.stableRequests !== undefined && last.stableErrors !== undefined) {
          errors.earlier.candidate = { events: errors.earlier.candidate.events + last.errors, trials: errors.earlier.candidate.trials + last.requests };
          errors.earlier.stable = { events: errors.earlier.stable.events + last.stableErrors, trials: errors.earlier.stable.trials + last.stableRequests };
        }
        return checks;
      }
      await port.sleep(Math.min(request.lookIntervalMs, endMs + request.metricDelayMs - now), signals.cancel);
    }
  }
}
