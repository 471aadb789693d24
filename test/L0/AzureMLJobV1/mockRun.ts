// Child process of the AzureMLJob@1 L0 tests: sets the agent's environment for one scenario
// (L0_SCENARIO), then runs the real task with the real task-lib. Every request would go to a dead
// loopback proxy: the scenarios here must not need the network at all.
import * as path from "node:path";

async function main(): Promise<void> {
  const scenario = process.env.L0_SCENARIO as "dryRun" | "badOverride" | "dryRunYes";
  const dir = process.env.L0_PROJECT_DIR as string;
  Object.assign(process.env, {
    INPUT_AZURESUBSCRIPTION: "conn",
    INPUT_RESOURCEGROUPNAME: "rg-ml",
    INPUT_WORKSPACENAME: "ws-ml",
    INPUT_JOBFILE: path.join(dir, "job.yml"),
    INPUT_OVERRIDES: scenario === "badOverride" ? "inputs.learning_rate" : "inputs.learning_rate=0.5",
    INPUT_DRYRUN: scenario === "dryRunYes" ? "yes" : "true",
    AGENT_TEMPDIRECTORY: dir,
    AGENT_PROXYURL: "http://127.0.0.1:9",
    BUILD_BUILDID: "77",
    BUILD_DEFINITIONNAME: "nightly",
    SYSTEM_JOBATTEMPT: "2",
    SYSTEM_TASKINSTANCENAME: "train",
    ENDPOINT_URL_conn: "https://management.azure.com/",
    ENDPOINT_AUTH_conn: JSON.stringify({ scheme: "ServicePrincipal", parameters: { serviceprincipalid: "client", serviceprincipalkey: "L0-secret-value", tenantid: "72f988bf-0000-0000-0000-000000000000", authenticationType: "spnKey" } }),
    ENDPOINT_DATA_conn_SUBSCRIPTIONID: "00000000-0000-0000-0000-000000000001",
    ENDPOINT_DATA_conn_ENVIRONMENT: "AzureCloud",
  });
  // Loaded only now: task-lib reads (and hides) the environment when it is first required.
  const { TaskMockRunner } = require("azure-pipelines-task-lib/mock-run") as typeof import("azure-pipelines-task-lib/mock-run");
  const runner = new TaskMockRunner(path.join(__dirname, "..", "..", "..", "tasks", "AzureMLJobV1", "index.ts"));
  runner.run(true);
}

void main();
