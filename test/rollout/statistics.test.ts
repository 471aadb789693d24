import * as assert from "node:assert/strict";
import { alwaysValidPValue, mannWhitneyGreater, msprtLikelihoodRatio, normalUpperTail } from "../../tasks/common/rollout/statistics";
import { random, type Random } from "./random";

const close = (actual: number, expected: number, tolerance: number) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

function binomial(rng: Random, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}

describe("rollout: statistics", () => {
  it("normal upper tail", () => {
    close(normalUpperTail(0), 0.5, 1e-7);
    close(normalUpperTail(1.959964), 0.025, 1e-6);
    close(normalUpperTail(-1.644854), 0.95, 1e-6);
  });

  it("Mann–Whitney, exact without ties", () => {
    const higher = mannWhitneyGreater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]);
    assert.deepEqual([higher.u, higher.method], [25, "exact"]);
    close(higher.pValue, 1 / 252, 1e-12);
    close(mannWhitneyGreater([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).pValue, 1, 1e-12);
    // U = 2 of 4 pairs; the 6 arrangements of sizes 2, 2 have U = 0, 1, 2, 2, 3, 4: 4 of them U ≥ 2
    close(mannWhitneyGreater([1, 4], [2, 3]).pValue, 4 / 6, 1e-12);
  });

  it("Mann–Whitney, normal approximation with ties agrees with the exact test in the middle", () => {
    const a = [10, 12, 12, 15, 18, 20, 22, 25];
    const b = [9, 11, 12, 13, 14, 16, 17, 19];
    const tied = mannWhitneyGreater(a, b);
    assert.equal(tied.method, "normal");
    const untied = mannWhitneyGreater([10, 12.1, 12.2, 15, 18, 20, 22, 25], b);
    close(tied.pValue, untied.pValue, 0.03);
  });

  it("mSPRT: no evidence without errors, strong evidence for a clear regression", () => {
    assert.equal(msprtLikelihoodRatio({ events: 0, trials: 500 }, { events: 0, trials: 500 }), 1);
    assert.ok(alwaysValidPValue(1, { events: 100, trials: 2000 }, { events: 20, trials: 2000 }) < 1e-6);
    // the new deployment doing better never lowers the p-value
    assert.equal(alwaysValidPValue(0.3, { events: 10, trials: 2000 }, { events: 40, trials: 2000 }), 0.3);
  });

  it("keeps its level over 60 looks, where a z-test looked at as often does not", () => {
    const runs = 600;
    let msprtAlarms = 0;
    let naiveAlarms = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const rng = random(seed);
      const a = { events: 0, trials: 0 };
      const b = { events: 0, trials: 0 };
      let pValue = 1;
      let naive = false;
      for (let look = 0; look < 60; look++) {
        a.events += binomial(rng, 100, 0.03);
        b.events += binomial(rng, 100, 0.03);
        a.trials += 100;
        b.trials += 100;
        pValue = alwaysValidPValue(pValue, a, b);
        const pa = a.events / a.trials;
        const pb = b.events / b.trials;
        const v = (pa * (1 - pa)) / a.trials + (pb * (1 - pb)) / b.trials;
        if (v > 0 && normalUpperTail((pa - pb) / Math.sqrt(v)) <= 0.05) naive = true;
      }
      if (pValue <= 0.05) msprtAlarms++;
      if (naive) naiveAlarms++;
    }
    assert.ok(msprtAlarms / runs <= 0.05, `mSPRT false alarms ${msprtAlarms}/${runs}`);
    assert.ok(naiveAlarms / runs > 0.1, `naive false alarms ${naiveAlarms}/${runs}`);
  });

  it("detects a regression from 1% to 3% errors within a few thousand requests", () => {
    let detected = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const rng = random(seed);
      const a = { events: 0, trials: 0 };
      const b = { events: 0, trials: 0 };
      let pValue = 1;
      for (let look = 0; look < 20 && pValue > 0.05; look++) {
        a.events += binomial(rng, 200, 0.03);
        b.events += binomial(rng, 200, 0.01);
        a.trials += 200;
        b.trials += 200;
        pValue = alwaysValidPValue(pValue, a, b);
      }
      if (pValue <= 0.05) detected++;
    }
    assert.ok(detected >= 90, `${detected} of 100`);
  });
});
