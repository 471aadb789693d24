// Child process of the L0 tests: starts the loopback fake cloud, sets the agent's environment for one
// scenario (L0_SCENARIO), then runs the real task with the real task-lib.
import * as fs from "node:fs";
import * as path from "node:path";
import { L0, startFakeAzure } from "./fakeAzure";

type Scenario = "success" | "missingInput" | "notFound" | "federated" | "badSecret";

async function main(): Promise<void> {
  const scenario = process.env.L0_SCENARIO as Scenario;
  const certFile = process.env.L0_CERT_FILE as string;
  const { base } = await startFakeAzure(fs.readFileSync(certFile, "utf8"), fs.readFileSync(process.env.L0_KEY_FILE as string, "utf8"));

  // The agent's view of the job: inputs, variables, the service connection (an Azure Stack-style cloud
  // whose endpoints come from ARM metadata discovery) and the agent's CA file.
  const env: Record<string, string> = {
    INPUT_AZURESUBSCRIPTION: "conn",
    INPUT_RESOURCEGROUPNAME: L0.resourceGroup,
    INPUT_WORKSPACENAME: scenario === "notFound" ? "missing-ws" : scenario === "missingInput" ? "" : L0.workspace,
    INPUT_CONFIGFILE: process.env.L0_CONFIG_FILE ?? "",
    SYSTEM_DEFAULTWORKINGDIRECTORY: process.env.L0_DEFAULT_WORKING_DIRECTORY ?? "",
    AGENT_TEMPDIRECTORY: path.dirname(certFile),
    AGENT_CAINFO: certFile,
    ENDPOINT_URL_conn: base,
    ENDPOINT_DATA_conn_SUBSCRIPTIONID: L0.subscriptionId,
    ENDPOINT_DATA_conn_SUBSCRIPTIONNAME: "L0 subscription",
    ENDPOINT_DATA_conn_ENVIRONMENT: "AzureStack",
  };
  if (scenario === "federated") {
    env.ENDPOINT_AUTH_conn = JSON.stringify({ scheme: "WorkloadIdentityFederation", parameters: { serviceprincipalid: L0.clientId, tenantid: L0.tenantId } });
    env.ENDPOINT_AUTH_SYSTEMVSSCONNECTION = JSON.stringify({ scheme: "OAuth", parameters: { AccessToken: L0.systemAccessToken } });
    env.SYSTEM_OIDCREQUESTURI = `${base}oidc`;
  } else {
    const secret = scenario === "badSecret" ? "wrong-secret-value" : L0.clientSecret;
    env.ENDPOINT_AUTH_conn = JSON.stringify({ scheme: "ServicePrincipal", parameters: { serviceprincipalid: L0.clientId, serviceprincipalkey: secret, tenantid: L0.tenantId, authenticationType: "spnKey" } });
  }
  Object.assign(process.env, env);

  // Loaded only now: task-lib reads (and hides) the environment when it is first required.
  const { TaskMockRunner } = require("azure-pipelines-task-lib/mock-run") as typeof import("azure-pipelines-task-lib/mock-run");
  const runner = new TaskMockRunner(path.join(__dirname, "..", "..", "..", "tasks", "AzureMLWorkspaceV1", "index.ts"));
  runner.run(true);
}

void main();
