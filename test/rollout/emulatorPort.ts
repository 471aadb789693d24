// The rollout's Azure port over the emulator's ARM handler, in process: its clock is moved by the port's
// sleeps, and Azure Monitor's metrics come from scored-request records the caller generates. Used by the
// rollout's emulator tests and its decisions benchmark.
import * as assert from "node:assert/strict";
import type { RequestRecord } from "../../emulator/src/arm/metrics";
import { parseMetricSeries } from "../../tasks/common/azure/monitorMetrics";
import { createAzurePort } from "../../tasks/common/rollout/azurePort";
import type { OnlineEndpointsApi } from "../../tasks/common/workspace/onlineEndpoints";
import { createHarness, FACTS, pollToEnd, WS, type ArmHarness } from "../emulator/armFixtures";

export const API = "2023-04-01";
export const EP = `${WS}/onlineEndpoints/churn-ep`;
const MANAGED = { location: FACTS.location, sku: { name: "Default", capacity: 1 }, properties: { endpointComputeType: "Managed", instanceType: "Standard_DS3_v2", model: `${WS}/models/churn/versions/1` } };

/** One scored request per second to blue and to green, from `start` to now; `failed` decides which answer 5xx. */
export function scoredRequests(clock: () => number, start: number, failed: (deployment: string, second: number) => boolean) {
  const records: RequestRecord[] = [];
  let until = start;
  return (): RequestRecord[] => {
    for (; until < clock(); until += 1_000) {
      const time = new Date(until).toISOString();
      for (const deployment of ["blue", "green"]) records.push({ time, endpointId: EP, deployment, statusCode: failed(deployment, until) ? 500 : 200, latencyMs: 80 + (until / 1_000) % 40 });
    }
    return records;
  };
}

export async function emulatorPort(failed: (deployment: string, second: number) => boolean) {
  let records: () => RequestRecord[] = () => [];
  const h: ArmHarness = createHarness({ metrics: { records: () => records(), delayMs: () => 90_000 } });
  await h.send("PUT", `${WS}/models/churn/versions/1`, { body: { properties: { modelUri: "azureml://datastores/workspaceblobstore/paths/m" } } });
  await pollToEnd(h, await h.send("PUT", EP, { body: { location: FACTS.location, tags: { owner: "ml-team" }, properties: { authMode: "Key" } }, apiVersion: API }));
  for (const name of ["blue", "green", "shadow"]) await pollToEnd(h, await h.send("PUT", `${EP}/deployments/${name}`, { body: MANAGED, apiVersion: API }));
  await pollToEnd(h, await h.send("PUT", EP, { body: { location: FACTS.location, tags: { owner: "ml-team" }, properties: { authMode: "Key", traffic: { blue: 100 }, mirrorTraffic: { shadow: 10 } } }, apiVersion: API }));
  records = scoredRequests(() => h.ctx.now(), h.ctx.now(), failed);
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
