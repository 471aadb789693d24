// The rollout's port on Azure: the endpoint through the workspace layer's online endpoints client (api-version
// 2023-04-01, so mirror traffic survives the read-then-write), each traffic change a full endpoint PUT followed
// by reads until the endpoint shows it, and the analysis' metrics from Azure Monitor on the endpoint resource:
// RequestsPerMinute (Total, split by deployment and statusCodeClass) and RequestLatency_P95 (Average, split by
// deployment), one point per minute. Several stable deployments: their requests are added, and each minute's
// p95 is their p95s weighted by that minute's requests (percentiles do not add; this is the closest Azure
// Monitor's pre-aggregated data allows).
import type { ArmContext } from "../azure/arm";
import { readMetricSeries, type MetricSeries } from "../azure/monitorMetrics";
import { isTransient } from "../azure/pollFailures";
import { abortableSleep } from "../azure/retry";
import { UserError } from "../platform/userError";
import type { OnlineEndpointResource, OnlineEndpointsApi } from "../workspace/onlineEndpoints";
import { endpointWriteBody } from "../workspace/onlineEndpoints";
import { workspaceArmId } from "../workspace/scope";
import { type DeploymentMetrics, MODEL_ERROR_STATUS } from "./analysis";
import type { EndpointView, MetricsQuery, RolloutPort } from "./rollout";
import { sameTraffic, type EndpointTraffic } from "./traffic";

export interface AzurePortOptions {
  api: Pick<OnlineEndpointsApi, "scope" | "getEndpoint" | "putEndpoint" | "listDeployments">;
  /** Reads Azure Monitor metric series (readMetricSeries with the session's ARM context, in the task). */
  readSeries: (request: Parameters<typeof readMetricSeries>[1], signal: AbortSignal) => Promise<MetricSeries[]>;
  endpointName: string;
  log: (message: string) => void;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Between reads while waiting for the endpoint to show a change. */
  pollMs?: number;
  /** Longest wait for the endpoint to show a change. */
  updateTimeoutMs?: number;
}

export function createAzurePort(options: AzurePortOptions): RolloutPort {
  const { api, endpointName, log } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const pollMs = options.pollMs ?? 3_000;
  const updateTimeoutMs = options.updateTimeoutMs ?? 10 * 60_000;
  const endpointId = `${workspaceArmId(api.scope)}/onlineEndpoints/${endpointName}`;
  let lastRead: OnlineEndpointResource | undefined;

  const getEndpoint = async (signal: AbortSignal): Promise<OnlineEndpointResource> => {
    const read = await api.getEndpoint(endpointName, signal);
    if (!read.resource) throw new UserError(`Online endpoint '${endpointName}' was not found in workspace '${api.scope.workspace}' (resource group '${api.scope.resourceGroup}')`);
    lastRead = read.resource;
    return read.resource;
  };
  const trafficOf = (resource: OnlineEndpointResource): EndpointTraffic => ({ traffic: resource.properties.traffic ?? {}, mirror: resource.properties.mirrorTraffic ?? {} });

  return {
    async readEndpoint(signal): Promise<EndpointView> {
      const resource = await getEndpoint(signal);
      const deployments = await api.listDeployments(endpointName, signal);
      // Kubernetes online endpoints name their compute; managed ones have none.
      return { kind: resource.properties.compute ? "kubernetes" : "managed", deployments: deployments.map((d) => d.name), ...trafficOf(resource), tags: resource.tags ?? {} };
    },

    async putTraffic(state, tags, signal) {
      const existing = lastRead ?? (await getEndpoint(signal));
      await api.putEndpoint(endpointName, endpointWriteBody({ ...existing, tags }, { traffic: { ...state.traffic }, mirrorTraffic: { ...state.mirror } }), signal);
      const started = now();
      for (;;) {
        let resource: OnlineEndpointResource | undefined;
        try {
          resource = await getEndpoint(signal);
        } catch (error) {
          if (!isTransient(error)) throw error;
        }
        const provisioning = resource?.properties.provisioningState;
        if (provisioning === "Failed" || provisioning === "Canceled") throw new Error(`The endpoint update ended ${provisioning}`);
        if (resource && provisioning === "Succeeded" && sameTraffic(trafficOf(resource), state)) return;
        if (now() - started > updateTimeoutMs) throw new Error(`The endpoint did not show the new traffic within ${Math.round(updateTimeoutMs / 60_000)} minutes`);
        await sleep(pollMs, signal);
      }
    },

    async readMetrics(query: MetricsQuery, signal): Promise<DeploymentMetrics> {
      const window = { resourceId: endpointId, fromMs: query.fromMs, toMs: query.toMs };
      const [requestSeries, latencySeries] = await Promise.all([
        options.readSeries({ ...window, metricName: "RequestsPerMinute", aggregation: "Total", filter: "deployment eq '*' and statusCode eq '*'" }, signal),
        options.readSeries({ ...window, metricName: "RequestLatency_P95", aggregation: "Average", filter: "deployment eq '*'" }, signal),
      ]);
      return deploymentMetrics(query.deployments, requestSeries, latencySeries);
    },

    now,
    sleep,
    log,
  };
}

/**
 * The class a status code counts in: its class ("2xx", "5xx" …), except Azure ML's 424, the answer a client gets
 * when the model itself failed (the scoring script raised or answered non-200), which is kept apart so the
 * analysis counts it as an error: it is the deployment's failure, not the caller's, though it is a 4xx.
 */
export function statusClass(code: string | undefined): string {
  if (!code || !/^\d{3}$/.test(code)) return "unknown";
  return code === MODEL_ERROR_STATUS ? code : `${code[0]}xx`;
}

/** The requests by status class and the per-minute p95 of `deployments` together, from Azure Monitor's series. */
export function deploymentMetrics(deployments: readonly string[], requestSeries: MetricSeries[], latencySeries: MetricSeries[]): DeploymentMetrics {
  const wanted = new Set(deployments.map((d) => d.toLowerCase()));
  const mine = (series: MetricSeries) => wanted.has((series.dimensions.deployment ?? "").toLowerCase());
  const requests: Record<string, number> = {};
  /** minute → deployment → requests */
  const perMinute = new Map<number, Map<string, number>>();
  for (const series of requestSeries.filter(mine)) {
    const cls = statusClass(series.dimensions.statuscode);
    for (const point of series.points) {
      if (!point.value) continue;
      requests[cls] = (requests[cls] ?? 0) + point.value;
      const minute = perMinute.get(point.timeMs) ?? new Map<string, number>();
      minute.set(series.dimensions.deployment, (minute.get(series.dimensions.deployment) ?? 0) + point.value);
      perMinute.set(point.timeMs, minute);
    }
  }
  const weighted = new Map<number, { sum: number; weight: number }>();
  for (const series of latencySeries.filter(mine)) {
    for (const point of series.points) {
      const weight = perMinute.get(point.timeMs)?.get(series.dimensions.deployment) ?? 0;
      if (point.value === undefined || weight === 0) continue;
      const acc = weighted.get(point.timeMs) ?? { sum: 0, weight: 0 };
      acc.sum += point.value * weight;
      acc.weight += weight;
      weighted.set(point.timeMs, acc);
    }
  }
  const p95PerMinuteMs = [...weighted.entries()].sort(([a], [b]) => a - b).map(([, acc]) => acc.sum / acc.weight);
  return { requests, p95PerMinuteMs };
}

/** The session's reader of Azure Monitor series, for createAzurePort. */
export function monitorReader(context: ArmContext): AzurePortOptions["readSeries"] {
  return (request, signal) => readMetricSeries(context, request, signal);
}
