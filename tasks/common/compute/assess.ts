// Availability of a compute for the next job, as a pure function of what Azure ML reports: the compute
// resource, a cluster's nodes, the region's usages and the VM size. Gives the verdict, its reasons, the
// table for the log and summary, and the task's output values.
import type { AmlCompute, AmlComputeNodeInformation, ComputeInstance, ComputeResource, ErrorResponse, Kubernetes, Usage, VirtualMachineSize } from "@azure/arm-machinelearning";
import { checkQuota } from "./quota";

export type Verdict = "available" | "degraded" | "unavailable";

/** What the action wants: a compute usable by a job, or (action stop) a stopped compute instance. */
export type Goal = "usable" | "stopped";

export interface ComputeSnapshot {
  compute: ComputeResource;
  /** A cluster's nodes (listNodes), to name unusable and preempted ones. */
  nodes?: AmlComputeNodeInformation[];
  /** The region's usages (cluster vCPU quota). */
  usages?: Usage[];
  /** The cluster's VM size from the region's vmSizes list. */
  vmSize?: VirtualMachineSize;
  /** Why usages or VM sizes could not be read (e.g. no permission at subscription scope): quota is then not verified. */
  quotaUnreadable?: string;
}

export interface ComputeOutputs {
  computeId: string;
  computeType: string;
  state: string;
  idleNodes: string;
  busyNodes: string;
  maxNodes: string;
  quotaAvailableCores: string;
}

export interface Assessment {
  name: string;
  computeType: string;
  verdict: Verdict;
  /** Why the compute cannot be used (verdict unavailable). */
  problems: string[];
  /** What a user should know although the compute is usable (verdict degraded). */
  warnings: string[];
  /** The state is changing by itself (provisioning, resizing, starting): waiting may help. */
  settling: boolean;
  /** The state shown while waiting, e.g. "Creating" or "Resizing". */
  stateText: string;
  rows: Array<[string, string]>;
  outputs: ComputeOutputs;
}

export interface AssessOptions {
  requiredNodes: number;
  goal?: Goal;
}

/** Collects findings; a transient finding only makes the compute unavailable when `blocking`. */
class Findings {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  private transient = false;
  private permanent = false;

  problem(text: string): void {
    this.problems.push(text);
    this.permanent = true;
  }

  /** A state that passes by itself: blocking ones (Creating, Starting) make the compute unusable until then. */
  pending(text: string, blocking: boolean): void {
    (blocking ? this.problems : this.warnings).push(text);
    this.transient = true;
  }

  warning(text: string): void {
    this.warnings.push(text);
  }

  get settling(): boolean {
    return this.transient && !this.permanent;
  }

  get verdict(): Verdict {
    return this.problems.length > 0 ? "unavailable" : this.warnings.length > 0 ? "degraded" : "available";
  }
}

export function describeServiceErrors(errors: ErrorResponse[] | undefined | null): string {
  return (errors ?? []).map((e) => [e.error?.code, e.error?.message].filter(Boolean).join(": ") || "unknown error").join("; ");
}

const count = (value: number | undefined): number => value ?? 0;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function checkProvisioning(compute: ComputeResource, findings: Findings): string {
  const state = compute.properties?.provisioningState ?? "Unknown";
  if (state === "Succeeded") return state;
  if (state === "Creating" || state === "Updating") {
    findings.pending(`its provisioning state is ${state}`, true);
  } else if (state === "Failed") {
    const errors = describeServiceErrors(compute.properties?.provisioningErrors);
    findings.problem(`provisioning Failed${errors ? `: ${errors}` : ""}. Delete the compute and create it again (action ensure with a spec file), or fix the cause first`);
  } else {
    findings.problem(`its provisioning state is ${state}`);
  }
  return state;
}

function nodeIds(nodes: AmlComputeNodeInformation[] | undefined, states: string[]): string {
  const ids = (nodes ?? []).filter((n) => states.includes(n.nodeState ?? "")).map((n) => n.nodeId ?? "?");
  return ids.length > 0 ? ` (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""})` : "";
}

function assessCluster(snapshot: ComputeSnapshot, properties: AmlCompute, options: AssessOptions, findings: Findings, rows: Array<[string, string]>): Partial<ComputeOutputs> {
  const cluster = properties.properties ?? {};
  const counts = cluster.nodeStateCounts ?? {};
  const idle = count(counts.idleNodeCount);
  const busy = count(counts.runningNodeCount) + count(counts.preparingNodeCount);
  const blocked = count(counts.unusableNodeCount) + count(counts.preemptedNodeCount);
  const occupied = idle + busy + blocked + count(counts.leavingNodeCount);
  const max = count(cluster.scaleSettings?.maxNodeCount);
  const required = options.requiredNodes;
  const allocation = cluster.allocationState ?? "Unknown";

  if (cluster.errors?.length) {
    findings.problem(`the cluster reports errors: ${describeServiceErrors(cluster.errors)}`);
  }
  const badNodes = `${count(counts.unusableNodeCount)} unusable and ${count(counts.preemptedNodeCount)} preempted node(s)${nodeIds(snapshot.nodes, ["unusable", "preempted"])}`;
  const tooSmall = max < required;
  const blockedOut = !tooSmall && blocked > 0 && max - blocked < required;
  if (tooSmall) {
    findings.problem(`the job needs ${plural(required, "node")} but the cluster's maximum is ${max}: raise max_instances (action ensure with a spec file) or ask for fewer nodes`);
  } else if (blockedOut) {
    findings.problem(`${badNodes} hold slots, leaving ${max - blocked} of the maximum ${max} for a job that needs ${required}. Unusable nodes usually failed setup (see the cluster's node errors in the studio); scale the cluster to 0 nodes or delete them to recover`);
  } else if (blocked > 0) {
    findings.warning(badNodes);
  }
  if (allocation.toLowerCase() === "resizing") {
    findings.pending(`the cluster is Resizing (${count(cluster.currentNodeCount)} → ${count(cluster.targetNodeCount)} nodes)`, false);
  }

  const freeSlots = Math.max(0, max - occupied);
  const nodesWanted = Math.max(0, required - idle);
  if (!tooSmall && !blockedOut && nodesWanted > freeSlots) {
    findings.warning(`the cluster is busy (${busy} of at most ${max} nodes in use): the job will queue until ${plural(nodesWanted - freeSlots, "more node")} ${nodesWanted - freeSlots === 1 ? "is" : "are"} free`);
  }
  const nodesToAdd = Math.min(nodesWanted, freeSlots);
  const quota = snapshot.quotaUnreadable ? { verified: false as const, reason: snapshot.quotaUnreadable } : checkQuota(snapshot.vmSize, snapshot.usages ?? [], nodesToAdd, cluster.vmPriority);
  let quotaRow: string;
  let available = "";
  if (quota.verified) {
    const q = quota.check;
    available = String(q.availableCores);
    quotaRow = `${q.coresNeeded} vCPUs needed for ${plural(q.nodesToAdd, "new node")}, ${q.availableCores} free (${q.limitDescription})`;
    if (q.shortfall) {
      findings.problem(`quota shortfall: ${plural(q.nodesToAdd, "more node")} of ${cluster.vmSize} need ${q.coresNeeded} vCPUs of VM family ${q.family}, but only ${q.availableCores} are free (${q.limitDescription}). Request a quota increase for ${q.family} in the Azure portal (Azure Machine Learning > Quotas), free cores by scaling other clusters down, or ask for fewer nodes`);
    }
  } else {
    quotaRow = `not verified: ${quota.reason}`;
    findings.warning(`quota not verified: ${quota.reason}`);
  }

  const vm = snapshot.vmSize;
  const since = cluster.allocationStateTransitionTime ? ` since ${new Date(cluster.allocationStateTransitionTime).toISOString()}` : "";
  const scale = cluster.scaleSettings;
  rows.push(
    ["VM size", `${cluster.vmSize ?? "?"}${vm ? ` (${vm.vCPUs} vCPUs, ${vm.family})` : ""}, ${cluster.vmPriority ?? "Dedicated"}`],
    ["Allocation", `${allocation}${since}`],
    ["Nodes", `${idle} idle, ${count(counts.runningNodeCount)} running, ${count(counts.preparingNodeCount)} preparing, ${count(counts.unusableNodeCount)} unusable, ${count(counts.preemptedNodeCount)} preempted, ${count(counts.leavingNodeCount)} leaving`],
    ["Scale", `min ${count(scale?.minNodeCount)}, max ${max}, idle time before scale down ${scale?.nodeIdleTimeBeforeScaleDown ?? "default"}`],
    ["Required nodes", String(required)],
    ["Quota", quotaRow],
  );
  return { state: allocation, idleNodes: String(idle), busyNodes: String(busy), maxNodes: String(max), quotaAvailableCores: available };
}

/** Instance states that pass by themselves on the way to Running. */
const INSTANCE_SETTLING = ["Creating", "Starting", "Restarting", "SettingUp"];

function assessInstance(properties: ComputeInstance, goal: Goal, findings: Findings, rows: Array<[string, string]>): Partial<ComputeOutputs> {
  const instance = properties.properties ?? {};
  const state = instance.state ?? "Unknown";
  const last = instance.lastOperation;
  if (instance.errors?.length) findings.warning(`the instance reports errors: ${describeServiceErrors(instance.errors)}`);
  const lastFailed = last?.operationStatus?.toLowerCase().endsWith("failed") ? ` (its last operation, ${last.operationName}, ${last.operationStatus})` : "";
  if (goal === "stopped") {
    if (state === "Stopping") findings.pending("the compute instance is Stopping", true);
    else if (state !== "Stopped") findings.problem(`the compute instance is ${state}, not Stopped${lastFailed}`);
  } else if (state === "Stopped" || state === "Stopping") {
    findings.problem(`the compute instance is ${state}${lastFailed}: start it first (action start)`);
  } else if (INSTANCE_SETTLING.includes(state)) {
    findings.pending(`the compute instance is ${state}`, true);
  } else if (state !== "Running") {
    findings.problem(`the compute instance is ${state}${lastFailed}, not Running`);
  }
  rows.push(["VM size", instance.vmSize ?? "?"], ["State", state]);
  if (last) rows.push(["Last operation", `${last.operationName ?? "?"} ${last.operationStatus ?? ""}${last.operationTime ? ` at ${new Date(last.operationTime).toISOString()}` : ""}`]);
  return { state };
}

function describeInstanceType(name: string, type: NonNullable<NonNullable<Kubernetes["properties"]>["instanceTypes"]>[string]): string {
  const requests = type.resources?.requests ?? {};
  const limits = type.resources?.limits ?? {};
  const gpu = limits["nvidia.com/gpu"] ?? requests["nvidia.com/gpu"];
  return `${name} (cpu ${requests.cpu ?? "?"}–${limits.cpu ?? "?"}, memory ${requests.memory ?? "?"}–${limits.memory ?? "?"}${gpu ? `, gpu ${gpu}` : ""})`;
}

function assessKubernetes(properties: Kubernetes, findings: Findings, rows: Array<[string, string]>): void {
  const kubernetes = properties.properties ?? {};
  const types = Object.entries(kubernetes.instanceTypes ?? {});
  if (types.length === 0) {
    findings.problem("the attached Kubernetes compute has no instance types: install or reconfigure the Azure ML extension on the cluster, then attach it again");
  } else if (kubernetes.defaultInstanceType && !kubernetes.instanceTypes?.[kubernetes.defaultInstanceType]) {
    findings.warning(`the default instance type '${kubernetes.defaultInstanceType}' is not among its instance types`);
  }
  rows.push(
    ["Namespace", kubernetes.namespace ?? "default"],
    ["Instance types", types.map(([name, type]) => describeInstanceType(name, type)).join(", ") || "none"],
    ["Default instance type", kubernetes.defaultInstanceType ?? "-"],
  );
}

export function assessCompute(snapshot: ComputeSnapshot, options: AssessOptions): Assessment {
  const { compute } = snapshot;
  const properties = compute.properties;
  const computeType = properties?.computeType ?? "Unknown";
  const findings = new Findings();
  const provisioning = checkProvisioning(compute, findings);
  const rows: Array<[string, string]> = [
    ["Compute", `${compute.name} (${computeType}${compute.location ? `, ${compute.location}` : ""})`],
    ["Provisioning", provisioning],
  ];
  let outputs: Partial<ComputeOutputs> = {};
  // ComputeUnion includes the base Compute, whose computeType is the whole union: the type does not narrow.
  if (computeType === "AmlCompute") {
    outputs = assessCluster(snapshot, properties as AmlCompute, options, findings, rows);
  } else if (computeType === "ComputeInstance") {
    outputs = assessInstance(properties as ComputeInstance, options.goal ?? "usable", findings, rows);
  } else if (computeType === "Kubernetes") {
    assessKubernetes(properties as Kubernetes, findings, rows);
  }
  if (options.goal === "stopped" && computeType !== "ComputeInstance") {
    findings.problem(`only compute instances can be stopped; '${compute.name}' is ${computeType}`);
  }
  const state = provisioning === "Succeeded" ? outputs.state ?? provisioning : provisioning;
  return {
    name: compute.name ?? "?",
    computeType,
    verdict: findings.verdict,
    problems: findings.problems,
    warnings: findings.warnings,
    settling: findings.settling,
    stateText: state,
    rows,
    outputs: { computeId: compute.id ?? "", computeType, idleNodes: "", busyNodes: "", maxNodes: "", quotaAvailableCores: "", ...outputs, state },
  };
}

/** No compute named: the job runs on serverless compute, which Azure ML sizes per job. */
export function serverlessAssessment(): Assessment {
  return {
    name: "serverless",
    computeType: "Serverless",
    verdict: "available",
    problems: [],
    warnings: [],
    settling: false,
    stateText: "Serverless",
    rows: [["Compute", "serverless (none named): Azure ML provisions compute for each job; there is nothing to check"]],
    outputs: { computeId: "", computeType: "Serverless", state: "", idleNodes: "", busyNodes: "", maxNodes: "", quotaAvailableCores: "" },
  };
}
