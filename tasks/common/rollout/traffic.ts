// Azure ML's traffic rules for an online endpoint, and the traffic map of each rollout step.
//
// Rules (as the service enforces them on an endpoint PUT, api-version 2023-04-01): every weight is a whole
// percent from 0 to 100 naming an existing deployment; live traffic sums to 0 or 100; mirror traffic exists
// only on managed endpoints, names at most one deployment, at most MIRROR_MAX percent, and never a deployment
// that takes live traffic. Every map of a plan is checked before the first change, so a plan Azure ML would
// refuse half-way never starts.
//
// A step's map: the new deployment takes weight w; the deployments that had live traffic in the snapshot share
// 100 − w in proportion to their snapshot weights. Rounding is by largest remainder (Hamilton's method): each
// gets the floor of its exact share, and the points left over go one each to the largest fractional parts,
// ties to the deployment with more snapshot traffic, then by name. So weights are whole, sum to exactly 100, no
// deployment is off by a whole point or more from its exact share, and the same snapshot and w always give the
// same map. Mirror: a mirror step sets the snapshot's mirror to {new: percent} (one mirrored deployment at a
// time); a live step keeps the snapshot's mirror except any mirror of the new deployment, which cannot take
// live and mirror traffic at once.
import type { OnlineKind } from "../deploySpec/endpoint";
import { MIRROR_MAX } from "../deploySpec/endpoint";
import { UserError } from "../platform/userError";
import type { PlanStep, StepPlan } from "./stepPlan";
import { describeStep } from "./stepPlan";

export type TrafficMap = Readonly<Record<string, number>>;

/** What the rollout changes on an endpoint, and what it must restore. */
export interface EndpointTraffic {
  traffic: TrafficMap;
  mirror: TrafficMap;
}

export interface EndpointFacts {
  kind: OnlineKind;
  /** Names of the endpoint's deployments. */
  deployments: readonly string[];
  /** Provisioning state by deployment name, where the service reported one. */
  provisioningStates?: Readonly<Record<string, string | undefined>>;
}

const sum = (map: TrafficMap): number => Object.values(map).reduce((a, b) => a + b, 0);

/** Drops zero weights so maps compare by what they route (the service reports 0 entries or leaves them out). */
export function normalized(map: TrafficMap): Record<string, number> {
  return Object.fromEntries(
    Object.entries(map)
      .filter(([, weight]) => weight !== 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export function sameTraffic(a: EndpointTraffic, b: EndpointTraffic): boolean {
  return JSON.stringify(normalized(a.traffic)) === JSON.stringify(normalized(b.traffic)) && JSON.stringify(normalized(a.mirror)) === JSON.stringify(normalized(b.mirror));
}

/** "blue 90%, green 10%; mirror green 20%" */
export function describeTraffic(state: EndpointTraffic): string {
  const list = (map: TrafficMap) =>
    Object.entries(normalized(map))
      .map(([name, weight]) => `${name} ${weight}%`)
      .join(", ");
  const live = list(state.traffic) || "no live traffic";
  const mirror = list(state.mirror);
  return mirror ? `${live}; mirror ${mirror}` : live;
}

/** Every way `state` breaks Azure ML's rules for this endpoint; empty when the service would accept it. */
export function trafficProblems(state: EndpointTraffic, endpoint: EndpointFacts): string[] {
  const problems: string[] = [];
  const known = new Set(endpoint.deployments);
  for (const [field, map] of [["traffic", state.traffic], ["mirror traffic", state.mirror]] as const) {
    for (const [name, weight] of Object.entries(map)) {
      if (!Number.isInteger(weight) || weight < 0 || weight > 100) problems.push(`${field} of '${name}' is ${weight}, not a whole percent from 0 to 100`);
      if (!known.has(name)) problems.push(`${field} names '${name}', which is not a deployment of the endpoint`);
    }
  }
  const live = sum(state.traffic);
  if (live !== 0 && live !== 100) problems.push(`live traffic sums to ${live}, not 0 or 100`);
  const mirrored = Object.entries(normalized(state.mirror));
  if (mirrored.length && endpoint.kind !== "managed") problems.push("mirror traffic is only available on managed online endpoints, not Kubernetes ones");
  if (mirrored.length > 1) problems.push(`mirror traffic names ${mirrored.length} deployments (${mirrored.map(([n]) => n).join(", ")}); Azure ML mirrors to one`);
  for (const [name, weight] of mirrored) {
    if (weight > MIRROR_MAX) problems.push(`mirror traffic of '${name}' is ${weight}%, above Azure ML's ${MIRROR_MAX}%`);
    if (state.traffic[name]) problems.push(`'${name}' takes ${state.traffic[name]}% of live traffic and cannot also take mirror traffic`);
  }
  return problems;
}

/** The snapshot's live deployments other than the new one, sharing 100 − weight by largest remainder. */
function scaledOthers(snapshot: TrafficMap, candidate: string, weight: number): Record<string, number> {
  const others = Object.entries(snapshot).filter(([name, w]) => name !== candidate && w > 0);
  const total = others.reduce((a, [, w]) => a + w, 0);
  const rest = 100 - weight;
  if (rest === 0 || total === 0) return {};
  const shares = others.map(([name, w]) => ({ name, w, exact: (rest * w) / total, whole: Math.floor((rest * w) / total) }));
  let left = rest - shares.reduce((a, s) => a + s.whole, 0);
  const byRemainder = [...shares].sort((a, b) => b.exact - b.whole - (a.exact - a.whole) || b.w - a.w || a.name.localeCompare(b.name));
  for (const share of byRemainder) {
    if (left === 0) break;
    share.whole += 1;
    left -= 1;
  }
  return Object.fromEntries(shares.map((s) => [s.name, s.whole]));
}

/** The endpoint's traffic and mirror during `step` of a rollout of `candidate` from `snapshot` (pause: undefined, nothing changes). */
export function stepTraffic(snapshot: EndpointTraffic, candidate: string, step: PlanStep): EndpointTraffic | undefined {
  if (step.kind === "pause") return undefined;
  if (step.kind === "mirror") return { traffic: { ...snapshot.traffic }, mirror: { [candidate]: step.percent } };
  return weightTraffic(snapshot, candidate, step.weight);
}

/** The map that gives `candidate` `weight`% of live traffic, the others scaled down from the snapshot. */
export function weightTraffic(snapshot: EndpointTraffic, candidate: string, weight: number): EndpointTraffic {
  const mirror = Object.fromEntries(Object.entries(snapshot.mirror).filter(([name]) => name !== candidate));
  return { traffic: { ...scaledOthers(snapshot.traffic, candidate, weight), [candidate]: weight }, mirror };
}

/**
 * Checks the whole plan against the endpoint before anything changes: the candidate exists, there is a stable
 * deployment to shift traffic from, and each step's map is one Azure ML accepts. Returns each step's map.
 */
export function planTraffic(snapshot: EndpointTraffic, candidate: string, plan: StepPlan, endpoint: EndpointFacts, inputName = "steps"): (EndpointTraffic | undefined)[] {
  if (!endpoint.deployments.includes(candidate)) throw new UserError(`Deployment '${candidate}' is not a deployment of the endpoint (it has: ${endpoint.deployments.join(", ") || "none"}); deploy it first with AzureMLDeploy@1`);
  // Azure ML routes no traffic to a deployment before its provisioning has succeeded (a traffic update naming one
  // still being created is refused), and a failed one would serve errors: stop before anything changes.
  const state = endpoint.provisioningStates?.[candidate];
  if (state !== undefined && state.toLowerCase() !== "succeeded") {
    throw new UserError(`Deployment '${candidate}' is ${state}, not Succeeded: Azure ML routes traffic only to a deployment whose provisioning has succeeded. Wait for AzureMLDeploy@1 to finish (or fix the deployment), then run the rollout again; nothing was changed`);
  }
  const stable = Object.entries(snapshot.traffic).filter(([name, w]) => name !== candidate && w > 0);
  const needsStable = plan.steps.some((s) => s.kind === "traffic" && s.weight < 100);
  if (needsStable && !stable.length) {
    throw new UserError(`Endpoint traffic is '${describeTraffic(snapshot)}': no other deployment takes live traffic, so there is nothing to shift from or compare with. Give the endpoint its traffic first (AzureMLDeploy@1 trafficAfterDeploy: all for a first deployment), or use steps: '100'`);
  }
  return plan.steps.map((step) => {
    const state = stepTraffic(snapshot, candidate, step);
    const problems = state ? trafficProblems(state, endpoint) : [];
    if (problems.length) {
      const where = step.source ? `step ${step.source.step} '${step.source.text}'` : `step '${describeStep(step)}'`;
      throw new UserError(`Input '${inputName}', ${where}: Azure ML would refuse the traffic '${describeTraffic(state!)}': ${problems.join("; ")}`);
    }
    return state;
  });
}

/** The deployments serving live traffic in the snapshot, other than the candidate: the baseline the analysis compares with. */
export function stableDeployments(snapshot: EndpointTraffic, candidate: string): string[] {
  return Object.entries(normalized(snapshot.traffic))
    .filter(([name]) => name !== candidate)
    .map(([name]) => name);
}
