import * as assert from "node:assert/strict";
import { createModelRegistryApi, VersionConflictError } from "../../tasks/common/workspace/modelRegistry";
import { fakeSession, RoutingHttpClient, SUBSCRIPTION } from "../common/fakes";

const SCOPE = { subscriptionId: SUBSCRIPTION, resourceGroup: "rg", workspace: "mlw" };
const MODELS = /\/workspaces\/mlw\/models\/churn/;

describe("workspace: model registry REST calls", () => {
  it("takes nextVersion from the container, and 1 for a model that does not exist", async () => {
    const http = new RoutingHttpClient().on("GET", /models\/churn\?/, { status: 200, body: { name: "churn", properties: { latestVersion: "7", nextVersion: "8" } } });
    const api = createModelRegistryApi(fakeSession(http), SCOPE);
    assert.equal(await api.nextVersion("churn"), "8");
    assert.equal(await api.nextVersion("fraud"), "1");
    assert.match(http.urls()[0], /api-version=2022-10-01/);
  });

  it("falls back to latestVersion + 1 when the container reports no nextVersion", async () => {
    const http = new RoutingHttpClient().on("GET", /models\/churn\?/, { status: 200, body: { properties: { latestVersion: "3" } } });
    assert.equal(await createModelRegistryApi(fakeSession(http), SCOPE).nextVersion("churn"), "4");
  });

  it("finds versions by a property with the service's filter, keeping only exact matches", async () => {
    const http = new RoutingHttpClient()
      .on("GET", /models\/churn\/versions\?/, { status: 200, body: { value: [{ name: "2", properties: { properties: { fp: "abc" } } }, { name: "1", properties: { properties: { fp: "abcd" } } }] } })
      .on("GET", /models\/churn\?/, { status: 200, body: { properties: {} } });
    const found = await createModelRegistryApi(fakeSession(http), SCOPE).findVersionsWithProperty("churn", "fp", "abc");
    assert.deepEqual(found.map((v) => v.name), ["2"]);
    const list = new URL(http.urls().find((u) => /versions\?/.test(u))!.replace(/^GET /, ""));
    assert.equal(list.searchParams.get("properties"), "fp=abc");
    assert.equal(list.searchParams.get("$orderBy"), "createdtime desc");
  });

  it("finds nothing, without listing, for a model that does not exist", async () => {
    const http = new RoutingHttpClient();
    assert.deepEqual(await createModelRegistryApi(fakeSession(http), SCOPE).findVersionsWithProperty("churn", "fp", "abc"), []);
    assert.equal(http.requests.length, 1);
  });

  it("reports 409 on PUT as a version conflict and other failures as they are", async () => {
    const http = new RoutingHttpClient()
      .on("PUT", /versions\/3\?/, { status: 409, body: { error: { code: "UserError", message: "exists with different content" } } })
      .on("PUT", /versions\/4\?/, { status: 403, body: { error: { code: "AuthorizationFailed", message: "no" } } })
      .on("PUT", /versions\/5\?/, (request) => ({ status: 201, body: { id: "x", name: "5", properties: JSON.parse(String(request.body)).properties } }));
    const api = createModelRegistryApi(fakeSession(http), SCOPE);
    await assert.rejects(api.createVersion("churn", "3", { modelUri: "u" }), VersionConflictError);
    await assert.rejects(api.createVersion("churn", "4", { modelUri: "u" }), (error: Error) => !(error instanceof VersionConflictError) && /no/.test(error.message));
    assert.equal((await api.createVersion("churn", "5", { modelUri: "u", modelType: "custom_model" })).properties.modelType, "custom_model");
    assert.ok(http.urls().every((u) => MODELS.test(u)));
  });
});
