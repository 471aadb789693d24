import * as assert from "node:assert/strict";
import { createRegistryModelsApi, discoverRegistry, splitBlobUrl } from "../../tasks/common/workspace/registryModels";
import { fakeSession, RoutingHttpClient } from "../common/fakes";

const LOCATION = {
  registryName: "mlr-shared",
  subscriptionId: "11111111-2222-3333-4444-555555555555",
  resourceGroup: "rg-shared",
  primaryRegion: "westeurope",
  primaryRegionResourceProviderUri: "https://westeurope.api.azureml.ms/",
};
const REGISTRY_PATH = "/mferp/managementfrontend/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shared/providers/Microsoft.MachineLearningServices/registries/mlr-shared";
const MODEL_URI = "https://stmlrshared.blob.core.windows.net/churn-3f2a/churn-model";

describe("workspace: registry model REST calls (as azure-ai-ml 1.4.0)", () => {
  it("discovers a registry on the regional API host, and answers undefined for an unknown one", async () => {
    const http = new RoutingHttpClient().on("GET", /\/registrymanagement\/v1\.0\/registries\/mlr-shared\/discovery$/, { status: 200, body: LOCATION });
    const session = fakeSession(http);
    assert.deepEqual(await discoverRegistry(session, "eastus.api.azureml.ms", "mlr-shared"), LOCATION);
    assert.equal(await discoverRegistry(session, "eastus.api.azureml.ms", "nope"), undefined);
    assert.match(http.urls()[0], /^GET https:\/\/eastus\.api\.azureml\.ms\/registrymanagement\/v1\.0\/registries\/mlr-shared\/discovery$/);
  });

  it("reads a version from the primary region's management front end, undefined when missing", async () => {
    const http = new RoutingHttpClient().on("GET", /registries\/mlr-shared\/models\/churn\/versions\/2\?/, { status: 200, body: { name: "2", properties: { modelUri: MODEL_URI } } });
    const api = createRegistryModelsApi(fakeSession(http), LOCATION);
    assert.equal((await api.getVersion("churn", "2"))?.properties.modelUri, MODEL_URI);
    assert.equal(await api.getVersion("churn", "9"), undefined);
    const url = new URL(http.urls()[0].replace(/^GET /, ""));
    assert.equal(url.host, "westeurope.api.azureml.ms");
    assert.equal(url.pathname, `${REGISTRY_PATH}/models/churn/versions/2`);
    assert.equal(url.searchParams.get("api-version"), "2021-10-01-dataplanepreview");
  });

  it("asks the data-reference route for a SAS with the asset id and blob URI, and reads the files below the SAS's container", async () => {
    const http = new RoutingHttpClient().on("POST", /registries\/mlr-shared\/datarefs\/churn\/versions\/2\?/, (request) => {
      assert.deepEqual(JSON.parse(String(request.body)), { assetId: "azureml://registries/mlr-shared/models/churn/versions/2", blobUri: MODEL_URI });
      return { status: 200, body: { blobReferenceForConsumption: { blobUri: MODEL_URI, credential: { credentialType: "SAS", sasUri: "https://stmlrshared.blob.core.windows.net/churn-3f2a?sv=2021-08-06&sr=c&sp=rl&sig=c2lnbmF0dXJl" } } } };
    });
    const reference = await createRegistryModelsApi(fakeSession(http), LOCATION).readReference("churn", "2", MODEL_URI);
    assert.deepEqual(reference, { containerSasUrl: "https://stmlrshared.blob.core.windows.net/churn-3f2a?sv=2021-08-06&sr=c&sp=rl&sig=c2lnbmF0dXJl", path: "churn-model" });
  });

  it("fails on an answer without a SAS, and passes a refusal on as it is", async () => {
    const http = new RoutingHttpClient()
      .on("POST", /datarefs\/churn\/versions\/2\?/, { status: 200, body: { blobReferenceForConsumption: { credential: {} } } })
      .on("POST", /datarefs\/churn\/versions\/3\?/, { status: 403, body: { error: { code: "AuthorizationFailed", message: "no access to the registry" } } });
    const api = createRegistryModelsApi(fakeSession(http), LOCATION);
    await assert.rejects(api.readReference("churn", "2", MODEL_URI), /answered no usable SAS/);
    await assert.rejects(api.readReference("churn", "3", MODEL_URI), /no access to the registry/);
  });

  it("splits blob URLs into container and path", () => {
    assert.deepEqual(splitBlobUrl("https://a.blob.core.windows.net/c/x/y%20z.txt"), { containerUrl: "https://a.blob.core.windows.net/c", path: "x/y z.txt" });
    assert.equal(splitBlobUrl("azureml://datastores/x/paths/y"), undefined);
    assert.equal(splitBlobUrl("not a url"), undefined);
  });
});
