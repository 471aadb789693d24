import * as assert from "node:assert/strict";
import { DEFAULT_ANALYSIS } from "../../tasks/common/rollout/analysis";
import { runRollout, type RolloutRequest, type RolloutSignals } from "../../tasks/common/rollout/rollout";
import { readRecord } from "../../tasks/common/rollout/rolloutRecord";
import { parseSteps } from "../../tasks/common/rollout/stepPlan";
import { UserError } from "../../tasks/common/platform/userError";
import { FakeEndpoint } from "./fakePort";

const MIN = 60_000;
const steps = "mirror 20 for 10m; 10 for 10m; 50 for 10m; 100";
const request = (extra: Partial<RolloutRequest> = {}): RolloutRequest => ({
  action: "start",
  deployment: "green",
  plan: parseSteps(steps),
  analysis: { ...DEFAULT_ANALYSIS, maxErrorRate: 0.05, maxLatencyP95Ms: 1_000 },
  onFailure: "rollback",
  lookIntervalMs: MIN,
  metricDelayMs: 3 * MIN,
  restoreBackoffMs: 1_000,
  ...extra,
});
const signals = (): RolloutSignals & { cancel: AbortSignal; controller: AbortController } => {
  const controller = new AbortController();
  return { cancel: controller.signal, cleanup: new AbortController().signal, controller };
};
const endpoint = (bad = false, extra = {}) =>
  new FakeEndpoint({ traffic: { blue: 100, green: 0 }, behaviour: { blue: { errorRate: 0.01, p95Ms: 100 }, green: bad ? { errorRate: 0.08, p95Ms: 100 } : { errorRate: 0.01, p95Ms: 100 } }, ...extra });

describe("rollout: state machine", () => {
  it("promotes a good deployment step by step, recording where it stands and clearing the record at the end", async () => {
    const fake = endpoint();
    const outcome = await runRollout(fake, request(), signals());
    assert.equal(outcome.result, "promoted");
    assert.equal(outcome.failed, false);
    assert.deepEqual(fake.puts, [
      { traffic: { blue: 100 }, mirror: { green: 20 } },
      { traffic: { blue: 90, green: 10 }, mirror: {} },
      { traffic: { blue: 50, green: 50 }, mirror: {} },
      { traffic: { green: 100 }, mirror: {} },
    ]);
    assert.deepEqual(outcome.steps.map((s) => s.verdict), ["pass", "pass", "pass", "applied"]);
    assert.deepEqual(fake.tags, { owner: "ml-team" });
    assert.deepEqual(outcome.snapshot, { traffic: { blue: 100, green: 0 }, mirror: {} });
  });

  it("rolls a bad deployment back to the exact snapshot, mirror included, and says why", async () => {
    const fake = new FakeEndpoint({ traffic: { blue: 70, red: 30 }, mirror: { shadow: 5 }, deployments: ["blue", "red", "shadow", "green"], behaviour: { green: { errorRate: 0.2, p95Ms: 100 } } });
    const outcome = await runRollout(fake, request({ plan: parseSteps("10 for 10m; 50 for 10m") }), signals());
    assert.equal(outcome.result, "rolledBack");
    assert.ok(outcome.failed);
    assert.deepEqual(fake.state(), { traffic: { blue: 70, red: 30 }, mirror: { shadow: 5 } });
    assert.match(outcome.message, /Step 1 \(10% for 10m\) failed its analysis: 1 failed check \(failureLimit 0\): error rate 2\d\.\d\d% .* above maxErrorRate 5\.00%.*; traffic restored to blue 70%, red 30%; mirror shadow 5%/);
    assert.deepEqual(fake.tags, { owner: "ml-team" });
    // caught at the first look, not at the end of the step
    assert.ok(outcome.steps[0].checks.length <= 2);
  });

  it("joins a custom check's verdict to every look: a failing one rolls back a deployment the metrics pass", async () => {
    const fake = endpoint();
    let calls = 0;
    fake.customCheck = async () => (++calls >= 3 ? { verdict: "fail" as const, reason: "custom check: $.drift is 0.4; $.drift < 0.1 does not hold" } : { verdict: "pass" as const, reason: "custom check: ok" });
    const outcome = await runRollout(fake, request(), signals());
    assert.equal(outcome.result, "rolledBack");
    assert.match(outcome.message, /failed its analysis: 1 failed check \(failureLimit 0\): custom check: \$\.drift is 0\.4/);
    assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: {} });
  });

  it("a custom check that cannot run is inconclusive, so inconclusivePolicy decides", async () => {
    for (const [policy, result] of [["fail", "rolledBack"], ["pause", "paused"]] as const) {
      const fake = endpoint();
      fake.customCheck = async () => ({ verdict: "inconclusive" as const, reason: "custom check GET https://h/q: answered 503: down" });
      const outcome = await runRollout(fake, request({ analysis: { ...DEFAULT_ANALYSIS, inconclusivePolicy: policy } }), signals());
      assert.equal(outcome.result, result);
      assert.match(outcome.message, /inconclusive \(custom check GET https:\/\/h\/q: answered 503: down\)/);
    }
  });

  it("sends the load test during each analysed step's window and stops it when the step ends, early on failure", async () => {
    const runs = async (bad: boolean) => {
      const fake = endpoint(bad);
      const loads: Array<{ durationMs: number; startedMs: number; stoppedMs?: number }> = [];
      fake.sendLoad = (durationMs, signal) => {
        const load: { durationMs: number; startedMs: number; stoppedMs?: number } = { durationMs, startedMs: fake.clock };
        loads.push(load);
        return new Promise<void>((resolve) => signal.addEventListener("abort", () => ((load.stoppedMs = fake.clock), resolve()), { once: true }));
      };
      return { outcome: await runRollout(fake, request(), signals()), loads };
    };
    const good = await runs(false);
    assert.equal(good.outcome.result, "promoted");
    // mirror, 10% and 50% are analysed; the 100% step is not
    assert.deepEqual(good.loads.map((l) => l.durationMs), [10 * MIN, 10 * MIN, 10 * MIN]);
    assert.ok(good.loads.every((l) => l.stoppedMs !== undefined && l.stoppedMs - l.startedMs >= 10 * MIN));
    const bad = await runs(true);
    assert.equal(bad.outcome.result, "rolledBack");
    assert.ok(bad.loads.every((l) => l.stoppedMs !== undefined), "no load left running after a rollback");
    assert.ok(bad.loads[bad.loads.length - 1].stoppedMs! - bad.loads[bad.loads.length - 1].startedMs < 10 * MIN, "stopped early with the failed step");
  });

  it("catches an error rate above stable's by the sequential test even under maxErrorRate", async () => {
    const fake = endpoint(true);
    const outcome = await runRollout(fake, request({ analysis: { ...DEFAULT_ANALYSIS, maxErrorRate: 0.1 } }), signals());
    assert.equal(outcome.result, "rolledBack");
    assert.match(outcome.message, /higher than stable's .*always-valid p = /);
  });

  for (const [policy, result] of [["fail", "rolledBack"], ["pause", "paused"], ["pass", "promoted"]] as const) {
    it(`inconclusive analysis (too few requests) under inconclusivePolicy ${policy} ends ${result}`, async () => {
      const fake = endpoint(false, { requestsPerMinute: 5 });
      const outcome = await runRollout(fake, request({ analysis: { ...DEFAULT_ANALYSIS, inconclusivePolicy: policy } }), signals());
      assert.equal(outcome.result, result);
      assert.match(outcome.steps[0].reason, /inconclusive \(\d+ requests on the new deployment, fewer than the 100 needed/);
      if (policy === "pause") {
        assert.deepEqual(readRecord(fake.tags)?.step, 1);
        assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: { green: 20 } });
      }
    });
  }

  it("pauses at a pause step, stays paused on a re-run with start, and goes on with resume", async () => {
    const fake = endpoint();
    const plan = parseSteps("10 for 10m; pause; 50 for 10m; 100");
    const paused = await runRollout(fake, request({ plan }), signals());
    assert.equal(paused.result, "paused");
    assert.equal(paused.failed, false);
    assert.deepEqual(fake.state().traffic, { blue: 90, green: 10 });
    assert.equal(readRecord(fake.tags)?.status, "paused");
    const rerun = await runRollout(fake, request({ plan }), signals());
    assert.equal(rerun.result, "paused");
    assert.equal(fake.puts.length, 2);
    const resumed = await runRollout(fake, request({ plan, action: "resume" }), signals());
    assert.equal(resumed.result, "promoted");
    assert.deepEqual(resumed.steps.map((s) => s.description), ["50% for 10m", "100% (promotion)"]);
    assert.deepEqual(fake.state().traffic, { green: 100 });
  });

  it("onFailure pause leaves the failing step's traffic and a paused record; abort then restores the snapshot", async () => {
    const fake = endpoint(true);
    const paused = await runRollout(fake, request({ onFailure: "pause" }), signals());
    assert.equal(paused.result, "paused");
    assert.ok(paused.failed);
    assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: { green: 20 } });
    const aborted = await runRollout(fake, request({ action: "abort" }), signals());
    assert.equal(aborted.result, "rolledBack");
    assert.equal(aborted.failed, false);
    assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: {} });
    assert.deepEqual(fake.tags, { owner: "ml-team" });
  });

  it("restores the snapshot when the agent cancels (SIGINT) in the middle of a step", async () => {
    const fake = endpoint();
    const s = signals();
    // the first look at the 10% step, minutes into it: the agent's SIGINT aborts the cancel signal
    fake.onTick = () => {
      if (fake.state().traffic.green === 10) s.controller.abort();
    };
    const outcome = await runRollout(fake, request(), s);
    assert.equal(outcome.result, "rolledBack");
    assert.match(outcome.message, /^The task was cancelled; traffic restored to blue 100%/);
    assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: {} });
    assert.deepEqual(fake.tags, { owner: "ml-team" });
  });

  it("retries the restore through ARM errors", async () => {
    const fake = endpoint(true);
    let failures = 0;
    fake.fault = (call) => {
      if (call === "put" && fake.puts.length >= 1 && failures < 2) {
        failures++;
        throw new Error("(InternalServerError) try again");
      }
    };
    const outcome = await runRollout(fake, request({ plan: parseSteps("10 for 10m; 100") }), signals());
    assert.equal(outcome.result, "rolledBack");
    assert.equal(failures, 2);
    assert.equal(fake.logs.filter((l) => l.startsWith("Restoring traffic failed")).length, 2);
    assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: {} });
  });

  it("counts a restore whose PUT went through but whose confirmation ran out of time as restored", async () => {
    const fake = endpoint(true);
    const put = fake.putTraffic.bind(fake);
    fake.putTraffic = async (state, tags, signal) => {
      await put(state, tags, signal);
      if (fake.puts.length > 1) throw new Error("Out of time for cleanup");
    };
    const outcome = await runRollout(fake, request({ plan: parseSteps("10 for 10m; 100"), restoreAttempts: 1 }), signals());
    assert.equal(outcome.result, "rolledBack");
    assert.deepEqual(outcome.finalTraffic, { traffic: { blue: 100, green: 0 }, mirror: {} });
  });

  it("reports exactly what the traffic is and should be when it cannot restore it, keeping the record for abort", async () => {
    const fake = endpoint(true);
    fake.fault = (call) => {
      if (call === "put" && fake.puts.length >= 1) throw new Error("(AuthorizationFailed) no write access");
    };
    const outcome = await runRollout(fake, request({ plan: parseSteps("10 for 10m; 100"), restoreAttempts: 3 }), signals());
    assert.equal(outcome.result, "rollbackFailed");
    assert.ok(outcome.failed);
    assert.match(outcome.message, /the traffic could NOT be restored \(\(AuthorizationFailed\) no write access\): it is blue 90%, green 10%, and it should be blue 100%/);
    assert.deepEqual(outcome.finalTraffic, { traffic: { blue: 90, green: 10 }, mirror: {} });
    assert.equal(readRecord(fake.tags)?.deployment, "green");
    fake.fault = () => undefined;
    assert.equal((await runRollout(fake, request({ action: "abort" }), signals())).result, "rolledBack");
    assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: {} });
  });

  it("a re-run after a killed agent continues at the recorded step", async () => {
    // a killed agent restores nothing: from the 50% step on, every call but reads fails, the restore too
    const fake2 = endpoint();
    fake2.fault = (call) => {
      if (fake2.state().traffic.green === 50 && call !== "read") throw new Error("agent killed");
    };
    const dead = await runRollout(fake2, request({ restoreAttempts: 1 }), signals());
    assert.equal(dead.result, "rollbackFailed");
    assert.equal(readRecord(fake2.tags)?.step, 2);
    fake2.fault = () => undefined;
    const rerun = await runRollout(fake2, request(), signals());
    assert.equal(rerun.result, "promoted");
    assert.deepEqual(rerun.steps.map((s) => s.description), ["50% for 10m", "100% (promotion)"]);
    assert.match(fake2.logs.join("\n"), /Continuing the rollout of 'green' at step 3 of 4 \(running\)/);
  });

  it("rolls back when the rollout runs out of time", async () => {
    const fake = endpoint();
    const outcome = await runRollout(fake, request({ timeoutMs: 15 * MIN }), signals());
    assert.equal(outcome.result, "rolledBack");
    assert.match(outcome.message, /timed out after 1\d minutes/);
    assert.deepEqual(fake.state(), { traffic: { blue: 100 }, mirror: {} });
  });

  it("changes nothing when a step's traffic would be refused, or another rollout is in progress", async () => {
    const fake = endpoint(false, { kind: "kubernetes" });
    await assert.rejects(runRollout(fake, request(), signals()), (e: unknown) => e instanceof UserError && /step 1 'mirror 20 for 10m'.*only available on managed/.test(e.message));
    assert.equal(fake.puts.length, 0);
    const busy = endpoint();
    await runRollout(busy, request({ plan: parseSteps("10 for 10m; pause; 100") }), signals());
    await assert.rejects(runRollout(busy, request({ deployment: "blue" }), signals()), /A rollout of deployment 'green' is in progress/);
    await assert.rejects(runRollout(busy, request({ plan: parseSteps("20 for 10m"), action: "resume" }), signals()), /started with other steps/);
    assert.deepEqual(busy.state().traffic, { blue: 90, green: 10 }, "a refused resume leaves the paused rollout as it was");
    await assert.rejects(runRollout(endpoint(), request({ action: "resume" }), signals()), /No rollout of 'green' is in progress/);
  });

  it("step sets one weight from the snapshot, promote and abort finish it", async () => {
    const fake = new FakeEndpoint({ traffic: { blue: 60, red: 40 }, deployments: ["blue", "red", "green"] });
    const first = await runRollout(fake, request({ action: "step", weight: 10 }), signals());
    assert.equal(first.result, "paused");
    assert.deepEqual(fake.state().traffic, { blue: 54, red: 36, green: 10 });
    await runRollout(fake, request({ action: "step", weight: 50 }), signals());
    assert.deepEqual(fake.state().traffic, { blue: 30, red: 20, green: 50 });
    const aborted = await runRollout(fake, request({ action: "abort" }), signals());
    assert.equal(aborted.result, "rolledBack");
    assert.deepEqual(fake.state().traffic, { blue: 60, red: 40 });
    await runRollout(fake, request({ action: "step", weight: 20 }), signals());
    const promoted = await runRollout(fake, request({ action: "promote" }), signals());
    assert.equal(promoted.result, "promoted");
    assert.deepEqual(fake.state().traffic, { green: 100 });
    assert.deepEqual(fake.tags, { owner: "ml-team" });
    await assert.rejects(runRollout(fake, request({ action: "step", weight: 101 }), signals()), /Input 'weight' must be a whole number from 0 to 100/);
  });
});
