import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import { evaluateJsonExpression, parseJsonExpression, runCommandCheck, runHttpCheck, type CustomCheck } from "../../tasks/common/rollout/customCheck";
import { isUserError } from "../../tasks/common/platform/userError";

const holds = (document: unknown, text: string) => evaluateJsonExpression(document, parseJsonExpression(text, "customCheckExpression"))?.holds;

describe("rollout: custom check", function () {
  this.timeout(20_000);

  it("parses <JSONPath> [<op> <value>] and judges numbers, text, JSON and a bare path as true", () => {
    const doc = { status: "ok", healthy: true, metrics: { errorRate: 0.004, count: 12 }, list: [1, 2] };
    assert.equal(holds(doc, "$.healthy"), true);
    assert.equal(holds({ healthy: "yes" }, "$.healthy"), false);
    assert.equal(holds(doc, '$.status == "ok"'), true);
    assert.equal(holds(doc, "$.status == ok"), true);
    assert.equal(holds(doc, "$.status != 'ok'"), false);
    assert.equal(holds(doc, "$.metrics.errorRate < 0.01"), true);
    assert.equal(holds(doc, "$.metrics.errorRate >= 0.01"), false);
    assert.equal(holds(doc, "$.metrics.count <= 12"), true);
    assert.equal(holds(doc, "$.metrics.count > 12"), false);
    assert.equal(holds(doc, "$.list == [1,2]"), true);
    assert.equal(holds(doc, "$.status > 1"), false, "a text is not greater than a number");
    assert.equal(holds(doc, "$.missing == 1"), undefined, "nothing at the path: cannot judge");
  });

  it("refuses an expression it cannot evaluate, naming the input (no eval)", () => {
    for (const text of ["status == ok", "$..x == 1", "$.a === 1", "$.a < lots", "process.exit(1)"]) {
      assert.throws(() => parseJsonExpression(text, "customCheckExpression"), (e: Error) => isUserError(e) && /Input customCheckExpression/.test(e.message), text);
    }
  });

  describe("HTTP", () => {
    let server: http.Server;
    let base: string;
    const seen: Array<{ method?: string; body: string }> = [];
    before(async () => {
      server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (c) => (body += c));
        request.on("end", () => {
          seen.push({ method: request.method, body });
          const [status, text] = request.url === "/healthy" ? [200, '{"ok": true, "errors": 0.2}'] : request.url === "/down" ? [503, "unavailable"] : [200, "not json"];
          response.writeHead(status);
          response.end(text);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());
    const check = (path: string, expression: string, extra: Partial<Extract<CustomCheck, { kind: "http" }>> = {}) =>
      runHttpCheck(createDefaultHttpClient(), { kind: "http", url: `${base}${path}`, method: "GET", expression: parseJsonExpression(expression, "customCheckExpression"), timeoutMs: 5_000, ...extra }, new AbortController().signal);

    it("passes when the expression holds and fails when it does not, with the value", async () => {
      assert.deepEqual(await check("/healthy", "$.ok"), { verdict: "pass", reason: "custom check: $.ok is true; $.ok holds" });
      const failed = await check("/healthy", "$.errors < 0.1");
      assert.equal(failed.verdict, "fail");
      assert.match(failed.reason, /\$\.errors is 0\.2; \$\.errors < 0\.1 does not hold/);
    });

    it("sends a POST with its body", async () => {
      await check("/healthy", "$.ok", { method: "POST", body: '{"q": 1}' });
      assert.deepEqual(seen[seen.length - 1], { method: "POST", body: '{"q": 1}' });
    });

    it("is inconclusive when it cannot judge: an error status, an answer that is not JSON, nothing at the path, no answer", async () => {
      assert.deepEqual((await check("/down", "$.ok")).verdict, "inconclusive");
      assert.match((await check("/down", "$.ok")).reason, /answered 503: unavailable/);
      assert.match((await check("/text", "$.ok")).reason, /not JSON/);
      assert.match((await check("/healthy", "$.nothing")).reason, /nothing at \$\.nothing/);
      const closed = await runHttpCheck(createDefaultHttpClient(), { kind: "http", url: "http://127.0.0.1:1/", method: "GET", expression: parseJsonExpression("$.ok", "x"), timeoutMs: 2_000 }, new AbortController().signal);
      assert.equal(closed.verdict, "inconclusive");
      assert.match(closed.reason, /no answer/);
    });
  });

  describe("command", () => {
    const run = (command: string, timeoutMs = 10_000, signal = new AbortController().signal) => {
      const lines: string[] = [];
      return runCommandCheck({ kind: "command", command, timeoutMs }, (l) => lines.push(l), signal).then((result) => ({ ...result, lines }));
    };

    it("passes on exit code 0 and fails on any other, its output in the log", async () => {
      const passed = await run("echo healthy && echo warn 1>&2");
      assert.equal(passed.verdict, "pass");
      assert.deepEqual(passed.lines.sort(), ["  | healthy", "  | warn"]);
      const failed = await run("echo broken; exit 3");
      assert.deepEqual([failed.verdict, failed.reason], ["fail", "custom check command exited 3"]);
    });

    it("is inconclusive when it outlives its timeout, and its process group is stopped", async () => {
      const started = Date.now();
      const result = await run("sleep 30", 300);
      assert.equal(result.verdict, "inconclusive");
      assert.match(result.reason, /did not finish within 0.3 s and was stopped/);
      assert.ok(Date.now() - started < 5_000);
    });

    it("stops the command when the task is cancelled, and rejects", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("cancelled")), 200);
      await assert.rejects(run("sleep 30", 10_000, controller.signal), /cancelled/);
    });
  });
});
