// The rollout's Azure port against the emulator's ARM handler (in process, its clock moved by the port's
// sleeps): the endpoint PUTs the service accepts, the tags and mirror traffic round trip, and the Azure
// Monitor metrics the emulator computes from scored-request records, read and judged.
import * as assert from "node:assert/strict";
import { DEFAULT_ANALYSIS } from "../../tasks/common/rollout/analysis";
import { runRollout } from "../../tasks/common/rollout/rollout";
import { parseSteps } from "../../tasks/common/rollout/stepPlan";
import { API, EP, emulatorPort } from "./emulatorPort";

const request = { action: "start" as const, deployment: "green", plan: parseSteps("mirror 20 for 10m; 25 for 10m; 100"), analysis: { ...DEFAULT_ANALYSIS, maxErrorRate: 0.05 }, onFailure: "rollback" as const, lookIntervalMs: 60_000, metricDelayMs: 120_000 };
const signals = () => ({ cancel: new AbortController().signal, cleanup: new AbortController().signal });

describe("rollout: on the emulator's ARM and Azure Monitor", () => {
  it("promotes a healthy deployment, judged on the emulator's metrics, and leaves the endpoint's tags and other mirror as they were", async () => {
    const { h, port } = await emulatorPort((deployment, second) => (second / 1_000) % 50 === 0); // 2% of each side's requests fail
    const outcome = await runRollout(port, request, signals());
    assert.equal(outcome.result, "promoted", outcome.message);
    assert.ok(outcome.steps[0].checks.at(-1)!.numbers.requests > 500);
    const endpoint = (await h.send("GET", EP, { apiVersion: API })).json;
    assert.deepEqual(endpoint.properties.traffic, { green: 100 });
    assert.deepEqual(endpoint.properties.mirrorTraffic, { shadow: 10 });
    assert.deepEqual(endpoint.tags, { owner: "ml-team" });
  });

  it("rolls a failing deployment back to the exact snapshot", async () => {
    const { h, port } = await emulatorPort((deployment, second) => (second / 1_000) % (deployment === "green" ? 5 : 100) === 0); // green 20%, blue 1%
    const outcome = await runRollout(port, request, signals());
    assert.equal(outcome.result, "rolledBack");
    assert.match(outcome.message, /Step 1 \(mirror 20% for 10m\) failed its analysis: .*error rate 2\d\.\d\d%/);
    const endpoint = (await h.send("GET", EP, { apiVersion: API })).json;
    assert.deepEqual([endpoint.properties.traffic, endpoint.properties.mirrorTraffic, endpoint.tags], [{ blue: 100 }, { shadow: 10 }, { owner: "ml-team" }]);
  });
});
