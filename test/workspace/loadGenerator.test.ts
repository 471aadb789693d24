import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import { generateLoad, loadPlanProblems, type LoadPlan } from "../../tasks/common/workspace/loadGenerator";

interface Received {
  at: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A loopback scoring endpoint: answers each request with reply() after delayMs; records what it received and its peak concurrency. */
async function scoringServer(behaviour: { delayMs?: number; status?: (n: number) => number; hang?: boolean } = {}) {
  const received: Received[] = [];
  let inFlight = 0;
  let peak = 0;
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ at: performance.now(), body, headers: request.headers });
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      if (behaviour.hang) return;
      setTimeout(() => {
        inFlight -= 1;
        response.writeHead(behaviour.status?.(received.length) ?? 200, { "content-type": "application/json" });
        response.end('{"predictions": [2]}');
      }, behaviour.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  return {
    uri,
    received,
    peak: () => peak,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe("workspace: load generator", function () {
  this.timeout(20_000);
  const httpClient = createDefaultHttpClient();
  const plan = (uri: string, changes: Partial<LoadPlan> = {}): LoadPlan => ({ target: { uri, authorization: "Bearer k" }, body: '{"data": [1]}', ratePerSecond: 50, maxConcurrency: 10, durationMs: 400, ...changes });

  it("sends the body at the rate for the duration, to the endpoint (no deployment header) with the authorization", async () => {
    const server = await scoringServer();
    try {
      const run = await generateLoad(httpClient, plan(server.uri));
      assert.equal(run.samples.length, 20);
      assert.equal(server.received.length, 20);
      assert.deepEqual(run.samples.map((s) => Math.round(s.dueMs)), Array.from({ length: 20 }, (_, i) => i * 20));
      assert.ok(run.samples.every((s) => s.status === 200 && s.failure === undefined && s.latencyMs >= 0));
      assert.equal(run.unsent, 0);
      assert.equal(run.cancelled, false);
      const first = server.received[0];
      assert.equal(first.body, '{"data": [1]}');
      assert.equal(first.headers.authorization, "Bearer k");
      assert.equal(first.headers["content-type"], "application/json");
      assert.equal(first.headers["azureml-model-deployment"], undefined);
      // Paced, not sent in a burst: the last request arrives about 380 ms after the first.
      assert.ok(server.received[19].at - first.at >= 300, `spread ${server.received[19].at - first.at} ms`);
    } finally {
      await server.close();
    }
  });

  it("addresses one deployment alone when the target names it", async () => {
    const server = await scoringServer();
    try {
      await generateLoad(httpClient, plan(server.uri, { target: { uri: server.uri, authorization: "Bearer k", deployment: "green" }, durationMs: 50 }));
      assert.ok(server.received.length > 0);
      assert.ok(server.received.every((r) => r.headers["azureml-model-deployment"] === "green"));
    } finally {
      await server.close();
    }
  });

  it("keeps the offered rate against a slow endpoint (open loop) and measures its slowness", async () => {
    const server = await scoringServer({ delayMs: 300 });
    try {
      const run = await generateLoad(httpClient, plan(server.uri, { ratePerSecond: 20, durationMs: 500 }));
      // A closed loop would have sent 2 (one after the other); the schedule sends all 10.
      assert.equal(server.received.length, 10);
      assert.equal(run.samples.length, 10);
      assert.ok(run.samples.every((s) => s.latencyMs >= 290), JSON.stringify(run.samples.map((s) => s.latencyMs)));
      assert.ok(server.peak() >= 5, `peak concurrency ${server.peak()}`);
    } finally {
      await server.close();
    }
  });

  it("holds at most maxConcurrency in flight, counts the wait for a slot in the latency and reports what it could not send", async () => {
    const server = await scoringServer({ delayMs: 150 });
    try {
      const run = await generateLoad(httpClient, plan(server.uri, { ratePerSecond: 20, maxConcurrency: 1, durationMs: 500 }));
      assert.equal(server.peak(), 1);
      // 10 due; one at a time at 150 ms each, about 4 get sent before the duration ends.
      assert.ok(run.samples.length >= 3 && run.samples.length <= 5, `${run.samples.length} sent`);
      assert.equal(run.samples.length + run.unsent, 10);
      // Each later request waited for the one before it: latency from its due time grows.
      const latencies = run.samples.map((s) => s.latencyMs);
      assert.ok(latencies[latencies.length - 1] > latencies[0] + 100, JSON.stringify(latencies));
    } finally {
      await server.close();
    }
  });

  it("records each answer's status, 5xx included", async () => {
    const server = await scoringServer({ status: (n) => (n % 2 ? 503 : 200) });
    try {
      const run = await generateLoad(httpClient, plan(server.uri, { durationMs: 200 }));
      assert.deepEqual([...new Set(run.samples.map((s) => s.status))].sort(), [200, 503]);
    } finally {
      await server.close();
    }
  });

  it("records a transport failure (nothing listening) as a failure without a status", async () => {
    const server = await scoringServer();
    const uri = server.uri;
    await server.close();
    const run = await generateLoad(httpClient, plan(uri, { durationMs: 100 }));
    assert.equal(run.samples.length, 5);
    assert.ok(run.samples.every((s) => s.status === undefined && /ECONNREFUSED|connect/i.test(s.failure ?? "")), JSON.stringify(run.samples[0]));
  });

  it("counts a request over requestTimeoutMs as a transport failure", async () => {
    const server = await scoringServer({ hang: true });
    try {
      const run = await generateLoad(httpClient, plan(server.uri, { durationMs: 20, requestTimeoutMs: 200 }));
      assert.equal(run.samples.length, 1);
      assert.equal(run.samples[0].status, undefined);
      assert.ok(run.samples[0].failure);
    } finally {
      await server.close();
    }
  });

  it("stops at once when the signal aborts, leaving the abandoned requests out", async () => {
    const server = await scoringServer({ hang: true });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const started = performance.now();
      const run = await generateLoad(httpClient, plan(server.uri, { durationMs: 10_000 }), { signal: controller.signal });
      assert.ok(performance.now() - started < 1_000);
      assert.equal(run.cancelled, true);
      assert.equal(run.samples.length, 0);
      assert.ok(server.received.length >= 5 && server.received.length <= 10, `${server.received.length} received`);
    } finally {
      await server.close();
    }
  });

  it("refuses a plan that cannot run", async () => {
    assert.deepEqual(loadPlanProblems({ ratePerSecond: 0, maxConcurrency: 0.5, durationMs: -1 }).length, 3);
    assert.deepEqual(loadPlanProblems({ ratePerSecond: 0.5, maxConcurrency: 1, durationMs: 0 }), []);
    await assert.rejects(generateLoad(httpClient, plan("http://127.0.0.1:1/score", { ratePerSecond: Number.NaN })), /rate must be a number of requests per second above 0/);
  });
});
