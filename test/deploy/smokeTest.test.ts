import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { HttpClient, PipelineRequest } from "@azure/core-rest-pipeline";
import { createHttpHeaders } from "@azure/core-rest-pipeline";
import { isSupportedJsonPath, matchesExpected, valueAtPath } from "../../tasks/common/workspace/jsonPath";
import { runSmokeTest } from "../../tasks/common/deploy/smokeTest";
import { fakeClock } from "./fakes";

function client(replies: Array<{ status: number; body: string }>): HttpClient & { requests: PipelineRequest[] } {
  const requests: PipelineRequest[] = [];
  return {
    requests,
    async sendRequest(request) {
      requests.push(request);
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)];
      return { request, status: reply.status, headers: createHttpHeaders(), bodyAsText: reply.body };
    },
  };
}

describe("deploy: smoke test", () => {
  const requestFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "smoke-")), "request.json");
  before(() => fs.writeFileSync(requestFile, '{"data": [1, 2]}'));

  const run = (http: HttpClient, test: { expectStatus?: number; expectJsonPath?: string; expectValue?: string }, limitMs = 60_000) => {
    const clock = fakeClock();
    return runSmokeTest({ httpClient: http, scoringUri: "https://churn.westeurope.inference.ml.azure.com/score", deployment: "green", authorization: "Bearer k", test: { requestFile, expectStatus: 200, ...test }, limitMs, log: () => undefined, now: clock.now, sleep: clock.sleep });
  };

  it("sends the body to the new deployment alone, retrying while it does not answer yet", async () => {
    const http = client([{ status: 502, body: "starting" }, { status: 404, body: "" }, { status: 200, body: '{"predictions": [2, 4]}' }]);
    const result = await run(http, { expectJsonPath: "$.predictions[1]", expectValue: "4" });
    assert.deepEqual(result, { passed: true, status: 200, attempts: 3 });
    const sent = http.requests[0];
    assert.equal(sent.method, "POST");
    assert.equal(sent.headers.get("azureml-model-deployment"), "green");
    assert.equal(sent.headers.get("authorization"), "Bearer k");
    assert.equal(sent.body, '{"data": [1, 2]}');
  });

  it("fails on a wrong value, naming it", async () => {
    const result = await run(client([{ status: 200, body: '{"predictions": [2, 5]}' }]), { expectJsonPath: "$.predictions[1]", expectValue: "4" });
    assert.equal(result.passed, false);
    assert.equal(result.reason, "$.predictions[1] is 5, expected 4");
  });

  it("fails on a status the model answers (no retry for a model error)", async () => {
    const http = client([{ status: 424, body: "model error" }]);
    const result = await run(http, {});
    assert.equal(result.passed, false);
    assert.equal(result.attempts, 1);
    assert.equal(result.reason, "answered 424, expected 200");
  });

  it("gives up on a deployment that never answers within the limit", async () => {
    const result = await run(client([{ status: 502, body: "down" }]), {}, 10_000);
    assert.equal(result.passed, false);
    assert.match(result.reason ?? "", /answered 502, expected 200 \(still not answering after 10 s\)/);
  });

  it("reads the small JSONPath and compares as text or JSON", () => {
    const doc = { predictions: [{ label: "churn", p: 0.5 }], "odd key": [1] };
    assert.equal(valueAtPath(doc, "$.predictions[0].label"), "churn");
    assert.deepEqual(valueAtPath(doc, "$['odd key'][0]"), 1);
    assert.equal(valueAtPath(doc, "$.missing[0]"), undefined);
    assert.equal(matchesExpected(0.5, "0.50"), true);
    assert.equal(matchesExpected("churn", "churn"), true);
    assert.equal(matchesExpected([1, 2], "[1,2]"), true);
    assert.equal(matchesExpected(1, "2"), false);
    for (const supported of ["$", "$.a", "$.predictions[0].label", "$['odd key'][0]"]) assert.equal(isSupportedJsonPath(supported), true, supported);
    for (const unsupported of ["$..x", "a.b", "$.a[*]", "$[?(@.x)]", "$.a b"]) assert.equal(isSupportedJsonPath(unsupported), false, unsupported);
  });
});
