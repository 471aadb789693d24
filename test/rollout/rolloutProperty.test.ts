import * as assert from "node:assert/strict";
import { DEFAULT_ANALYSIS } from "../../tasks/common/rollout/analysis";
import { type RolloutAction, type RolloutOutcome, runRollout } from "../../tasks/common/rollout/rollout";
import { azureRefusal, FakeEndpoint } from "./fakePort";
import { randomEndpoint, randomPlan } from "./generators";
import { random } from "./random";

const clean = (map: Record<string, number>) => Object.fromEntries(Object.entries(map).filter(([, w]) => w > 0));

describe("rollout: random plans and faults (property)", () => {
  it("keeps every traffic map valid and always ends promoted or exactly at the snapshot", async () => {
    const endings = { promoted: 0, rolledBack: 0 };
    for (let seed = 1; seed <= 150; seed++) {
      const rng = random(seed);
      const { snapshot, facts } = randomEndpoint(rng);
      const plan = randomPlan(rng);
      const bad = rng.next() < 0.4;
      const fake = new FakeEndpoint({
        traffic: snapshot.traffic,
        mirror: snapshot.mirror,
        deployments: [...facts.deployments],
        behaviour: { green: { errorRate: bad ? 0.1 : 0.01, p95Ms: 100 } },
        requestsPerMinute: rng.pick([5, 500, 2_000]),
        seed,
      });
      const faultRate = rng.pick([0, 0.05, 0.2]);
      let killAt = rng.next() < 0.3 ? fake.clock + rng.int(1, 60) * 60_000 : Infinity;
      const cancelAt = rng.next() < 0.2 ? fake.clock + rng.int(1, 60) * 60_000 : Infinity;
      let killed = false;
      fake.fault = (call) => {
        if (killed && call !== "read") throw new Error("agent killed");
        if (call !== "sleep" && rng.next() < faultRate) throw new Error(`(InternalServerError) injected fault in ${call}`);
      };
      const cancel = new AbortController();
      fake.onTick = (now) => {
        if (now >= killAt) killed = true;
        if (now >= cancelAt) cancel.abort();
      };
      const settings = { ...DEFAULT_ANALYSIS, maxErrorRate: 0.05, inconclusivePolicy: rng.pick(["fail", "pause", "pass"] as const) };
      let action: RolloutAction = "start";
      let outcome: RolloutOutcome | undefined;
      for (let run = 0; run < 30; run++) {
        const signals = { cancel: run === 0 ? cancel.signal : new AbortController().signal, cleanup: new AbortController().signal };
        try {
          outcome = await runRollout(fake, { action, deployment: "green", plan, analysis: settings, onFailure: rng.pick(["rollback", "pause"] as const), lookIntervalMs: 60_000, metricDelayMs: 120_000, restoreBackoffMs: 1_000 }, signals);
        } catch {
          outcome = undefined; // an injected fault before any change: run again
        }
        if (killed) {
          killed = false; // the agent is back: the next run goes on from the record
          killAt = Infinity;
        }
        if (outcome?.result === "promoted" || outcome?.result === "rolledBack") break;
        action = outcome?.result === "paused" ? rng.pick(["resume", "abort"] as const) : outcome?.result === "rollbackFailed" ? "abort" : "start";
      }
      for (const state of fake.history) assert.equal(azureRefusal(state, facts.deployments, facts.kind), undefined, `seed ${seed}: ${JSON.stringify(state)}`);
      const end = fake.state();
      const promoted = { traffic: { green: 100 }, mirror: clean(Object.fromEntries(Object.entries(snapshot.mirror).filter(([n]) => n !== "green"))) };
      const restored = { traffic: clean(snapshot.traffic), mirror: clean(snapshot.mirror) };
      const ended = JSON.stringify(end) === JSON.stringify(promoted) ? "promoted" : JSON.stringify(end) === JSON.stringify(restored) ? "rolledBack" : undefined;
      assert.ok(ended, `seed ${seed}: ends at ${JSON.stringify(end)} (${outcome?.result}: ${outcome?.message}), neither promoted nor the snapshot ${JSON.stringify(restored)}`);
      assert.equal(outcome?.result, ended, `seed ${seed}: the outcome says ${outcome?.result}, the endpoint is ${ended}`);
      assert.deepEqual(Object.keys(fake.tags), ["owner"], `seed ${seed}: the record is cleared`);
      endings[ended]++;
    }
    // the property must have been exercised both ways
    assert.ok(endings.promoted > 10 && endings.rolledBack > 10, JSON.stringify(endings));
  });
});
