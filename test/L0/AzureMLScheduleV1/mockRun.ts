// Child process of the schedule task's L0 tests: the workspace task's loopback fake cloud plus the workspace's
// schedules (L0_EXISTING: the schedule Azure ML holds before the run, if any), the agent's environment for one
// scenario, then the real task. Each PUT and DELETE is printed as a `L0 <method> <body>` line for the test.
import { L0, runTaskOnFakeAzure, type FakeRoute } from "../AzureMLWorkspaceV1/fakeAzure";

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

void runTaskOnFakeAzure("AzureMLScheduleV1", scheduleRoutes);
