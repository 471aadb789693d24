// The rollout's Azure port against the emulator's ARM handler (in process, its clock moved by the port's
// sleeps): the endpoint PUTs the service accepts, the tags and mirror traffic round trip, and the Azure
// Monitor metrics the emulator computes from scored-request records, read and judged.
import * as assert from "node:assert/strict";
import type { RequestRecord } from "../../emulator/src/arm/metrics";
import { parseMetricSeries } from "../../tasks/common/azure/monitorMetrics";
import { DEFAULT_ANALYSIS } from "../../tasks/common/rollout/analysis";
import { createAzurePort } from "../../tasks/common/rollout/azurePort";
import { runRollout } from "../../tasks/common/rollout/rollout";
import { parseSteps } from "../../tasks/common/rollout/stepPlan";
import type { OnlineEndpointsApi } from "../../tasks/common/workspace/onlineEndpoints";
import { createHarness, FACTS, pollToEnd, WS, type ArmHarness } from "../emulator/armFixtures";

const API = "2023-04-01";
const EP = `${WS}/onlineEndpoints/churn-ep`;
const MANAGED = { location: FACTS.location, sku: { name: "Default", capacity: 1 }, properties: { endpointComputeType: "Managed", instanceType: "Standard_DS3_v2", model: `${WS}/models/churn/versions/1` } };

/** Requests every minute to blue and green; green answers 5xx at `greenErrorRate` (counted, not drawn). */
function scoredRequests(clock: () => number, start: number, greenErrorRate: number) {
  return (): RequestRecord[] => {
    const records: RequestRecord[] = [];
    for (let t = start; t < clock(); t += 60_000) {
      for (let i = 0; i < 60; i++) {
        const at = new Date(t + i * 1_000).toISOString();
        records.push({ time: at, endpointId: EP, deployment: "blue", statusCode: i === 0 ? 503 : 200, latencyMs: 80 + i });
        records.push({ time: at, endpointId: EP, deployment: "green", statusCode: i < 60 * greenErrorRate ? 500 : 200, latencyMs: 80 + i });
      }
    }
    return records;
  };
}

async function emulatorPort(greenErrorRate: number) {
  let records: () => RequestRecord[] = () => [];
  const h: ArmHarness = createHarness({ metrics: { records: () => records(), delayMs: () => 90_000 } });
  await h.send("PUT", `${WS}/models/churn/versions/1`, { body: { properties: { modelUri: "azureml://datastores/workspaceblobstore/paths/m" } } });
  await pollToEnd(h, await h.send("PUT", EP, { body: { location: FACTS.location, tags: { owner: "ml-team" }, properties: { authMode: "Key" } }, apiVersion: API }));
  for (const name of ["blue", "green", "shadow"]) await pollToEnd(h, await h.send("PUT", `${EP}/deployments/${name}`, { body: MANAGED, apiVersion: API }));
  await pollToEnd(h, await h.send("PUT", EP, { body: { location: FACTS.location, tags: { owner: "ml-team" }, properties: { authMode: "Key", traffic: { blue: 100 }, mirrorTraffic: { shadow: 10 } } }, apiVersion: API }));
  records = scoredRequests(() => h.ctx.now(), h.ctx.now(), greenErrorRate);
  const ok = async (response: Awaited<ReturnType<ArmHarness["send"]>>) => {
    assert.ok(response.status < 300, `${response.status} ${JSON.stringify(response.json)}`);
    return response.json;
  };
  const api: AzurePortOptionsApi = {
    scope: { subscriptionId: FACTS.subscriptionId, resourceGroup: FACTS.resourceGroupName, workspace: FACTS.workspaceName },
    getEndpoint: async () => ({ resource: await ok(await h.send("GET", EP, { apiVersion: API })) }),
    putEndpoint: async (_name, body) => {
      const response = await h.send("PUT", EP, { body, apiVersion: API });
      await ok(response);
      await pollToEnd(h, response);
      return response.json;
    },
    listDeployments: async () => (await ok(await h.send("GET", `${EP}/deployments`, { apiVersion: API }))).value,
  };
  const port = createAzurePort({
    api,
    readSeries: async (request) => {
      const query = new URLSearchParams({ metricnames: request.metricName, timespan: `${new Date(request.fromMs).toISOString()}/${new Date(request.toMs).toISOString()}`, interval: "PT1M", aggregation: request.aggregation, $filter: request.filter ?? "" });
      return parseMetricSeries(await ok(await h.send("GET", `${request.resourceId}/providers/Microsoft.Insights/metrics?${query}`, { apiVersion: "2023-10-01" })), request.metricName, request.aggregation);
    },
    endpointName: "churn-ep",
    log: () => undefined,
    now: () => h.ctx.now(),
    sleep: async (ms) => h.advance(ms),
  });
  return { h, port };
}
type AzurePortOptionsApi = Pick<OnlineEndpointsApi, "scope" | "getEndpoint" | "putEndpoint" | "listDeployments">;

const request = { action: "start" as const, deployment: "green", plan: parseSteps("mirror 20 for 10m; 25 for 10m; 100"), analysis: { ...DEFAULT_ANALYSIS, maxErrorRate: 0.05 }, onFailure: "rollback" as const, lookIntervalMs: 60_000, metricDelayMs: 120_000 };
const signals = () => ({ cancel: new AbortController().signal, cleanup: new AbortController().signal });

describe("rollout: on the emulator's ARM and Azure Monitor", () => {
  it("promotes a healthy deployment, judged on the emulator's metrics, and leaves the endpoint's tags and other mirror as they were", async () => {
    const { h, port } = await emulatorPort(0.02);
    const outcome = await runRollout(port, request, signals());
    assert.equal(outcome.result, "promoted", outcome.message);
    assert.ok(outcome.steps[0].checks.at(-1)!.numbers.requests > 500);
    const endpoint = (await h.send("GET", EP, { apiVersion: API })).json;
    assert.deepEqual(endpoint.properties.traffic, { green: 100 });
    assert.deepEqual(endpoint.properties.mirrorTraffic, { shadow: 10 });
    assert.deepEqual(endpoint.tags, { owner: "ml-team" });
  });

  it("rolls a failing deployment back to the exact snapshot", async () => {
    const { h, port } = await emulatorPort(0.2);
    const outcome = await runRollout(port, request, signals());
    assert.equal(outcome.result, "rolledBack");
    assert.match(outcome.message, /Step 1 \(mirror 20% for 10m\) failed its analysis: .*error rate 2\d\.\d\d%/);
    const endpoint = (await h.send("GET", EP, { apiVersion: API })).json;
    assert.deepEqual([endpoint.properties.traffic, endpoint.properties.mirrorTraffic, endpoint.tags], [{ blue: 100 }, { shadow: 10 }, { owner: "ml-team" }]);
  });
});
