import * as assert from "node:assert/strict";
import { retireOldDeployments, type AfterPromotion } from "../../tasks/common/rollout/afterPromotion";
import { fakeEndpointsApi } from "../deploy/fakes";

function setUp(action: AfterPromotion, endpoint: { traffic?: Record<string, number>; mirrorTraffic?: Record<string, number> }, deployments = ["blue", "red", "green"], delayMs = 0) {
  const api = fakeEndpointsApi();
  api.getEndpoint.resolves({ resource: { name: "churn", location: "x", properties: endpoint } });
  api.listDeployments.resolves(deployments.map((name) => ({ name, properties: {} })));
  const logs: string[] = [];
  const slept: number[] = [];
  const controller = new AbortController();
  const run = (sleep = async (ms: number) => void slept.push(ms)) =>
    retireOldDeployments({ api, endpointName: "churn", candidate: "green", previous: ["blue", "red", "green"], policy: { action, delayMs }, log: (m) => logs.push(m), sleep, signal: controller.signal });
  return { api, logs, slept, run, controller };
}

describe("rollout: after promotion", () => {
  it("keep touches nothing", async () => {
    const { api, run } = setUp("keep", { traffic: { green: 100 } });
    assert.deepEqual(await run(), { retired: [], skipped: {} });
    assert.equal(api.getEndpoint.callCount + api.deleteDeployment.callCount + api.scaleDeployment.callCount, 0);
  });

  it("scaleDown waits out the fast-rollback window, then scales each old deployment to 1 instance", async () => {
    const { api, run, slept, logs } = setUp("scaleDown", { traffic: { green: 100 } }, undefined, 30 * 60_000);
    assert.deepEqual(await run(), { retired: ["blue", "red"], skipped: {} });
    assert.deepEqual(slept, [30 * 60_000]);
    assert.deepEqual(api.scaleDeployment.getCalls().map((c) => c.args.slice(0, 3)), [["churn", "blue", 1], ["churn", "red", 1]]);
    assert.equal(api.deleteDeployment.callCount, 0);
    assert.match(logs[0], /Fast-rollback window: 'blue', 'red' stay as they are for 30 minute\(s\), then afterPromotion will scale down/);
  });

  it("delete never deletes the new deployment, one with live or mirror traffic, or one already gone", async () => {
    const { api, run } = setUp("delete", { traffic: { green: 90, blue: 10 }, mirrorTraffic: {} }, ["blue", "green"]);
    const result = await run();
    assert.deepEqual(result.retired, []);
    assert.deepEqual(result.skipped, { blue: "it takes 10% of live traffic again", red: "the endpoint no longer has it" });
    assert.equal(api.deleteDeployment.callCount, 0);
    const mirrored = setUp("delete", { traffic: { green: 100 }, mirrorTraffic: { red: 10 } });
    assert.deepEqual((await mirrored.run()).retired, ["blue"]);
    assert.deepEqual(mirrored.api.deleteDeployment.getCalls().map((c) => c.args[1]), ["blue"]);
  });

  it("leaves everything as it is when cancelled during the window", async () => {
    const { api, run, logs } = setUp("delete", { traffic: { green: 100 } }, undefined, 60_000);
    const result = await run(async () => {
      throw new Error("aborted");
    });
    assert.deepEqual(result.retired, []);
    assert.equal(api.deleteDeployment.callCount + api.getEndpoint.callCount, 0);
    assert.match(logs[logs.length - 1], /Cancelled during the fast-rollback window: 'blue', 'red' left as they are/);
  });

  it("reports a deployment Azure ML refuses to change and goes on with the others", async () => {
    const { api, run } = setUp("delete", { traffic: { green: 100 } });
    api.deleteDeployment.onFirstCall().rejects(new Error("Conflict: busy"));
    const result = await run();
    assert.deepEqual(result, { retired: ["red"], skipped: { blue: "Conflict: busy" } });
  });
});
