// A tiny loopback HTTPS stand-in for one Azure Stack-style cloud (ARM metadata, an Entra-compatible token
// endpoint, the Azure Pipelines OIDC endpoint and a few ARM reads), for the L0 tests' child process.
import * as https from "node:https";
import type { AddressInfo } from "node:net";

export const L0 = {
  tenantId: "33333333-0000-0000-0000-000000000000",
  clientId: "44444444-0000-0000-0000-000000000000",
  clientSecret: "l0-client-secret-value",
  systemAccessToken: "l0-system-access-token",
  oidcToken: "l0-oidc-token-value",
  accessToken: "l0-arm-access-token",
  subscriptionId: "55555555-0000-0000-0000-000000000000",
  resourceGroup: "rg-ml",
  workspace: "mlws",
  location: "westeurope",
};

type Json = Record<string, unknown>;

function readBody(request: import("node:http").IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => resolve(body));
  });
}

/** method, URL pattern (path and query), answer. */
export type FakeRoute = [string, RegExp, (body: string, auth: string) => [number, Json]];

/** `extraRoutes` (other tasks' L0 tests) are matched before the built-in ones. */
export async function startFakeAzure(cert: string, key: string, extraRoutes: FakeRoute[] = []): Promise<{ base: string; server: https.Server }> {
  let base = "";
  const workspacePath = `/subscriptions/${L0.subscriptionId}/resourceGroups/${L0.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${L0.workspace}`;
  const routes: FakeRoute[] = [
    ...extraRoutes,
    ["GET", /^\/metadata\/endpoints\?api-version=2015-01-01$/, () => [200, { portalEndpoint: `${base}portal/`, authentication: { loginEndpoint: base, audiences: [`${base}`] } }]],
    ["GET", /\/v2\.0\/\.well-known\/openid-configuration$/, () => [200, {
      issuer: `${base}${L0.tenantId}/v2.0`,
      authorization_endpoint: `${base}${L0.tenantId}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}${L0.tenantId}/oauth2/v2.0/token`,
      end_session_endpoint: `${base}${L0.tenantId}/oauth2/v2.0/logout`,
      jwks_uri: `${base}${L0.tenantId}/discovery/v2.0/keys`,
    }]],
    ["POST", /\/oauth2\/v2\.0\/token/, (body) => {
      const form = new URLSearchParams(body);
      const valid = form.get("client_id") === L0.clientId && (form.get("client_secret") === L0.clientSecret || form.get("client_assertion") === L0.oidcToken);
      return valid ? [200, { token_type: "Bearer", access_token: L0.accessToken, expires_in: 3600 }] : [401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." }];
    }],
    ["POST", /^\/oidc\?api-version=7\.1&serviceConnectionId=conn$/, (_body, auth) => (auth === `Bearer ${L0.systemAccessToken}` ? [200, { oidcToken: L0.oidcToken }] : [401, {}])],
    ["GET", new RegExp(`^${workspacePath}\\?api-version=2022-10-01$`), () => [200, {
      id: workspacePath,
      name: L0.workspace,
      location: L0.location,
      properties: { provisioningState: "Succeeded", discoveryUrl: `https://${L0.location}.api.azureml.ms/discovery`, workspaceId: "66666666-0000-0000-0000-000000000000" },
    }]],
    ["GET", /^\/subscriptions\?api-version=/, () => [200, { value: [{ subscriptionId: L0.subscriptionId, displayName: "L0 subscription" }] }]],
    ["GET", /^\/subscriptions\/[^/]+\/resourcegroups\?api-version=/, () => [200, { value: [{ name: L0.resourceGroup }] }]],
    ["GET", /^\/subscriptions\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\?api-version=/, () => [200, { value: [{ id: workspacePath, name: L0.workspace }] }]],
  ];
  const server = https.createServer({ cert, key }, async (request, response) => {
    const body = await readBody(request);
    const auth = String(request.headers.authorization ?? "");
    const url = request.url ?? "";
    const isArm = url.startsWith("/subscriptions");
    let status = 404;
    let payload: Json = { error: { code: "ResourceNotFound", message: `The Resource '${url.split("?")[0]}' was not found.` } };
    if (isArm && auth !== `Bearer ${L0.accessToken}`) {
      status = 401;
      payload = { error: { code: "InvalidAuthenticationToken", message: "The access token is invalid." } };
    } else {
      const route = routes.find(([method, pattern]) => method === request.method && pattern.test(url));
      if (route) {
        [status, payload] = route[2](body, auth);
      }
    }
    response.writeHead(status, { "content-type": "application/json", connection: "close", "x-ms-request-id": "l0-request" });
    response.end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { base, server };
}

/**
 * The body of a task's L0 mock-run file: the fake cloud with the task's routes, the agent's environment for a
 * service-principal connection to it (the scenario's inputs from L0_INPUTS), then the real task from its index.ts.
 */
export async function runTaskOnFakeAzure(taskFolder: string, routes: FakeRoute[]): Promise<void> {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const certFile = process.env.L0_CERT_FILE as string;
  const { base } = await startFakeAzure(fs.readFileSync(certFile, "utf8"), fs.readFileSync(process.env.L0_KEY_FILE as string, "utf8"), routes);
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
  new TaskMockRunner(path.join(__dirname, "..", "..", "..", "tasks", taskFolder, "index.ts")).run(true);
}
