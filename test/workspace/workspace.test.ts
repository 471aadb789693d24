import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RestError } from "@azure/core-rest-pipeline";
import { UserError } from "../../tasks/common/platform/userError";
import { checkWorkspaceConfigPath, getVerifiedWorkspace, withTenant, writeWorkspaceConfig } from "../../tasks/common/workspace/workspace";
import { RoutingHttpClient, SUBSCRIPTION, TENANT, fakeSession } from "../common/fakes";

const REF = { subscriptionId: SUBSCRIPTION, resourceGroup: "rg-ml", workspace: "mlws" };
const ARM_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlws`;
const GUID = "a1b2c3d4-0000-0000-0000-000000000000";
const OTHER_SUB = "00000000-0000-0000-0000-000000000002";

function workspace(properties: Record<string, unknown> = {}) {
  return {
    id: ARM_ID,
    name: "mlws",
    type: "Microsoft.MachineLearningServices/workspaces",
    location: "westeurope",
    properties: { provisioningState: "Succeeded", workspaceId: GUID, discoveryUrl: "https://westeurope.api.azureml.ms/discovery", ...properties },
  };
}

const notFound = { status: 404, body: { error: { code: "ResourceNotFound", message: "The Resource 'Microsoft.MachineLearningServices/workspaces/mlws' under resource group 'rg-ml' was not found." } } };

describe("AzureMLWorkspace core: verifying a workspace", () => {
  it("returns the workspace details and the URLs later steps need", async () => {
    const http = new RoutingHttpClient().on("GET", /workspaces\/mlws\?api-version=2022-10-01$/, { status: 200, body: workspace() });
    const info = await getVerifiedWorkspace(fakeSession(http), REF);
    assert.equal(info.armId, ARM_ID);
    assert.equal(info.location, "westeurope");
    assert.equal(info.discoveryUrl, "https://westeurope.api.azureml.ms/discovery");
    assert.equal(info.mlflowTrackingUri, `azureml://westeurope.api.azureml.ms/mlflow/v1.0${ARM_ID}`);
    assert.equal(info.studioUrl, `https://ml.azure.com/?wsid=${ARM_ID}&tid=${TENANT}`);
    assert.equal(http.requests.length, 1);
  });

  it("prefers the service's own MLflow tracking URI", async () => {
    const http = new RoutingHttpClient().on("GET", /workspaces\/mlws/, { status: 200, body: workspace({ mlFlowTrackingUri: "azureml://custom.host/mlflow/v1.0/x" }) });
    assert.equal((await getVerifiedWorkspace(fakeSession(http), REF)).mlflowTrackingUri, "azureml://custom.host/mlflow/v1.0/x");
  });

  it("refuses a workspace that is not provisioned", async () => {
    const http = new RoutingHttpClient().on("GET", /workspaces\/mlws/, { status: 200, body: workspace({ provisioningState: "Failed" }) });
    await assert.rejects(getVerifiedWorkspace(fakeSession(http), REF), (error: Error) => error instanceof UserError && /provisioning state 'Failed'/.test(error.message));
  });

  it("not found: lists what the identity can see and where a workspace of that name lives", async () => {
    const http = new RoutingHttpClient()
      .on("GET", /resourceGroups\/rg-ml\/providers\/Microsoft\.MachineLearningServices\/workspaces\/mlws/, notFound)
      .on("GET", /\/subscriptions\?api-version=2022-12-01$/, { status: 200, body: { value: [{ subscriptionId: SUBSCRIPTION, displayName: "Dev" }, { subscriptionId: OTHER_SUB, displayName: "Prod" }] } })
      .on("GET", new RegExp(`${SUBSCRIPTION}/resourcegroups\\?`), { status: 200, body: { value: [{ name: "rg-data" }, { name: "rg-web" }] } })
      .on("GET", new RegExp(`${SUBSCRIPTION}/providers/Microsoft\\.MachineLearningServices/workspaces\\?`), { status: 200, body: { value: [{ name: "other-ws", id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-data/providers/Microsoft.MachineLearningServices/workspaces/other-ws` }] } })
      .on("GET", new RegExp(`${OTHER_SUB}/providers/Microsoft\\.MachineLearningServices/workspaces\\?`), { status: 200, body: { value: [{ name: "mlws", id: `/subscriptions/${OTHER_SUB}/resourceGroups/rg-prod/providers/Microsoft.MachineLearningServices/workspaces/mlws` }] } });
    const error = await getVerifiedWorkspace(fakeSession(http), REF).then(() => assert.fail("expected a failure"), (e: unknown) => e as Error);
    assert.ok(error instanceof UserError, String(error));
    assert.match(error.message, /workspace 'mlws' was not found in resource group 'rg-ml'/);
    assert.match(error.message, /Resource group 'rg-ml' is not visible in subscription 'Dev'\. Resource groups the identity can see there: rg-data, rg-web\./);
    assert.match(error.message, /workspaces the identity can see in subscription 'Dev': other-ws \(resource group rg-data\)/);
    assert.match(error.message, new RegExp(`A workspace named 'mlws' exists in subscription 'Prod' \\(${OTHER_SUB}\\), resource group 'rg-prod'`));
    assert.match(error.message, /x-ms-client-request-id [0-9a-f-]{36}/);
  });

  it("wrong subscription: says the identity cannot see it and lists the ones it can", async () => {
    const http = new RoutingHttpClient()
      .on("GET", /workspaces\/mlws/, { status: 404, body: { error: { code: "SubscriptionNotFound", message: "The subscription could not be found." } } })
      .on("GET", /\/subscriptions\?/, { status: 200, body: { value: [{ subscriptionId: OTHER_SUB, displayName: "Prod" }] } })
      .on("GET", /providers\/Microsoft\.MachineLearningServices\/workspaces\?/, { status: 200, body: { value: [] } });
    const error = await getVerifiedWorkspace(fakeSession(http), REF).then(() => assert.fail("expected a failure"), (e: unknown) => e as Error);
    assert.match(error.message, new RegExp(`cannot see subscription '${SUBSCRIPTION}'\\. Subscriptions it can see: Prod \\(${OTHER_SUB}\\)`));
  });

  it("missing role: names the permission, the scope and the role", async () => {
    const http = new RoutingHttpClient()
      .on("GET", /workspaces\/mlws/, { status: 403, body: { error: { code: "AuthorizationFailed", message: `The client 'x' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/read' over scope '${ARM_ID}' or the scope is invalid.` } } })
      .on("GET", /\/subscriptions\?/, { status: 200, body: { value: [] } });
    const error = await getVerifiedWorkspace(fakeSession(http), REF).then(() => assert.fail("expected a failure"), (e: unknown) => e as Error);
    assert.match(error.message, /^Cannot read Azure ML workspace 'mlws'/);
    assert.match(error.message, /missing permission 'Microsoft\.MachineLearningServices\/workspaces\/read' on scope '\/subscriptions\/.*\/workspaces\/mlws'\. Grant it the Reader/);
  });

  describe("public network access disabled", () => {
    const privateWorkspace = workspace({ publicNetworkAccess: "Disabled", privateEndpointConnections: [{ name: "pe-ml", properties: { privateLinkServiceConnectionState: { status: "Approved" } } }] });
    const probe = new RegExp(`^https://${GUID}\\.workspace\\.westeurope\\.api\\.azureml\\.ms/mlflow/v1\\.0${ARM_ID.replace(/\//g, "\\/")}/api/2\\.0/mlflow/experiments/get-by-name`);

    it("fails with private-endpoint guidance when the service refuses the agent's network", async () => {
      const http = new RoutingHttpClient()
        .on("GET", /workspaces\/mlws\?/, { status: 200, body: privateWorkspace })
        .on("GET", probe, { status: 403, body: { error: { code: "UserError", message: "Public network access is disabled for this workspace; use a private endpoint." } } });
      const error = await getVerifiedWorkspace(fakeSession(http), REF).then(() => assert.fail("expected a failure"), (e: unknown) => e as Error);
      assert.ok(error instanceof UserError, String(error));
      assert.match(error.message, /public network access disabled, and this agent cannot reach it through a private endpoint/);
      assert.match(error.message, /Private endpoint connections: pe-ml \(Approved\)/);
      assert.match(error.message, /self-hosted agent/);
    });

    it("fails the same way when the private host cannot be reached at all", async () => {
      const http = new RoutingHttpClient()
        .on("GET", /workspaces\/mlws\?/, { status: 200, body: privateWorkspace })
        .on("GET", probe, () => {
          throw new RestError("getaddrinfo ENOTFOUND", { code: "ENOTFOUND" });
        });
      await assert.rejects(getVerifiedWorkspace(fakeSession(http), REF), /cannot reach it through a private endpoint .*ENOTFOUND/);
    });

    it("passes when the agent reaches the workspace through its private endpoint", async () => {
      const http = new RoutingHttpClient()
        .on("GET", /workspaces\/mlws\?/, { status: 200, body: privateWorkspace })
        .on("GET", probe, { status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
      assert.equal((await getVerifiedWorkspace(fakeSession(http), REF)).publicNetworkAccess, "Disabled");
    });
  });
});

describe("AzureMLWorkspace core: studio links", () => {
  it("adds the tenant to a studio link that lacks it, keeps one that names a tenant, and leaves it without a tenant", () => {
    const job = "https://ml.azure.com/runs/job1?wsid=/subscriptions/s/resourcegroups/rg/workspaces/ws";
    assert.equal(withTenant(job, TENANT), `${job}&tid=${TENANT}`);
    assert.equal(withTenant(`${job}&tid=other`, TENANT), `${job}&tid=other`);
    assert.equal(withTenant("https://ml.azure.com/runs/job1", TENANT), `https://ml.azure.com/runs/job1?tid=${TENANT}`);
    assert.equal(withTenant(job, undefined), job);
  });
});

describe("AzureMLWorkspace core: config.json", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "azureml-config-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the file the Azure ML SDK and CLI read, creating folders", () => {
    const file = writeWorkspaceConfig(path.join(dir, ".azureml", "config.json"), REF);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { subscription_id: SUBSCRIPTION, resource_group: "rg-ml", workspace_name: "mlws" });
  });

  it("puts config.json inside a folder", () => {
    assert.equal(writeWorkspaceConfig(dir, REF), path.join(dir, "config.json"));
  });

  it("checks the path before the workspace is read: a folder is fine (config.json inside), a path below a file is not", () => {
    checkWorkspaceConfigPath(dir);
    fs.writeFileSync(path.join(dir, "file"), "");
    assert.throws(() => checkWorkspaceConfigPath(path.join(dir, "file", "config.json")), /^UserError: Input configFile: cannot create .*config\.json, because .*file is a file, not a folder/);
  });
});
