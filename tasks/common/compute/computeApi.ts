// The Azure ML calls the compute task makes, behind a small interface the core's logic is tested against.
// Long-running operations are only started here; the caller drives them (poll) so it can bound the wait.
import type { AmlComputeNodeInformation, ComputeResource, ScaleSettings, Usage, VirtualMachineSize } from "@azure/arm-machinelearning";
import type { PollerLike, PollOperationState } from "@azure/core-lro";
import { createMachineLearningClient, type ArmContext } from "../azure/arm";
import { parseArmFailure } from "../azure/armErrors";
import type { WorkspaceScope } from "../workspace/scope";

/** A started long-running operation. */
export interface Operation {
  /** One status poll; true once the operation has finished. Throws the service's error when it failed. */
  poll(): Promise<boolean>;
}

export interface ComputeApi {
  /** undefined when the compute does not exist. */
  get(name: string): Promise<ComputeResource | undefined>;
  list(): Promise<ComputeResource[]>;
  listNodes(name: string): Promise<AmlComputeNodeInformation[]>;
  usages(location: string): Promise<Usage[]>;
  vmSizes(location: string): Promise<VirtualMachineSize[]>;
  createOrUpdate(name: string, body: ComputeResource): Promise<Operation>;
  updateScaleSettings(name: string, scaleSettings: ScaleSettings): Promise<Operation>;
  start(name: string): Promise<Operation>;
  stop(name: string): Promise<Operation>;
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

function operation(poller: PollerLike<PollOperationState<unknown>, unknown>, signal?: AbortSignal): Operation {
  return {
    async poll() {
      if (!poller.isDone()) await poller.poll({ abortSignal: signal });
      return poller.isDone();
    },
  };
}

export function createComputeApi(context: ArmContext, workspace: WorkspaceScope): ComputeApi {
  const client = createMachineLearningClient(context, workspace.subscriptionId);
  const computes = client.computeOperations;
  const rg = workspace.resourceGroup;
  const ws = workspace.workspace;
  const options = { abortSignal: context.signal };
  return {
    async get(name) {
      try {
        return await computes.get(rg, ws, name, options);
      } catch (error) {
        if (parseArmFailure(error)?.status === 404) return undefined;
        throw error;
      }
    },
    list: () => collect(computes.list(rg, ws, options)),
    listNodes: (name) => collect(computes.listNodes(rg, ws, name, options)),
    usages: (location) => collect(client.usages.list(location, options)),
    vmSizes: async (location) => (await client.virtualMachineSizes.list(location, options)).value ?? [],
    createOrUpdate: async (name, body) => operation(await computes.beginCreateOrUpdate(rg, ws, name, body, options), context.signal),
    updateScaleSettings: async (name, scaleSettings) => operation(await computes.beginUpdate(rg, ws, name, { properties: { scaleSettings } }, options), context.signal),
    start: async (name) => operation(await computes.beginStart(rg, ws, name, options), context.signal),
    stop: async (name) => operation(await computes.beginStop(rg, ws, name, options), context.signal),
  };
}
