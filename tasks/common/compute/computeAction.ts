// One run of the compute task: act (ensure, start, stop) if asked, wait within the budget for the
// compute to settle, and assess it.
import type { AmlCompute, ComputeInstance, ComputeResource, VirtualMachineSize } from "@azure/arm-machinelearning";
import { describeArmError, parseArmFailure } from "../azure/armErrors";
import { UserError } from "../platform/userError";
import { assessCompute, type Assessment, type Goal } from "./assess";
import type { ComputeApi, Operation } from "./computeApi";
import { ensureCompute } from "./ensure";
import type { ComputeAction } from "./inputs";
import type { ComputeSpec } from "./specFile";
import { formatDuration, waitUntil, type WaitOptions } from "./waiting";

export interface ComputeRequest {
  api: ComputeApi;
  name: string;
  workspaceName: string;
  /** The workspace's region: usages and VM sizes are regional. */
  location: string;
  action: ComputeAction;
  spec?: ComputeSpec;
  requiredNodes: number;
  waitMs: number;
  log: (message: string) => void;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: WaitOptions["sleep"];
}

export interface ComputeRunResult {
  assessment: Assessment;
  /** What the task changed, for the summary. */
  actions: string[];
}

async function missingCompute(api: ComputeApi, name: string, workspaceName: string): Promise<UserError> {
  const existing = await api.list().catch(() => undefined);
  const listing = existing === undefined
    ? "(the computes of the workspace could not be listed)"
    : existing.length === 0
      ? "The workspace has no computes."
      : `Computes in the workspace: ${existing.map((c) => `${c.name} (${c.properties?.computeType ?? "?"})`).join(", ")}.`;
  return new UserError(`Compute '${name}' was not found in workspace '${workspaceName}'. ${listing} Check the input computeName, or create it with action ensure and a spec file.`);
}

function instanceState(compute: ComputeResource): string | undefined {
  return compute.properties?.computeType === "ComputeInstance" ? (compute.properties as ComputeInstance).properties?.state : undefined;
}

/** Starts what the action asks for; returns the operation to wait for, if any. */
async function act(request: ComputeRequest, existing: ComputeResource | undefined, actions: string[]): Promise<Operation | undefined> {
  const { api, name, action } = request;
  const record = (message: string): void => {
    request.log(message);
    actions.push(message);
  };
  if (action === "ensure") {
    const outcome = await ensureCompute(api, name, request.spec!, existing);
    record(outcome.message);
    return outcome.operation;
  }
  if (!existing) throw await missingCompute(api, name, request.workspaceName);
  if (action === "check") return undefined;
  const type = existing.properties?.computeType ?? "Unknown";
  if (type !== "ComputeInstance") {
    throw new UserError(`Action ${action} applies to compute instances, but '${name}' is ${type}.${type === "AmlCompute" ? " A compute cluster scales between its min_instances and max_instances by itself; use action ensure to change them." : ""}`);
  }
  const state = instanceState(existing) ?? "Unknown";
  const [target, transitional] = action === "start" ? ["Running", "Starting"] : ["Stopped", "Stopping"];
  if (state === target || state === transitional) {
    record(`Compute instance '${name}' is already ${state}: no ${action} needed.`);
    return undefined;
  }
  record(`${action === "start" ? "Starting" : "Stopping"} compute instance '${name}' (was ${state}).`);
  return action === "start" ? api.start(name) : api.stop(name);
}

export async function runComputeAction(request: ComputeRequest): Promise<ComputeRunResult> {
  const now = request.now ?? Date.now;
  const waitOptions: WaitOptions = { deadline: now() + request.waitMs, signal: request.signal, now, sleep: request.sleep };
  const actions: string[] = [];
  const existing = await request.api.get(request.name);
  const operation = await act(request, existing, actions);

  let operationFailure: string | undefined;
  if (operation && request.waitMs > 0) {
    try {
      const { timedOut } = await waitUntil(() => operation.poll(), (done) => done, waitOptions);
      if (timedOut) request.log(`The operation on '${request.name}' is still running after ${formatDuration(request.waitMs)}.`);
    } catch (error) {
      if (request.signal?.aborted) throw error;
      operationFailure = describeArmError(error);
      request.log(`The operation on '${request.name}' failed: ${operationFailure}`);
    }
  }

  const goal: Goal = request.action === "stop" ? "stopped" : "usable";
  // The region's VM sizes do not change while waiting: read once.
  let vmSizes: Promise<VirtualMachineSize[]> | undefined;
  const readVmSizes = (location: string): Promise<VirtualMachineSize[]> => (vmSizes ??= request.api.vmSizes(location));
  let lastState = "";
  const probe = async (): Promise<Assessment> => {
    const compute = await request.api.get(request.name);
    if (!compute) throw await missingCompute(request.api, request.name, request.workspaceName);
    const assessment = await assessLive(request, compute, goal, readVmSizes);
    if (assessment.settling && assessment.stateText !== lastState && request.waitMs > 0) {
      request.log(`Waiting for '${request.name}': ${assessment.stateText}…`);
    }
    lastState = assessment.stateText;
    return assessment;
  };
  const { value: assessment, timedOut } = await waitUntil(probe, (a) => !a.settling || request.waitMs === 0, waitOptions);
  if (timedOut && assessment.settling) {
    assessment.problems.push(`it is still ${assessment.stateText} after ${formatDuration(request.waitMs)} (input waitMinutes)${assessment.computeType === "AmlCompute" && assessment.stateText === "Resizing" ? "; the cluster may be stuck resizing: check its nodes and errors in Azure ML studio" : ""}`);
  }
  if (operationFailure) assessment.problems.unshift(`the ${request.action} operation failed: ${operationFailure}`);
  if (assessment.problems.length > 0) assessment.verdict = "unavailable";
  return { assessment, actions };
}

function isPermissionFailure(error: unknown): boolean {
  const status = parseArmFailure(error)?.status;
  return status === 403 || status === 401;
}

/** Reads what the assessment needs beyond the compute itself: a cluster's nodes, usages and VM size. */
async function assessLive(request: ComputeRequest, compute: ComputeResource, goal: Goal, readVmSizes: (location: string) => Promise<VirtualMachineSize[]>): Promise<Assessment> {
  const options = { requiredNodes: request.requiredNodes, goal };
  if (compute.properties?.computeType !== "AmlCompute" || compute.properties.provisioningState !== "Succeeded") {
    return assessCompute({ compute }, options);
  }
  const location = compute.location ?? request.location;
  const cluster = (compute.properties as AmlCompute).properties ?? {};
  const counts = cluster.nodeStateCounts ?? {};
  const hasBadNodes = (counts.unusableNodeCount ?? 0) + (counts.preemptedNodeCount ?? 0) > 0;
  // Node ids only make the message more precise; listNodes is an action a Reader may not call.
  const nodes = hasBadNodes ? await request.api.listNodes(request.name).catch((error: unknown) => (isPermissionFailure(error) ? undefined : Promise.reject(error))) : undefined;
  try {
    const [sizes, usages] = await Promise.all([readVmSizes(location), request.api.usages(location)]);
    const vmSize = sizes.find((s) => s.name?.toLowerCase() === cluster.vmSize?.toLowerCase());
    return assessCompute({ compute, usages, nodes, vmSize }, options);
  } catch (error) {
    // Usages and VM sizes are read at subscription scope, which a workspace-scoped connection cannot read:
    // the rest of the check still stands.
    if (!isPermissionFailure(error)) throw error;
    const failure = parseArmFailure(error);
    const quotaUnreadable = `the identity cannot read the region's usages or VM sizes (${failure?.code ?? `HTTP ${failure?.status}`}); grant it Reader on the subscription to check quota`;
    return assessCompute({ compute, nodes, quotaUnreadable }, options);
  }
}
