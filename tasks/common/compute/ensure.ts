// Action ensure: bring a compute to what its spec file says, as far as Azure ML allows without deleting it:
// create it when missing, update a cluster's scale settings when they differ, otherwise change nothing.
import type { AmlCompute, ComputeResource, ScaleSettings } from "@azure/arm-machinelearning";
import type { ComputeApi, Operation } from "./computeApi";
import type { ComputeSpec, SpecScale } from "./specFile";
import { UserError } from "../platform/userError";

export type EnsurePlan =
  | { kind: "create" }
  | { kind: "updateScale"; scaleSettings: ScaleSettings; differences: string[] }
  | { kind: "unchanged"; notes: string[] };

export interface EnsureOutcome {
  plan: EnsurePlan;
  /** The create or update operation, when one was started. */
  operation?: Operation;
  /** One line for the log. */
  message: string;
}

/** Seconds of an ISO 8601 duration as the service returns it (PT120S, PT2M, P1DT2H); undefined if unreadable. */
export function isoDurationSeconds(iso: string | undefined): number | undefined {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(iso ?? "");
  if (!match) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((v) => Number(v ?? 0));
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}

function scaleDifferences(current: ScaleSettings | undefined, wanted: SpecScale): string[] {
  const differences: string[] = [];
  if ((current?.minNodeCount ?? 0) !== wanted.minNodeCount) differences.push(`min_instances ${current?.minNodeCount ?? 0} → ${wanted.minNodeCount}`);
  if (current?.maxNodeCount !== wanted.maxNodeCount) differences.push(`max_instances ${current?.maxNodeCount ?? "?"} → ${wanted.maxNodeCount}`);
  const currentIdle = isoDurationSeconds(current?.nodeIdleTimeBeforeScaleDown);
  if (wanted.idleSeconds !== undefined && currentIdle !== wanted.idleSeconds) {
    differences.push(`idle_time_before_scale_down ${currentIdle ?? current?.nodeIdleTimeBeforeScaleDown ?? "?"} → ${wanted.idleSeconds} s`);
  }
  return differences;
}

/** What ensure will do; throws a UserError for differences Azure ML cannot apply to an existing compute. */
export function planEnsure(existing: ComputeResource | undefined, spec: ComputeSpec): EnsurePlan {
  if (!existing) return { kind: "create" };
  const existingType = existing.properties?.computeType ?? "Unknown";
  if (existingType.toLowerCase() !== spec.computeType.toLowerCase()) {
    throw new UserError(`Compute '${existing.name}' already exists as ${existingType}, but ${spec.file} describes a ${spec.computeType}. A compute's type cannot change: delete it first or choose another name.`);
  }
  if (existing.properties?.computeType !== "AmlCompute" || !spec.scale) {
    return { kind: "unchanged", notes: [`ensure updates only the scale settings of compute clusters; an existing ${existingType} is left as it is`] };
  }
  const cluster = (existing.properties as AmlCompute).properties ?? {};
  const immutable: string[] = [];
  if (spec.size && cluster.vmSize && spec.size.toLowerCase() !== cluster.vmSize.toLowerCase()) immutable.push(`size (${cluster.vmSize} → ${spec.size})`);
  if (spec.vmPriority && cluster.vmPriority && spec.vmPriority !== cluster.vmPriority) immutable.push(`tier (${cluster.vmPriority} → ${spec.vmPriority})`);
  if (immutable.length > 0) {
    throw new UserError(`Compute cluster '${existing.name}' differs from ${spec.file} in ${immutable.join(" and ")}, which Azure ML cannot change on an existing cluster. Delete the cluster and run ensure again, or give the spec another name.`);
  }
  const differences = scaleDifferences(cluster.scaleSettings, spec.scale);
  if (differences.length === 0) return { kind: "unchanged", notes: [] };
  const scaleSettings: ScaleSettings = {
    minNodeCount: spec.scale.minNodeCount,
    maxNodeCount: spec.scale.maxNodeCount,
    nodeIdleTimeBeforeScaleDown: spec.scale.idleSeconds === undefined ? cluster.scaleSettings?.nodeIdleTimeBeforeScaleDown : `PT${spec.scale.idleSeconds}S`,
  };
  return { kind: "updateScale", scaleSettings, differences };
}

export async function ensureCompute(api: ComputeApi, name: string, spec: ComputeSpec, existing: ComputeResource | undefined): Promise<EnsureOutcome> {
  const plan = planEnsure(existing, spec);
  switch (plan.kind) {
    case "create":
      return { plan, operation: await api.createOrUpdate(name, spec.body), message: `Creating ${spec.computeType} '${name}' from ${spec.file}.` };
    case "updateScale":
      return { plan, operation: await api.updateScaleSettings(name, plan.scaleSettings), message: `Updating the scale settings of '${name}': ${plan.differences.join(", ")}.` };
    case "unchanged":
      return { plan, message: plan.notes.length ? `Compute '${name}' exists: no change (${plan.notes.join("; ")}).` : `Compute '${name}' already matches ${spec.file}: no change.` };
  }
}
