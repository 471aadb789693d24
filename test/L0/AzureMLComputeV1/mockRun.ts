// Child process of the compute task's L0 tests: the workspace task's loopback fake cloud plus compute routes
// (a cluster, the region's usages and VM sizes), the agent's environment for one scenario, then the real task.
import * as fs from "node:fs";
import * as path from "node:path";
import { L0, startFakeAzure, type FakeRoute } from "../AzureMLWorkspaceV1/fakeAzure";

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

async function main(): Promise<void> {
  const certFile = process.env.L0_CERT_FILE as string;
  const { base } = await startFakeAzure(fs.readFileSync(certFile, "utf8"), fs.readFileSync(process.env.L0_KEY_FILE as string, "utf8"), computeRoutes);
  const inputs = JSON.parse(process.env.L0_INPUTS ?? "{}") as Record<string, string>;
  Object.assign(process.env, {
    INPUT_AZURESUBSCRIPTION: "conn",
    INPUT_RESOURCEGROUPNAME: L0.resourceGroup,
    INPUT_WORKSPACENAME: L0.workspace,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
    AGENT_TEMPDIRECTORY: path.dirname(certFile),
    AGENT_CAINFO: certFile,
    ENDPOINT_URL_conn: base,
    ENDPOINT_DATA_conn_SUBSCRIPTIONID: L0.subscriptionId,
    ENDPOINT_DATA_conn_ENVIRONMENT: "AzureStack",
    ENDPOINT_AUTH_conn: JSON.stringify({ scheme: "ServicePrincipal", parameters: { serviceprincipalid: L0.clientId, serviceprincipalkey: L0.clientSecret, tenantid: L0.tenantId, authenticationType: "spnKey" } }),
  });
  // Loaded only now: task-lib reads (and hides) the environment when it is first required.
  const { TaskMockRunner } = require("azure-pipelines-task-lib/mock-run") as typeof import("azure-pipelines-task-lib/mock-run");
  new TaskMockRunner(path.join(__dirname, "..", "..", "..", "tasks", "AzureMLComputeV1", "index.ts")).run(true);
}

void main();
