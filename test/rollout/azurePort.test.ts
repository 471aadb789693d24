import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { metricsUrl, parseMetricSeries, type MetricSeries } from "../../tasks/common/azure/monitorMetrics";
import { createAzurePort } from "../../tasks/common/rollout/azurePort";
import { deploymentMetrics, statusClass } from "../../tasks/common/workspace/endpointMetrics";
import type { OnlineEndpointResource } from "../../tasks/common/workspace/onlineEndpoints";
import type { ArmContext } from "../../tasks/common/azure/arm";

const example = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/azure-specs/monitor/2018-01-01/examples/GetMetric.json"), "utf8"));
const minute = (m: number) => Date.parse("2026-12-05T10:00:00Z") + m * 60_000;
const series = (dimensions: Record<string, string>, values: (number | undefined)[]): MetricSeries => ({ dimensions, points: values.map((value, m) => ({ timeMs: minute(m), value })) });
const scope = { subscriptionId: "00000000-0000-0000-0000-000000000001", resourceGroup: "rg", workspace: "mlw-prod" };

describe("rollout: Azure adapters", () => {
  it("reads Azure Monitor's answer (the REST spec's example): series by dimension, the asked aggregation per point", () => {
    const read = parseMetricSeries(example.responses["200"].body, "BlobCapacity", "Average");
    assert.deepEqual(read.map((s) => s.dimensions), [{ blobtype: "PageBlob" }, { blobtype: "BlockBlob" }]);
    assert.deepEqual(read[1].points[3], { timeMs: Date.parse("2017-04-14T02:23:00Z"), value: 245 });
    assert.equal(read[1].points[0].value, undefined);
    assert.deepEqual(parseMetricSeries(example.responses["200"].body, "Other", "Average"), []);
  });

  it("asks Azure Monitor for one metric over the window, per minute, split as told", () => {
    const context = { cloud: { resourceManagerUrl: "https://management.azure.com/" } } as unknown as ArmContext;
    const url = new URL(metricsUrl(context, { resourceId: "/subscriptions/s/x/onlineEndpoints/e", metricName: "RequestsPerMinute", aggregation: "Total", fromMs: minute(0), toMs: minute(10), filter: "deployment eq '*' and statusCode eq '*'" }));
    assert.equal(url.pathname, "/subscriptions/s/x/onlineEndpoints/e/providers/Microsoft.Insights/metrics");
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      "api-version": "2023-10-01",
      metricnames: "RequestsPerMinute",
      timespan: "2026-12-05T10:00:00.000Z/2026-12-05T10:10:00.000Z",
      interval: "PT1M",
      aggregation: "Total",
      $filter: "deployment eq '*' and statusCode eq '*'",
    });
  });

  it("adds the requests of the asked deployments by status class and weights their per-minute p95 by requests", () => {
    const requests = [
      series({ deployment: "blue", statuscode: "200" }, [90, 30]),
      series({ deployment: "blue", statuscode: "503" }, [10, undefined]),
      series({ deployment: "red", statuscode: "200" }, [100, 0]),
      series({ deployment: "green", statuscode: "200" }, [5, 5]),
    ];
    const latency = [series({ deployment: "blue" }, [200, 300]), series({ deployment: "red" }, [100, 900]), series({ deployment: "green" }, [50, 50])];
    assert.deepEqual(deploymentMetrics(["blue", "red"], requests, latency), { requests: { "2xx": 220, "5xx": 10 }, p95PerMinuteMs: [150, 300] });
    assert.deepEqual(deploymentMetrics(["green"], requests, latency), { requests: { "2xx": 10 }, p95PerMinuteMs: [50, 50] });
  });

  it("keeps Azure ML's model errors (424) apart from the caller's 4xx, so the analysis counts them", () => {
    const requests = [series({ deployment: "green", statuscode: "200" }, [80]), series({ deployment: "green", statuscode: "424" }, [15]), series({ deployment: "green", statuscode: "400" }, [3]), series({ deployment: "green", statuscode: "429" }, [2])];
    assert.deepEqual(deploymentMetrics(["green"], requests, []).requests, { "2xx": 80, "424": 15, "4xx": 5 });
    assert.equal(statusClass("502"), "5xx");
    assert.equal(statusClass(undefined), "unknown");
  });

  it("writes traffic and tags in one full endpoint PUT and waits until the endpoint shows them", async () => {
    let stored: OnlineEndpointResource = { name: "e", location: "westeurope", tags: { owner: "me" }, properties: { authMode: "Key", traffic: { blue: 100 }, mirrorTraffic: {}, provisioningState: "Succeeded", scoringUri: "https://e/score" } };
    const bodies: unknown[] = [];
    // After SIGINT the session's signal is aborted: the restore's calls must run under the signal they are given.
    const signals: (AbortSignal | undefined)[] = [];
    let reads = 0;
    const port = createAzurePort({
      api: {
        scope,
        getEndpoint: async () => {
          reads++;
          // the service shows the change on the third read after the PUT
          return { resource: reads >= 4 ? stored : { ...stored, properties: { ...stored.properties, traffic: { blue: 100 }, provisioningState: "Updating" } } };
        },
        putEndpoint: async (_name, body, signal) => {
          signals.push(signal);
          bodies.push(body);
          const b = body as { tags: Record<string, string>; properties: { traffic: Record<string, number>; mirrorTraffic: Record<string, number> } };
          stored = { ...stored, tags: b.tags, properties: { ...stored.properties, traffic: b.properties.traffic, mirrorTraffic: b.properties.mirrorTraffic } };
          return stored;
        },
        listDeployments: async (_name, signal) => {
          signals.push(signal);
          return [{ name: "blue", properties: { provisioningState: "Succeeded" } }, { name: "green", properties: { provisioningState: "Creating" } }];
        },
      },
      readSeries: async () => [],
      endpointName: "e",
      log: () => undefined,
      sleep: async () => undefined,
    });
    const reading = new AbortController().signal;
    const view = await port.readEndpoint(reading);
    assert.deepEqual(view, { kind: "managed", deployments: ["blue", "green"], provisioningStates: { blue: "Succeeded", green: "Creating" }, traffic: { blue: 100 }, mirror: {}, tags: { owner: "me" } });
    const writing = new AbortController().signal;
    await port.putTraffic({ traffic: { blue: 90, green: 10 }, mirror: {} }, { owner: "me", rollout: "x" }, writing);
    assert.deepEqual(bodies, [{ location: "westeurope", tags: { owner: "me", rollout: "x" }, properties: { authMode: "Key", properties: {}, traffic: { blue: 90, green: 10 }, mirrorTraffic: {} } }]);
    assert.equal(reads, 4);
    assert.deepEqual(signals, [reading, writing]);
  });
});
