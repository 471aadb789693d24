import * as assert from "node:assert/strict";
import type { Check } from "../../tasks/common/rollout/analysis";
import type { RolloutOutcome } from "../../tasks/common/rollout/rollout";
import { rolloutSummary, sparkline, stepVerdicts } from "../../tasks/common/rollout/summary";

const check = (errorRate: number, stableErrorRate: number, p95Ms: number): Check => ({ verdict: "pass", reasons: ["ok"], numbers: { requests: 1000, errors: errorRate * 1000, errorRate, stableRequests: 9000, stableErrorRate, p95Ms, stableP95Ms: 100, alpha: 0.01, errorAlpha: 0.05 } });
const outcome: RolloutOutcome = {
  result: "rolledBack",
  failed: true,
  message: "Step 2 (50% for 10m) failed its analysis",
  snapshot: { traffic: { blue: 100 }, mirror: {} },
  finalTraffic: { traffic: { blue: 100 }, mirror: {} },
  steps: [
    { index: 0, description: "10% for 10m", traffic: { traffic: { blue: 90, green: 10 }, mirror: {} }, verdict: "pass", reason: "fine", checks: [check(0.01, 0.01, 100), check(0.012, 0.01, 110)], startedMs: 0, endedMs: 1 },
    { index: 1, description: "50% for 10m", traffic: { traffic: { blue: 50, green: 50 }, mirror: {} }, verdict: "fail", reason: "error rate | high", checks: [check(0.02, 0.01, 100), check(0.08, 0.01, 300)], startedMs: 1, endedMs: 2 },
  ],
};

describe("rollout: summary", () => {
  it("draws sparklines on a shared scale", () => {
    assert.equal(sparkline([0, 4, 8]), "▁▄█");
    assert.equal(sparkline([1, undefined, 2], 4), "▂ ▄");
    assert.equal(sparkline([]), "");
  });

  it("shows the traffic timeline and a row per analysed step with new against stable", () => {
    const text = rolloutSummary("churn", "green", outcome);
    assert.match(text, /^### Rollout of green on churn: rolledBack/);
    assert.match(text, /- Before: blue 100%\n- Step 1 \(10% for 10m\): blue 90%, green 10%\n- Step 2 \(50% for 10m\): blue 50%, green 50%\n- Now: blue 100%/);
    assert.match(text, /\| 2\. 50% for 10m \| fail \| 1000 \/ 9000 \| 8\.00% \/ 1\.00% \| `▂█` vs `▁▁` \| 300 ms \/ 100 ms \| `▃█` vs `▃▃` \| error rate \\\| high \|/);
  });

  it("lists each step's verdict with its last numbers", () => {
    const [first, second] = stepVerdicts(outcome) as Array<Record<string, unknown>>;
    assert.deepEqual([first.step, first.verdict, second.verdict, second.errorRate], [1, "pass", "fail", 0.08]);
  });
});
