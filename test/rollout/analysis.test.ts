import * as assert from "node:assert/strict";
import { type AnalysisSettings, type Check, checkLook, DEFAULT_ANALYSIS, type DeploymentMetrics, failedEarly, joinCheck, judgeStep, type Look, stepAlpha } from "../../tasks/common/rollout/analysis";

const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS, maxErrorRate: 0.05, maxLatencyP95Ms: 500 };
const metrics = (ok: number, errors: number, p95: number[], clientErrors = 0): DeploymentMetrics => ({ requests: { "2xx": ok, "4xx": clientErrors, "5xx": errors }, p95PerMinuteMs: p95 });
const steady = [100, 110, 105, 95, 102, 98];
const look = (candidate: DeploymentMetrics, stable: DeploymentMetrics | undefined, extra: Partial<Look> = {}): Look => ({ candidate, stable, final: true, previousErrorPValue: 1, alpha: 0.01, errorAlpha: 0.01, ...extra });

describe("rollout: analysis of a look", () => {
  it("passes a healthy deployment, with its numbers", () => {
    const check = checkLook(look(metrics(990, 10, steady), metrics(4950, 50, steady)), settings);
    assert.equal(check.verdict, "pass");
    assert.deepEqual([check.numbers.requests, check.numbers.errors, check.numbers.errorRate, check.numbers.stableErrorRate], [1000, 10, 0.01, 0.01]);
    assert.match(check.reasons[0], /1000 requests, error rate 1\.00%, p95 \d+ ms, stable 1\.00%/);
  });

  it("is inconclusive, never a pass, below minRequests on either side", () => {
    const few = checkLook(look(metrics(50, 0, steady), metrics(5000, 0, steady)), settings);
    assert.equal(few.verdict, "inconclusive");
    assert.match(few.reasons[0], /50 requests on the new deployment, fewer than the 100 needed/);
    // even an all-failing trickle: too few requests to judge either way
    assert.equal(checkLook(look(metrics(0, 20, steady), metrics(5000, 0, steady)), settings).verdict, "inconclusive");
    assert.match(checkLook(look(metrics(500, 0, steady), metrics(40, 0, steady)), settings).reasons[0], /40 requests on the stable deployment/);
  });

  it("fails above maxErrorRate and maxLatencyP95Ms, counting only 5xx as errors", () => {
    const errors = checkLook(look(metrics(900, 100, steady), undefined), settings);
    assert.equal(errors.verdict, "fail");
    assert.match(errors.reasons[0], /error rate 10\.00% \(100 of 1000\) is above maxErrorRate 5\.00%/);
    assert.equal(checkLook(look(metrics(500, 0, steady, 500), undefined), settings).verdict, "pass");
    // 424: the model failed (Azure ML's answer when the scoring script raises): an error, unlike other 4xx
    const modelErrors = checkLook(look({ requests: { "2xx": 900, "424": 100 }, p95PerMinuteMs: steady }, undefined), settings);
    assert.equal(modelErrors.verdict, "fail");
    assert.match(modelErrors.reasons[0], /error rate 10\.00% \(100 of 1000\)/);
    const slow = checkLook(look(metrics(1000, 0, [900, 100, 800, 700, 650]), undefined), settings);
    assert.match(slow.reasons[0], /p95 latency 700 ms \(median of 5 minutes\) is above maxLatencyP95Ms 500 ms/);
  });

  it("fails an error rate significantly above stable's even under maxErrorRate", () => {
    const check = checkLook(look(metrics(9600, 400, steady), metrics(9900, 100, steady), { final: false }), settings);
    assert.equal(check.verdict, "fail");
    assert.match(check.reasons[0], /error rate 4\.00% is higher than stable's 1\.00% \(always-valid p = .* ≤ α = 0\.0100\)/);
    assert.ok(check.numbers.errorPValue! < 0.01);
  });

  it("carries the always-valid p-value from look to look", () => {
    const check = checkLook(look(metrics(990, 10, steady), metrics(990, 10, steady), { previousErrorPValue: 0.004 }), settings);
    assert.equal(check.numbers.errorPValue, 0.004);
    assert.equal(check.verdict, "fail");
  });

  it("carries the earlier steps' counts into the error comparison over the whole rollout", () => {
    const alone = checkLook(look(metrics(285, 15, steady), metrics(297, 3, steady), { final: false }), settings);
    assert.equal(alone.verdict, "pass", "one step's 300 requests are not enough evidence");
    const earlier = { candidate: { events: 60, trials: 1200 }, stable: { events: 12, trials: 1200 } };
    const carried = checkLook(look(metrics(285, 15, steady), metrics(297, 3, steady), { final: false, earlier }), settings);
    assert.equal(carried.verdict, "fail");
    assert.match(carried.reasons[0], /over the rollout's 1500 and 1500 requests: 5\.00% against 1\.00%\)/);
  });

  it("compares latency by rank at the step's last look only, and needs enough minutes", () => {
    const slower = metrics(1000, 0, [140, 150, 145, 160, 155, 150, 148, 152]);
    const stable = metrics(1000, 0, [100, 110, 105, 95, 102, 98, 101, 99]);
    const final = checkLook(look(slower, stable), { ...settings, maxLatencyP95Ms: undefined });
    assert.equal(final.verdict, "fail");
    assert.match(final.reasons[0], /per-minute p95 latency \(median 150 ms\) is higher than stable's \(median 101 ms\) \(Mann–Whitney p = /);
    assert.equal(checkLook(look(slower, stable, { final: false }), settings).verdict, "pass");
    const short = checkLook(look(metrics(1000, 0, [150, 150]), stable), settings);
    assert.equal(short.verdict, "inconclusive");
    assert.match(short.reasons[0], /2 minutes of p95 latency on the new deployment, fewer than the 5/);
  });

  it("judges against the guardrails alone when nothing else takes traffic, or when told not to compare", () => {
    assert.equal(checkLook(look(metrics(1000, 0, steady), undefined), settings).verdict, "pass");
    assert.equal(checkLook(look(metrics(960, 40, steady), metrics(1000, 0, steady)), { ...settings, compareWithStable: false }).verdict, "pass");
  });

  it("joins a custom check: the worse verdict wins, with the reasons that made it", () => {
    const pass = checkLook(look(metrics(990, 10, steady), metrics(4950, 50, steady)), settings);
    const few = checkLook(look(metrics(50, 0, steady), metrics(5000, 0, steady)), settings);
    const ok = { verdict: "pass" as const, reason: "custom ok" };
    const bad = { verdict: "fail" as const, reason: "custom bad" };
    const unsure = { verdict: "inconclusive" as const, reason: "custom unsure" };
    assert.deepEqual(joinCheck(pass, ok).reasons, [...pass.reasons, "custom ok"]);
    assert.equal(joinCheck(pass, ok).verdict, "pass");
    assert.deepEqual([joinCheck(pass, bad).verdict, joinCheck(pass, bad).reasons], ["fail", ["custom bad"]]);
    assert.deepEqual([joinCheck(pass, unsure).verdict, joinCheck(pass, unsure).reasons], ["inconclusive", ["custom unsure"]]);
    assert.deepEqual([joinCheck(few, ok).verdict, joinCheck(few, ok).reasons], ["inconclusive", few.reasons]);
    assert.deepEqual(joinCheck(few, unsure).reasons, [...few.reasons, "custom unsure"]);
    assert.equal(joinCheck(pass, bad).numbers, pass.numbers);
  });

  it("splits the level over the analysed steps", () => {
    assert.ok(Math.abs(stepAlpha(0.95, 4) - 0.0125) < 1e-12);
    assert.equal(stepAlpha(0.99, 0), 1 - 0.99, "a plan without analysed steps keeps the whole level");
  });
});

describe("rollout: a step's verdict", () => {
  const pass: Check = { verdict: "pass", reasons: ["fine"], numbers: { requests: 1, errors: 0, alpha: 0.01, errorAlpha: 0.05 } };
  const fail: Check = { verdict: "fail", reasons: ["bad"], numbers: { requests: 1, errors: 1, alpha: 0.01, errorAlpha: 0.05 } };
  const unsure: Check = { verdict: "inconclusive", reasons: ["few requests"], numbers: { requests: 1, errors: 0, alpha: 0.01, errorAlpha: 0.05 } };
  const policy = (inconclusivePolicy: AnalysisSettings["inconclusivePolicy"], failureLimit = 0) => ({ inconclusivePolicy, failureLimit });

  it("passes when the last check passes and no check failed", () => {
    assert.deepEqual(judgeStep([unsure, pass, pass], policy("fail")), { verdict: "pass", reason: "fine" });
  });

  it("fails when failed checks exceed failureLimit, early or at the end", () => {
    assert.equal(judgeStep([pass, fail, pass], policy("pass")).verdict, "fail");
    assert.ok(failedEarly([fail], policy("pass")));
    assert.ok(!failedEarly([fail], policy("pass", 1)));
    assert.deepEqual(judgeStep([fail, pass], policy("fail", 1)).verdict, "pass");
    assert.match(judgeStep([fail, fail], policy("fail", 1)).reason, /^2 failed checks \(failureLimit 1\): bad/);
  });

  for (const inconclusivePolicy of ["fail", "pause", "pass"] as const) {
    it(`turns an inconclusive end into '${inconclusivePolicy}' under inconclusivePolicy ${inconclusivePolicy}`, () => {
      const judged = judgeStep([pass, unsure], policy(inconclusivePolicy));
      assert.equal(judged.verdict, inconclusivePolicy);
      assert.match(judged.reason, /inconclusive \(few requests\)/);
      assert.equal(judgeStep([], policy(inconclusivePolicy)).verdict, inconclusivePolicy);
    });
  }
});
