// A deployment's assets made to exist before it is sent: here, a named inline model and environment without a
// version, registered at the next version of each (azure-ai-ml's auto-increment), against the workspace REST API.
import * as assert from "node:assert/strict";
import { prepareDeploymentAssets } from "../../tasks/common/deploy/assets";
import { translateDeploymentText } from "../../tasks/common/deploySpec";
import { createWorkspaceApi } from "../../tasks/common/workspace/workspaceApi";
import { fakeSession, RoutingHttpClient } from "../common/fakes";
import { SCOPE } from "../job/fakes";

const WS = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";

const DEPLOYMENT = `name: blue
endpoint_name: churn
model:
  name: churn-model
  path: azureml://jobs/train-1/outputs/artifacts/paths/model
environment:
  name: scoring-env
  image: mcr.microsoft.com/azureml/minimal:latest
instance_type: Standard_DS3_v2
`;

function prepare(http: RoutingHttpClient) {
  const api = createWorkspaceApi(fakeSession(http), SCOPE);
  const translation = translateDeploymentText(DEPLOYMENT, "/repo/deployment.yml", { scope: SCOPE });
  return prepareDeploymentAssets({ api, translation, location: "westeurope", openStore: async () => assert.fail("nothing to upload"), log: () => undefined });
}

describe("deploy: assets registered before the deployment", () => {
  it("registers a named inline environment and model without a version at each one's next version", async () => {
    const http = new RoutingHttpClient()
      .on("GET", /\/environments\/scoring-env\?/, { status: 200, body: { name: "scoring-env", properties: { latestVersion: "3", nextVersion: "4" } } })
      .on("GET", /\/models\/churn-model\?/, { status: 404, body: { error: { code: "UserError", message: "not found" } } })
      .on("PUT", /\/versions\/\d+\?/, (request) => ({ status: 201, body: { id: request.url.split("?")[0].replace("https://management.azure.com", "") } }));
    const plan = await prepare(http);
    assert.deepEqual(
      http.urls().filter((u) => u.startsWith("PUT")).map((u) => u.split("?")[0].replace(`https://management.azure.com${WS}/`, "")),
      ["PUT environments/scoring-env/versions/4", "PUT models/churn-model/versions/1"],
    );
    assert.equal(plan.body.properties.environmentId, `${WS}/environments/scoring-env/versions/4`);
    assert.equal(plan.body.properties.model, `${WS}/models/churn-model/versions/1`);
  });

  it("fails when the version it took as the next one was registered meanwhile with other content (an anonymous one would be reused)", async () => {
    const http = new RoutingHttpClient()
      .on("GET", /\/environments\/scoring-env\?/, { status: 200, body: { properties: { latestVersion: "3", nextVersion: "4" } } })
      .on("PUT", /\/environments\/scoring-env\/versions\/4\?/, { status: 409, body: { error: { code: "UserError", message: "Environment 'scoring-env' version '4' already exists with different content." } } });
    await assert.rejects(prepare(http), /version '4' already exists with different content/);
    assert.equal(http.urls().filter((u) => u.includes("/models/churn-model/versions/")).length, 0, "nothing registered after the conflict");
  });
});
