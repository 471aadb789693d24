import { strict as assert } from "node:assert";
import * as sinon from "sinon";
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { armList, armRequest, createMachineLearningClient } from "../../tasks/common/azure/arm";
import { ArmRequestError, describeArmError, roleForAction } from "../../tasks/common/azure/armErrors";
import { createHttpClient } from "../../tasks/common/azure/network";
import { callWorkspace } from "../../tasks/common/workspace/workspaceRest";
import { cappedRetryPolicy, retryAfterMs } from "../../tasks/common/azure/retry";
import { RoutingHttpClient, SUBSCRIPTION, fakeSession } from "../common/fakes";

const WS_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws`;
const workspaceBody = { id: WS_PATH, name: "ws", location: "eastus", properties: { provisioningState: "Succeeded" } };

function reply(status: number, headers: Record<string, string> = {}): PipelineResponse {
  return { status, headers: createHttpHeaders(headers), request: createPipelineRequest({ url: "https://management.azure.com/x" }) };
}

describe("retry policy", () => {
  it("parses Retry-After in seconds, as an HTTP date, and the millisecond variants", () => {
    assert.equal(retryAfterMs(createHttpHeaders({ "retry-after": "7" })), 7000);
    assert.equal(retryAfterMs(createHttpHeaders({ "retry-after-ms": "250" })), 250);
    assert.equal(retryAfterMs(createHttpHeaders({ "x-ms-retry-after-ms": "1500" })), 1500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfterMs(createHttpHeaders({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), now), 30_000);
    assert.equal(retryAfterMs(createHttpHeaders({})), undefined);
  });

  it("waits what a 429 asks for, capped per wait, then succeeds", async () => {
    const sleep = sinon.stub().resolves();
    const policy = cappedRetryPolicy({ maxRetries: 5, maxDelayMs: 60_000, baseDelayMs: 1000, sleep });
    const next = sinon.stub();
    next.onCall(0).resolves(reply(429, { "retry-after": "12" }));
    next.onCall(1).resolves(reply(503, { "retry-after": "3600" }));
    next.onCall(2).resolves(reply(200));
    const response = await policy.sendRequest(createPipelineRequest({ url: "https://management.azure.com/x" }), next);
    assert.equal(response.status, 200);
    assert.deepEqual(sleep.getCalls().map((call) => call.args[0]), [12_000, 60_000]);
  });

  it("stops after the retry cap and returns the last response", async () => {
    const policy = cappedRetryPolicy({ maxRetries: 3, maxDelayMs: 10, baseDelayMs: 1, sleep: async () => undefined });
    const next = sinon.stub().resolves(reply(500));
    const response = await policy.sendRequest(createPipelineRequest({ url: "https://management.azure.com/x" }), next);
    assert.equal(response.status, 500);
    assert.equal(next.callCount, 4);
  });

  it("does not retry client errors", async () => {
    const policy = cappedRetryPolicy({ maxRetries: 3, maxDelayMs: 10, baseDelayMs: 1, sleep: async () => undefined });
    const next = sinon.stub().resolves(reply(404));
    assert.equal((await policy.sendRequest(createPipelineRequest({ url: "https://management.azure.com/x" }), next)).status, 404);
    assert.equal(next.callCount, 1);
  });
});

describe("ARM client factory", () => {
  it("Azure ML client: our retries replace the SDK's, with user agent, request id and the cloud's scope", async () => {
    const http = new RoutingHttpClient();
    let calls = 0;
    http.on("GET", /workspaces\/ws\?api-version=2022-10-01$/, () => (++calls < 3 ? { status: 503, headers: { "retry-after": "1" } } : { status: 200, body: workspaceBody }));
    const sleep = sinon.stub().resolves();
    const getToken = sinon.stub().resolves({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 });
    const session = fakeSession(http, { credential: { getToken }, retry: { maxRetries: 5, sleep } });
    const workspace = await createMachineLearningClient(session).workspaces.get("rg", "ws");
    assert.equal(workspace.location, "eastus");
    assert.equal(http.requests.length, 3);
    assert.deepEqual(sleep.getCalls().map((call) => call.args[0]), [1000, 1000]);
    const headers = http.requests[2].headers;
    assert.match(headers.get("user-agent") ?? "", /^azureml-mlops\/test AzureMLWorkspace\/1\.0\.0 azsdk-js-arm-machinelearning/);
    assert.match(headers.get("x-ms-client-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(headers.get("authorization"), "Bearer t");
    assert.deepEqual(getToken.firstCall.args[0], ["https://management.core.windows.net/.default"]);
  });

  it("gives up after the retry cap on a persistently throttled call", async () => {
    const http = new RoutingHttpClient().on("GET", /workspaces\/ws/, { status: 429, body: { error: { code: "TooManyRequests", message: "slow down" } } });
    const session = fakeSession(http, { retry: { maxRetries: 2, sleep: async () => undefined } });
    await assert.rejects(createMachineLearningClient(session).workspaces.get("rg", "ws"), /slow down/);
    assert.equal(http.requests.length, 3);
  });

  it("armRequest and armList call ARM with the api-version and follow nextLink", async () => {
    const http = new RoutingHttpClient()
      .on("GET", /\/subscriptions\?api-version=2022-12-01$/, { status: 200, body: { value: [{ subscriptionId: "a" }], nextLink: "https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=2" } })
      .on("GET", /skiptoken=2$/, { status: 200, body: { value: [{ subscriptionId: "b" }] } })
      .on("GET", /\/resourcegroups\/rg\?api-version=2021-04-01$/, { status: 200, body: { name: "rg" } });
    const session = fakeSession(http);
    assert.deepEqual(await armList(session, { path: "/subscriptions", apiVersion: "2022-12-01" }), [{ subscriptionId: "a" }, { subscriptionId: "b" }]);
    assert.deepEqual(await armRequest(session, { path: `/subscriptions/${SUBSCRIPTION}/resourcegroups/rg`, apiVersion: "2021-04-01" }), { name: "rg" });
  });
});

describe("ARM errors for humans", () => {
  it("403 from the SDK: names the action, the scope, the role, and the request ids", async () => {
    const message = `The client 'abc' with object id 'def' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/read' over scope '${WS_PATH}' or the scope is invalid.`;
    const http = new RoutingHttpClient().on("GET", /workspaces\/ws/, { status: 403, body: { error: { code: "AuthorizationFailed", message } }, headers: { "x-ms-request-id": "arm-req-1", "x-ms-correlation-request-id": "corr-1" } });
    const error = await createMachineLearningClient(fakeSession(http)).workspaces.get("rg", "ws").catch((e: unknown) => e);
    const text = describeArmError(error);
    assert.match(text, /^AuthorizationFailed: The client/);
    assert.match(text, /missing permission 'Microsoft\.MachineLearningServices\/workspaces\/read' on scope '\/subscriptions\/.*\/workspaces\/ws'/);
    assert.match(text, /Grant it the Reader .* role/);
    assert.match(text, new RegExp(`x-ms-client-request-id ${http.requests[0].headers.get("x-ms-client-request-id")}`));
    assert.match(text, /x-ms-request-id arm-req-1, x-ms-correlation-request-id corr-1/);
  });

  it("renders target and details, and falls back to the operation for the permission", async () => {
    const http = new RoutingHttpClient().on("PUT", /jobs/, {
      status: 403,
      body: { error: { code: "Forbidden", message: "Denied", target: "jobs/j1", details: [{ code: "RoleMissing", message: "no role", target: "principal" }] } },
    });
    const error = await armRequest(fakeSession(http), { method: "PUT", path: `${WS_PATH}/jobs/j1`, apiVersion: "2022-10-01", body: {} }).catch((e: unknown) => e);
    const text = describeArmError(error, { action: "Microsoft.MachineLearningServices/workspaces/jobs/write", scope: WS_PATH });
    assert.match(text, /target: jobs\/j1/);
    assert.match(text, /- RoleMissing: no role \(target: principal\)/);
    assert.match(text, /'Microsoft\.MachineLearningServices\/workspaces\/jobs\/write' on scope/);
    assert.match(text, /AzureML Data Scientist/);
  });

  it("401 explains the rejected token", async () => {
    const http = new RoutingHttpClient().on("GET", /workspaces/, { status: 401, body: { error: { code: "InvalidAuthenticationTokenTenant", message: "wrong issuer" } } });
    const text = describeArmError(await createMachineLearningClient(fakeSession(http)).workspaces.get("rg", "ws").catch((e: unknown) => e));
    assert.match(text, /InvalidAuthenticationTokenTenant: wrong issuer \(HTTP 401\)/);
    assert.match(text, /tenant owns the subscription/);
  });

  it("maps actions to the least built-in role", () => {
    assert.match(roleForAction("Microsoft.Resources/subscriptions/resourceGroups/read"), /^Reader/);
    assert.match(roleForAction("Microsoft.MachineLearningServices/workspaces/computes/write"), /^AzureML Compute Operator/);
    assert.match(roleForAction("Microsoft.MachineLearningServices/registries/models/versions/read"), /^AzureML Registry User/);
    assert.match(roleForAction("Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write"), /^AzureML Data Scientist/);
    assert.equal(roleForAction("Microsoft.MachineLearningServices/workspaces/write"), "Contributor");
  });
});

describe("a success answer that is not JSON (a proxy's page)", () => {
  const PROXY_PAGE = "<html><head><title>Access denied</title></head><body>Contoso web gateway: this site is blocked.</body></html>";
  const proxied = () => {
    const wire = new RoutingHttpClient().on("GET", /./, { status: 200, body: PROXY_PAGE, headers: { "content-type": "text/html; charset=utf-8" } });
    const httpClient = createHttpClient({ proxy: { url: new URL("http://builder:s3cret@proxy.contoso.com:3128"), bypass: () => false }, tls: {} }, wire);
    return fakeSession(httpClient, { retry: { maxRetries: 0 } });
  };

  const expectNotJson = (error: unknown) => {
    assert.ok(error instanceof ArmRequestError, `expected an ArmRequestError, got ${String(error)}`);
    const text = describeArmError(error);
    assert.match(text, /^ResponseNotJson: management\.azure\.com answered GET with HTTP 200 but not with JSON \(text\/html; charset=utf-8: "<html><head><title>Access denied/);
    assert.match(text, /went through the proxy http:\/\/proxy\.contoso\.com:3128\. The proxy .* answered instead of Azure/);
    assert.doesNotMatch(text, /s3cret|SyntaxError|Unexpected token/);
    return true;
  };

  it("names the host and the proxy in the one workspace REST call path", async () => {
    await assert.rejects(callWorkspace(proxied(), `https://management.azure.com${WS_PATH}/jobs/j1?api-version=2022-10-01`), expectNotJson);
  });

  it("names the host and the proxy in SDK calls, instead of returning an empty workspace", async () => {
    await assert.rejects(createMachineLearningClient(proxied()).workspaces.get("rg", "ws"), expectNotJson);
  });

  it("says the request went direct when no proxy is configured", async () => {
    const wire = new RoutingHttpClient().on("GET", /./, { status: 200, body: PROXY_PAGE, headers: { "content-type": "text/html" } });
    const session = fakeSession(createHttpClient({ tls: {} }, wire), { retry: { maxRetries: 0 } });
    await assert.rejects(callWorkspace(session, `https://management.azure.com${WS_PATH}/jobs/j1`), (error: unknown) => {
      assert.match(describeArmError(error), /went directly \(no proxy is configured\)\. Something between the agent and Azure/);
      return true;
    });
  });
});
