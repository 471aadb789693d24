// Child process of the compute task's L0 tests: the workspace task's loopback fake cloud plus compute routes
// (a cluster, the region's usages and VM sizes), the agent's environment for one scenario, then the real task.
import { L0, runTaskOnFakeAzure, type FakeRoute } from "../AzureMLWorkspaceV1/fakeAzure";

const workspacePath = `/subscriptions/${L0.subscriptionId}/resourceGroups/${L0.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${L0.workspace}`;
const cluster = {
  id: `${workspacePath}/computes/cpu-cluster`,
  name: "cpu-cluster",
  location: L0.location,
  properties: {
    computeType: "AmlCompute",
    provisioningState: "Succeeded",
    properties: {
      vmSize: "STANDARD_DS3_V2",
      vmPriority: "Dedicated",
      scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: "PT120S" },
      allocationState: "Steady",
      currentNodeCount: 1,
      nodeStateCounts: { idleNodeCount: 1, runningNodeCount: 0, preparingNodeCount: 0, unusableNodeCount: 0, leavingNodeCount: 0, preemptedNodeCount: 0 },
    },
  },
};
const usage = (type: string, value: string, localizedValue: string, currentValue: number, limit: number) => ({ type: `Microsoft.MachineLearningServices/${type}`, name: { value, localizedValue }, currentValue, limit, unit: "Count" });

const computeRoutes: FakeRoute[] = [
  ["GET", new RegExp(`^${workspacePath}/computes/cpu-cluster\\?`), () => [200, cluster]],
  ["GET", new RegExp(`^${workspacePath}/computes\\?`), () => [200, { value: [cluster] }]],
  ["GET", /\/locations\/westeurope\/usages\?/, () => [200, { value: [usage("dedicatedCores/usages", "Total Cluster Dedicated Regional vCPUs", "Total Cluster Dedicated Regional vCPUs", 4, 100), usage("vmFamily/usages", "standardDSv2Family", "Standard DSv2 Family Cluster Dedicated vCPUs", 4, 24)] }]],
  ["GET", /\/locations\/westeurope\/vmSizes\?/, () => [200, { value: [{ name: "Standard_DS3_v2", family: "standardDSv2Family", vCPUs: 4, gpus: 0, memoryGB: 14 }] }]],
];

void runTaskOnFakeAzure("AzureMLComputeV1", computeRoutes);
