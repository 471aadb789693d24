import * as assert from "node:assert/strict";
import { parseSteps, type PlanStep } from "../../tasks/common/rollout/stepPlan";
import { describeTraffic, type EndpointFacts, type EndpointTraffic, planTraffic, sameTraffic, stepTraffic, trafficProblems, weightTraffic } from "../../tasks/common/rollout/traffic";
import { randomEndpoint, randomPlan } from "./generators";
import { random } from "./random";

const managed = (...deployments: string[]): EndpointFacts => ({ kind: "managed", deployments });

describe("rollout: traffic rules", () => {
  it("accepts what Azure ML accepts", () => {
    assert.deepEqual(trafficProblems({ traffic: { blue: 90, green: 10 }, mirror: {} }, managed("blue", "green")), []);
    assert.deepEqual(trafficProblems({ traffic: {}, mirror: {} }, managed("blue")), []);
    assert.deepEqual(trafficProblems({ traffic: { blue: 100, green: 0 }, mirror: { green: 50 } }, managed("blue", "green")), []);
  });

  it("names each rule a map breaks", () => {
    const problems = trafficProblems({ traffic: { blue: 60, green: 30.5, red: 10 }, mirror: { green: 60, gold: 5 } }, { kind: "kubernetes", deployments: ["blue", "green", "gold"] });
    assert.deepEqual(problems, [
      "traffic of 'green' is 30.5, not a whole percent from 0 to 100",
      "traffic names 'red', which is not a deployment of the endpoint",
      "live traffic sums to 100.5, not 0 or 100",
      "mirror traffic is only available on managed online endpoints, not Kubernetes ones",
      "mirror traffic names 2 deployments (gold, green); Azure ML mirrors to one",
      "mirror traffic of 'green' is 60%, above Azure ML's 50%",
      "'green' takes 30.5% of live traffic and cannot also take mirror traffic",
    ]);
  });

  it("scales the other deployments down by largest remainder", () => {
    const snapshot: EndpointTraffic = { traffic: { a: 50, b: 30, c: 20, green: 0 }, mirror: {} };
    assert.deepEqual(weightTraffic(snapshot, "green", 10).traffic, { a: 45, b: 27, c: 18, green: 10 });
    // exact shares of 83: 41.5, 24.9, 16.6 → floors 41, 24, 16 and 2 points left: to b and c (largest remainders)
    assert.deepEqual(weightTraffic(snapshot, "green", 17).traffic, { a: 41, b: 25, c: 17, green: 17 });
    // equal remainders: the deployment with more traffic first, then by name
    assert.deepEqual(weightTraffic({ traffic: { x: 50, y: 50 }, mirror: {} }, "green", 25).traffic, { x: 38, y: 37, green: 25 });
    assert.deepEqual(weightTraffic(snapshot, "green", 100).traffic, { green: 100 });
  });

  it("mirrors in a mirror step and drops the candidate's mirror in live steps, keeping any other", () => {
    const snapshot: EndpointTraffic = { traffic: { blue: 100 }, mirror: { shadow: 10 } };
    const mirror: PlanStep = { kind: "mirror", percent: 20, holdMs: 1 };
    assert.deepEqual(stepTraffic(snapshot, "green", mirror), { traffic: { blue: 100 }, mirror: { green: 20 } });
    assert.deepEqual(stepTraffic(snapshot, "green", { kind: "traffic", weight: 10, holdMs: 1 }), { traffic: { blue: 90, green: 10 }, mirror: { shadow: 10 } });
    assert.deepEqual(stepTraffic({ traffic: { blue: 100 }, mirror: { green: 10 } }, "green", { kind: "traffic", weight: 10, holdMs: 1 })?.mirror, {});
    assert.equal(stepTraffic(snapshot, "green", { kind: "pause" }), undefined);
  });

  it("checks the whole plan before any change, naming the step Azure ML would refuse", () => {
    const snapshot: EndpointTraffic = { traffic: { blue: 100 }, mirror: {} };
    assert.equal(planTraffic(snapshot, "green", parseSteps("mirror 20 for 5m; 50 for 5m"), managed("blue", "green")).length, 3);
    assert.throws(() => planTraffic(snapshot, "green", parseSteps("10 for 5m; mirror 20 for 5m"), { kind: "kubernetes", deployments: ["blue", "green"] }), /Input 'steps', step 2 'mirror 20 for 5m': Azure ML would refuse the traffic 'blue 100%; mirror green 20%': mirror traffic is only available on managed/);
    assert.throws(() => planTraffic(snapshot, "red", parseSteps("10 for 5m"), managed("blue", "green")), /Deployment 'red' is not a deployment of the endpoint \(it has: blue, green\)/);
    assert.throws(() => planTraffic({ traffic: {}, mirror: {} }, "green", parseSteps("10 for 5m"), managed("blue", "green")), /no other deployment takes live traffic/);
    assert.equal(planTraffic({ traffic: {}, mirror: {} }, "green", parseSteps("100"), managed("green")).length, 1);
  });

  it("refuses a candidate whose provisioning has not succeeded, before any change; a Succeeded one passes", () => {
    const snapshot: EndpointTraffic = { traffic: { blue: 100 }, mirror: {} };
    const withStates = (green: string): EndpointFacts => ({ ...managed("blue", "green"), provisioningStates: { blue: "Succeeded", green } });
    for (const state of ["Creating", "Updating", "Failed"]) {
      assert.throws(() => planTraffic(snapshot, "green", parseSteps("10 for 5m"), withStates(state)), new RegExp(`Deployment 'green' is ${state}, not Succeeded: .*nothing was changed`));
    }
    assert.equal(planTraffic(snapshot, "green", parseSteps("10 for 5m"), withStates("Succeeded")).length, 2);
  });

  it("compares and describes maps by what they route", () => {
    assert.ok(sameTraffic({ traffic: { blue: 100, green: 0 }, mirror: {} }, { traffic: { blue: 100 }, mirror: { green: 0 } }));
    assert.ok(!sameTraffic({ traffic: { blue: 100 }, mirror: {} }, { traffic: { blue: 100 }, mirror: { green: 10 } }));
    assert.equal(describeTraffic({ traffic: { green: 10, blue: 90 }, mirror: { green: 0 } }), "blue 90%, green 10%");
  });
});

describe("rollout: traffic maps (property)", () => {
  it("every step's map of random plans on random endpoints is valid, gives the candidate its weight and never raises another deployment", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rng = random(seed);
      const { snapshot, facts } = randomEndpoint(rng);
      const plan = randomPlan(rng);
      const maps = planTraffic(snapshot, "green", plan, facts);
      plan.steps.forEach((step, i) => {
        const map = maps[i];
        if (step.kind === "pause") return assert.equal(map, undefined);
        assert.deepEqual(trafficProblems(map!, facts), [], `seed ${seed}, step ${i}`);
        if (step.kind === "traffic") {
          assert.equal(map!.traffic.green, step.weight, `seed ${seed}`);
          const stableTotal = 100;
          for (const [name, w] of Object.entries(map!.traffic)) {
            if (name === "green") continue;
            const exact = ((100 - step.weight) * snapshot.traffic[name]) / stableTotal;
            assert.ok(Math.abs(w - exact) < 1 && w <= snapshot.traffic[name], `seed ${seed}: ${name} ${w} vs exact ${exact}`);
          }
        }
      });
    }
  });
});
