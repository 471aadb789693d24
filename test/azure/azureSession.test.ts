import { strict as assert } from "node:assert";
import { EventEmitter } from "node:events";
import * as sinon from "sinon";
import { connectAzure } from "../../tasks/common/azure/azureSession";
import { installCancellationHandlers } from "../../tasks/common/platform/cancellation";
import * as path from "node:path";
import { readTaskIdentity, userAgent } from "../../tasks/common/platform/product";
import { UserError } from "../../tasks/common/platform/userError";
import { fakeHost, SUBSCRIPTION, TENANT, type FakeHostState } from "../common/fakes";

function spnConnection(data: Record<string, string>): FakeHostState {
  return {
    endpoints: {
      conn: { url: "https://management.usgovcloudapi.net/", auth: { scheme: "ServicePrincipal", parameters: { serviceprincipalid: "c", serviceprincipalkey: "k", tenantid: TENANT } }, data },
    },
  };
}

describe("connecting to Azure", () => {
  const cancellation = installCancellationHandlers({ signals: new EventEmitter(), exit: () => undefined });
  after(() => cancellation.dispose());
  afterEach(() => {
    sinon.restore();
    delete process.env.AZURE_HTTP_USER_AGENT;
  });

  it("builds a session on the connection's cloud and subscription, with our user agent", async () => {
    process.env.AZURE_HTTP_USER_AGENT = "VSTS_abc_build_1";
    const session = await connectAzure(fakeHost(spnConnection({ subscriptionId: SUBSCRIPTION, environment: "AzureUSGovernment" })), "conn", { taskName: "AzureMLWorkspace", taskVersion: "1.0.0", cancellation });
    assert.equal(session.subscriptionId, SUBSCRIPTION);
    assert.equal(session.tenantId, TENANT);
    assert.equal(session.cloud.name, "AzureUSGovernment");
    assert.equal(session.cloud.resourceManagerUrl, "https://management.usgovcloudapi.net/");
    assert.match(session.userAgent, /^azureml-mlops\/\d+\.\d+\.\d+ AzureMLWorkspace\/1\.0\.0 VSTS_abc_build_1$/);
    assert.equal(session.signal, cancellation.signal);
  });

  it("refuses a connection that is not scoped to a subscription", async () => {
    await assert.rejects(
      connectAzure(fakeHost(spnConnection({ scopeLevel: "ManagementGroup" })), "conn", { taskName: "T", taskVersion: "1.0.0", cancellation }),
      (error: Error) => error instanceof UserError && /not scoped to a subscription \(scope level: ManagementGroup\)/.test(error.message),
    );
  });

  it("user agent names the extension and the task", () => {
    assert.match(userAgent("AzureMLJob", "1.2.3"), /^azureml-mlops\/\S+ AzureMLJob\/1\.2\.3$/);
    assert.match(userAgent("AzureMLJob", "1.2.3", " VSTS_x "), /^azureml-mlops\/\S+ AzureMLJob\/1\.2\.3 VSTS_x$/);
  });

  it("reads the task's name and version from the task.json beside it", () => {
    assert.deepEqual(readTaskIdentity(path.join(__dirname, "..", "..", "tasks", "AzureMLWorkspaceV1")), { taskName: "AzureMLWorkspace", taskVersion: "1.0.2" });
  });
});
