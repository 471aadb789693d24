import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import { createLoadSender } from "../../tasks/common/rollout/loadTest";
import { isUserError } from "../../tasks/common/platform/userError";
import { fakeEndpointsApi } from "../deploy/fakes";

describe("rollout: load test", function () {
  this.timeout(20_000);
  const requestFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "load-")), "request.json");
  before(() => fs.writeFileSync(requestFile, '{"data": [1, 2]}'));
  let server: http.Server;
  let uri: string;
  const seen: http.IncomingHttpHeaders[] = [];
  before(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        seen.push(request.headers);
        response.writeHead(seen.length % 4 === 0 ? 500 : 200);
        response.end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  });
  after(() => server.close());

  const sender = (endpoint: Record<string, unknown> | undefined, logs: string[], masked: string[] = []) => {
    const api = fakeEndpointsApi();
    api.getEndpoint.resolves({ resource: endpoint });
    api.listKeys.resolves({ primaryKey: "k1", secondaryKey: "k2" });
    return createLoadSender({ api, endpointName: "churn", httpClient: createDefaultHttpClient(), credential: { getToken: async () => null }, mask: (s) => masked.push(s), test: { requestFile, ratePerSecond: 40, maxConcurrency: 5 }, log: (m) => logs.push(m) });
  };

  it("scores the endpoint (no deployment header) with its key at the rate for the window, and logs what it measured", async () => {
    const logs: string[] = [];
    const masked: string[] = [];
    seen.length = 0;
    await sender({ name: "churn", location: "x", properties: { scoringUri: uri, authMode: "Key" } }, logs, masked)(250, new AbortController().signal);
    // 10 due in 250 ms; on a busy machine a few may still wait for a slot when the window ends (logged as not sent).
    assert.ok(seen.length >= 5 && seen.length <= 10, `${seen.length} received`);
    assert.ok(seen.every((h) => h.authorization === "Bearer k1" && h["azureml-model-deployment"] === undefined));
    assert.deepEqual(masked, ["k1", "k2"]);
    assert.match(logs[0], /Load test: 40 requests\/s to http:\/\/127\.0\.0\.1:\d+\/score for 0 s/);
    assert.match(logs[1], new RegExp(`Load test done: ${seen.length} requests sent; ${Math.floor(seen.length / 4)} endpoint failures \\(5xx or 424\\); 0 without an answer; latency p50 \\d+ ms`));
    if (seen.length < 10) assert.match(logs[1], new RegExp(`${10 - seen.length} not sent`));
  });

  it("stops when the step ends early", async () => {
    const logs: string[] = [];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await sender({ name: "churn", location: "x", properties: { scoringUri: uri, authMode: "Key" } }, logs)(60_000, controller.signal);
    assert.ok(Date.now() - started < 2_000);
    assert.match(logs[1], /Load test stopped/);
  });

  it("logs, without failing, a load test it cannot send", async () => {
    const logs: string[] = [];
    await sender({ name: "churn", location: "x", properties: {} }, logs)(100, new AbortController().signal);
    assert.deepEqual(logs, ["Load test not sent: endpoint 'churn' reports no scoring URI"]);
  });

  it("refuses a request file it cannot read, naming the input, before anything runs", () => {
    const api = fakeEndpointsApi();
    assert.throws(
      () => createLoadSender({ api, endpointName: "churn", httpClient: createDefaultHttpClient(), credential: { getToken: async () => null }, mask: () => undefined, test: { requestFile: "/nope/request.json", ratePerSecond: 1, maxConcurrency: 1 }, log: () => undefined }),
      (e: Error) => isUserError(e) && /Input loadTestFile: cannot read \/nope\/request\.json/.test(e.message),
    );
  });
});
