// Child process of the schedule task's L0 tests: the workspace task's loopback fake cloud plus the workspace's
// schedules (L0_EXISTING: the schedule Azure ML holds before the run, if any), the agent's environment for one
// scenario, then the real task. Each PUT and DELETE is printed as a `L0 <method> <body>` line for the test.
import * as fs from "node:fs";
import * as path from "node:path";
import { L0, startFakeAzure, type FakeRoute } from "../AzureMLWorkspaceV1/fakeAzure";

const workspacePath = `/subscriptions/${L0.subscriptionId}/resourceGroups/${L0.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${L0.workspace}`;
const schedules = new Map<string, Record<string, unknown>>();
if (process.env.L0_EXISTING) {
  const existing = JSON.parse(process.env.L0_EXISTING) as { name: string };
  schedules.set(existing.name, existing);
}
const named = (url: RegExp) => new RegExp(`^${workspacePath}/schedules/${url.source}`);

const scheduleRoutes: FakeRoute[] = [
  ["GET", named(/([\w-]+)\?api-version=2023-04-01$/), () => [404, { error: { code: "NotFound" } }]],
  ["PUT", named(/([\w-]+)\?api-version=2023-04-01$/), (body) => {
    process.stdout.write(`L0 PUT ${body}\n`);
    const parsed = JSON.parse(body) as { properties: Record<string, unknown> };
    return [200, { id: `${workspacePath}/schedules/x`, name: "x", properties: { ...parsed.properties, provisioningState: "Succeeded" } }];
  }],
  ["DELETE", named(/([\w-]+)\?api-version=2023-04-01$/), () => {
    process.stdout.write("L0 DELETE\n");
    return [schedules.size > 0 ? 200 : 204, {}];
  }],
];
// A GET of a schedule that exists answers with it (the route table is matched in order).
for (const [name, schedule] of schedules) scheduleRoutes.unshift(["GET", named(new RegExp(`${name}\\?api-version=2023-04-01$`)), () => [200, schedule as never]]);

async function main(): Promise<void> {
  const certFile = process.env.L0_CERT_FILE as string;
  const { base } = await startFakeAzure(fs.readFileSync(certFile, "utf8"), fs.readFileSync(process.env.L0_KEY_FILE as string, "utf8"), scheduleRoutes);
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
  new TaskMockRunner(path.join(__dirname, "..", "..", "..", "tasks", "AzureMLScheduleV1", "index.ts")).run(true);
}

void main();
