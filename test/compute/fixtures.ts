// Compute resources, usages and VM sizes shaped like the 2022-10-01 REST examples (as the SDK deserializes
// them), and a sinon-stubbed ComputeApi.
import * as sinon from "sinon";
import type { ComputeResource, Usage, VirtualMachineSize } from "@azure/arm-machinelearning";
import type { ComputeApi, Operation } from "../../tasks/common/compute/computeApi";

export const WS_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";

export interface ClusterState {
  provisioningState?: string;
  allocationState?: string;
  idle?: number;
  running?: number;
  preparing?: number;
  unusable?: number;
  preempted?: number;
  max?: number;
  min?: number;
  vmSize?: string;
  vmPriority?: string;
  errors?: Array<{ code: string; message: string }>;
  provisioningErrors?: Array<{ code: string; message: string }>;
}

export function cluster(name = "cpu-cluster", state: ClusterState = {}): ComputeResource {
  const nodes = { idleNodeCount: state.idle ?? 0, runningNodeCount: state.running ?? 0, preparingNodeCount: state.preparing ?? 0, unusableNodeCount: state.unusable ?? 0, preemptedNodeCount: state.preempted ?? 0, leavingNodeCount: 0 };
  return {
    id: `${WS_ID}/computes/${name}`,
    name,
    location: "eastus",
    properties: {
      computeType: "AmlCompute",
      provisioningState: (state.provisioningState ?? "Succeeded") as "Succeeded",
      provisioningErrors: state.provisioningErrors?.map((error) => ({ error })),
      properties: {
        vmSize: state.vmSize ?? "STANDARD_DS3_V2",
        vmPriority: (state.vmPriority ?? "Dedicated") as "Dedicated",
        scaleSettings: { minNodeCount: state.min ?? 0, maxNodeCount: state.max ?? 4, nodeIdleTimeBeforeScaleDown: "PT120S" },
        allocationState: (state.allocationState ?? "Steady") as "Steady",
        allocationStateTransitionTime: new Date("2026-01-01T00:00:00Z"),
        errors: state.errors?.map((error) => ({ error })),
        currentNodeCount: nodes.idleNodeCount + nodes.runningNodeCount,
        targetNodeCount: nodes.idleNodeCount + nodes.runningNodeCount + nodes.preparingNodeCount,
        nodeStateCounts: nodes,
      },
    },
  } as ComputeResource;
}

export function instance(name = "dev-instance", state = "Running", lastOperation?: { operationName: string; operationStatus: string }): ComputeResource {
  return {
    id: `${WS_ID}/computes/${name}`,
    name,
    location: "eastus",
    properties: { computeType: "ComputeInstance", provisioningState: "Succeeded", properties: { vmSize: "STANDARD_DS3_V2", state, lastOperation } },
  } as ComputeResource;
}

export function kubernetes(name = "k8s-compute", instanceTypes: Record<string, unknown> = { defaultinstancetype: { resources: { requests: { cpu: "100m", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } } } }): ComputeResource {
  return {
    id: `${WS_ID}/computes/${name}`,
    name,
    location: "eastus",
    properties: { computeType: "Kubernetes", provisioningState: "Succeeded", properties: { namespace: "azureml", defaultInstanceType: Object.keys(instanceTypes)[0], instanceTypes } },
  } as ComputeResource;
}

/** Usages as the REST example and the service name them: family value, display localizedValue. */
export function usages(options: { familyInUse?: number; familyLimit?: number; totalInUse?: number; totalLimit?: number; lowPriorityLimit?: number } = {}): Usage[] {
  return [
    { id: "/subscriptions/x/usages", type: "Microsoft.MachineLearningServices/dedicatedCores/usages", currentValue: options.totalInUse ?? 0, limit: options.totalLimit ?? 100, name: { value: "Total Cluster Dedicated Regional vCPUs", localizedValue: "Total Cluster Dedicated Regional vCPUs" }, unit: "Count" },
    { id: "/subscriptions/x/providers/Microsoft.MachineLearningServices/vmFamily/standardDSv2Family/usages", type: "Microsoft.MachineLearningServices/vmFamily/usages", currentValue: options.familyInUse ?? 0, limit: options.familyLimit ?? 24, name: { value: "standardDSv2Family", localizedValue: "Standard DSv2 Family Cluster Dedicated vCPUs" }, unit: "Count" },
    { id: "/subscriptions/x/usages", type: "Microsoft.MachineLearningServices/lowPriorityCores/usages", currentValue: 0, limit: options.lowPriorityLimit ?? 100, name: { value: "Total Cluster LowPriority Regional vCPUs", localizedValue: "Total Cluster LowPriority Regional vCPUs" }, unit: "Count" },
  ] as Usage[];
}

export const DS3_V2: VirtualMachineSize = { name: "Standard_DS3_v2", family: "standardDSv2Family", vCPUs: 4, gpus: 0, memoryGB: 14 } as VirtualMachineSize;

export type StubApi = { [K in keyof ComputeApi]: sinon.SinonStub } & ComputeApi;

/** An operation that finishes after `polls` polls, or fails with `error` on the last one. */
export function fakeOperation(polls = 1, error?: Error): Operation & { poll: sinon.SinonStub } {
  let count = 0;
  return {
    poll: sinon.stub().callsFake(async () => {
      count++;
      if (count >= polls && error) throw error;
      return count >= polls;
    }),
  };
}

export function stubApi(computes: ComputeResource[] = []): StubApi {
  return {
    get: sinon.stub().callsFake(async (name: string) => computes.find((c) => c.name === name)),
    list: sinon.stub().resolves(computes),
    listNodes: sinon.stub().resolves([]),
    usages: sinon.stub().resolves(usages()),
    vmSizes: sinon.stub().resolves([DS3_V2]),
    createOrUpdate: sinon.stub().callsFake(async () => fakeOperation()),
    updateScaleSettings: sinon.stub().callsFake(async () => fakeOperation()),
    start: sinon.stub().callsFake(async () => fakeOperation()),
    stop: sinon.stub().callsFake(async () => fakeOperation()),
  } as StubApi;
}

/** A clock that sleeping advances: waits take no real time. */
export function fakeClock(start = 1_000_000): { now: () => number; sleep: sinon.SinonStub } {
  let time = start;
  return {
    now: () => time,
    sleep: sinon.stub().callsFake(async (ms: number) => {
      time += ms;
    }),
  };
}
