// Child process of the AzureMLBatchScore@1 L0 tests: sets the agent's environment for one scenario
// (L0_SCENARIO), then runs the real task with the real task-lib. Every request would go to a dead
// loopback proxy: the scenarios here must fail on their inputs before anything is sent.
import * as path from "node:path";

const SCENARIOS: Record<string, Record<string, string>> = {
  badOutputPath: { INPUT_OUTPUTPATH: "results/today" },
  waitYes: { INPUT_WAIT: "yes" },
  badInputType: { INPUT_INPUTTYPE: "mltable" },
  inputAndInputs: { INPUT_INPUTS: "heart=azureml:heart:2" },
};

async function main(): Promise<void> {
  const scenario = process.env.L0_SCENARIO as string;
  Object.assign(process.env, {
    INPUT_AZURESUBSCRIPTION: "conn",
    INPUT_RESOURCEGROUPNAME: "rg-ml",
    INPUT_WORKSPACENAME: "ws-ml",
    INPUT_ENDPOINTNAME: "heart-batch",
    INPUT_INPUT: "azureml:heart:1",
    INPUT_INPUTTYPE: "uri_folder",
    INPUT_WAIT: "true",
    INPUT_STREAMLOGS: "true",
    INPUT_CANCELJOBONSTOP: "true",
    INPUT_FAILONJOBFAILURE: "true",
    AGENT_TEMPDIRECTORY: process.env.L0_PROJECT_DIR as string,
    AGENT_PROXYURL: "http://127.0.0.1:9",
    ENDPOINT_URL_conn: "https://management.azure.com/",
    ENDPOINT_AUTH_conn: JSON.stringify({ scheme: "ServicePrincipal", parameters: { serviceprincipalid: "client", serviceprincipalkey: "L0-secret-value", tenantid: "72f988bf-0000-0000-0000-000000000000", authenticationType: "spnKey" } }),
    ENDPOINT_DATA_conn_SUBSCRIPTIONID: "00000000-0000-0000-0000-000000000001",
    ENDPOINT_DATA_conn_ENVIRONMENT: "AzureCloud",
    ...SCENARIOS[scenario],
  });
  // Loaded only now: task-lib reads (and hides) the environment when it is first required.
  const { TaskMockRunner } = require("azure-pipelines-task-lib/mock-run") as typeof import("azure-pipelines-task-lib/mock-run");
  const runner = new TaskMockRunner(path.join(__dirname, "..", "..", "..", "tasks", "AzureMLBatchScoreV1", "index.ts"));
  runner.run(true);
}

void main();
