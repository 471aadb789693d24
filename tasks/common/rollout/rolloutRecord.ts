// Where a rollout stands, kept in the endpoint's tags.
//
// Why endpoint tags: the traffic the rollout changes is the endpoint's, and an endpoint PUT carries traffic,
// mirror traffic and tags in one request, so the record and the traffic it describes change together or not
// at all; a re-run (after a killed agent, a pause, or in another stage) reads both in one GET. Deployment
// properties would not do: they are set at creation and the rollout never re-creates a deployment.
// ARM tag values hold at most 256 characters: each map has its own tag, written as "blue:90,green:10".
import { createHash } from "node:crypto";
import { UserError } from "../platform/userError";
import type { EndpointTraffic, TrafficMap } from "./traffic";

export type RolloutStatus = "running" | "paused";

export interface RolloutRecord {
  /** The deployment being rolled out. */
  deployment: string;
  /** Traffic and mirror before the rollout's first change: what a rollback restores. */
  snapshot: EndpointTraffic;
  /** Index of the plan step to run next (the one running, while running). */
  step: number;
  status: RolloutStatus;
  /** Fingerprint of the plan the rollout was started with ("step" for single-weight rollouts). */
  plan: string;
}

const PREFIX = "azureml-devops-rollout.";
export const RECORD_TAGS = ["deployment", "traffic", "mirror", "step", "status", "plan"].map((t) => PREFIX + t);
const TAG_VALUE_MAX = 256;

function encodeMap(map: TrafficMap): string {
  return Object.entries(map)
    .filter(([, w]) => w !== 0)
    .map(([name, w]) => `${name}:${w}`)
    .join(",");
}

function decodeMap(text: string): Record<string, number> | undefined {
  if (text === "") return {};
  const entries = text.split(",").map((pair) => /^([^:,]+):(\d+)$/.exec(pair));
  if (entries.some((m) => !m)) return undefined;
  return Object.fromEntries(entries.map((m) => [m![1], Number(m![2])]));
}

/** A short, stable fingerprint of a plan's steps as written out. */
export function planFingerprint(describedSteps: readonly string[]): string {
  return createHash("sha256").update(JSON.stringify(describedSteps)).digest("hex").slice(0, 16);
}

/** The endpoint's tags with the record written in (or removed, for undefined), other tags untouched. */
export function withRecord(tags: Readonly<Record<string, string>>, record: RolloutRecord | undefined): Record<string, string> {
  const rest = Object.fromEntries(Object.entries(tags).filter(([key]) => !RECORD_TAGS.includes(key)));
  if (!record) return rest;
  const written: Record<string, string> = {
    [PREFIX + "deployment"]: record.deployment,
    [PREFIX + "traffic"]: encodeMap(record.snapshot.traffic),
    [PREFIX + "mirror"]: encodeMap(record.snapshot.mirror),
    [PREFIX + "step"]: String(record.step),
    [PREFIX + "status"]: record.status,
    [PREFIX + "plan"]: record.plan,
  };
  const long = Object.entries(written).find(([, value]) => value.length > TAG_VALUE_MAX);
  if (long) throw new UserError(`The rollout record's tag ${long[0]} would be ${long[1].length} characters, above ARM's ${TAG_VALUE_MAX} for a tag value: the endpoint has too many deployments with traffic to record`);
  return { ...rest, ...written };
}

/** The record in the endpoint's tags; undefined when there is none; a UserError when it is damaged (edited by hand). */
export function readRecord(tags: Readonly<Record<string, string>> | undefined): RolloutRecord | undefined {
  const tag = (name: string) => tags?.[PREFIX + name];
  const deployment = tag("deployment");
  if (deployment === undefined) return undefined;
  const traffic = decodeMap(tag("traffic") ?? "");
  const mirror = decodeMap(tag("mirror") ?? "");
  const step = Number(tag("step"));
  const status = tag("status");
  const plan = tag("plan");
  if (!traffic || !mirror || !Number.isInteger(step) || step < 0 || (status !== "running" && status !== "paused") || !plan) {
    throw new UserError(`The endpoint's rollout tags (${RECORD_TAGS.join(", ")}) are damaged; remove them, set the traffic by hand, and start again`);
  }
  return { deployment, snapshot: { traffic, mirror }, step, status, plan };
}
