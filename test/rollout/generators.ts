// Random endpoints and plans for the rollout's property tests.
import { parseSteps, type StepPlan } from "../../tasks/common/rollout/stepPlan";
import type { EndpointFacts, EndpointTraffic } from "../../tasks/common/rollout/traffic";
import { randomSplit, type Random } from "./random";

/** A random valid endpoint: 1–5 stable deployments plus the candidate, maybe a mirror to an idle deployment. */
export function randomEndpoint(rng: Random): { snapshot: EndpointTraffic; facts: EndpointFacts } {
  const stable = Array.from({ length: rng.int(1, 5) }, (_, i) => `d${i}`);
  const weights = randomSplit(rng, stable.length);
  const traffic: Record<string, number> = Object.fromEntries(stable.map((name, i) => [name, weights[i]]));
  const idle = stable.filter((name) => traffic[name] === 0);
  const mirror: Record<string, number> = idle.length && rng.next() < 0.3 ? { [rng.pick(idle)]: rng.int(1, 50) } : {};
  return { snapshot: { traffic, mirror }, facts: { kind: "managed", deployments: [...stable, "green"] } };
}

/** A random plan Azure ML can run: maybe a mirror step, rising weights, sometimes a pause. */
export function randomPlan(rng: Random): StepPlan {
  const steps: string[] = [];
  if (rng.next() < 0.5) steps.push(`mirror ${rng.int(1, 50)} for ${rng.int(1, 30)}m`);
  let weight = 0;
  for (let n = rng.int(1, 6); n > 0 && weight < 99; n--) {
    weight = rng.int(weight + 1, 99);
    steps.push(`${weight} for ${rng.int(1, 20)}m`);
    if (rng.next() < 0.15) steps.push("pause");
  }
  return parseSteps(steps.join("; "));
}
