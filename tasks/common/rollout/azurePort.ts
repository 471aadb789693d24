// The rollout's port on Azure: the endpoint through the workspace layer's online endpoints client (api-version
// 2023-04-01, so mirror traffic survives the read-then-write), each traffic change a full endpoint PUT followed
// by reads until the endpoint shows it, and the analysis' metrics from Azure Monitor on the endpoint resource:
// RequestsPerMinute (Total, split by deployment and statusCode) and RequestLatency_P95 (Average, split by
// deployment), one point per minute, read and added up by workspace/endpointMetrics.ts.
import type { ArmContext } from "../azure/arm";
import { readMetricSeries, type MetricSeries } from "../azure/monitorMetrics";
import { isTransient } from "../azure/pollFailures";
import { abortableSleep } from "../azure/retry";
import { UserError } from "../platform/userError";
import type { OnlineEndpointResource, OnlineEndpointsApi } from "../workspace/onlineEndpoints";
import { endpointWriteBody } from "../workspace/onlineEndpoints";
import { workspaceArmId } from "../workspace/scope";
import { type DeploymentMetrics, readDeploymentMetrics } from "../workspace/endpointMetrics";
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
      const provisioningStates = Object.fromEntries(deployments.map((d) => [d.name, d.properties.provisioningState]));
      return { kind: resource.properties.compute ? "kubernetes" : "managed", deployments: deployments.map((d) => d.name), provisioningStates, ...trafficOf(resource), tags: resource.tags ?? {} };
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

    readMetrics: (query: MetricsQuery, signal): Promise<DeploymentMetrics> => readDeploymentMetrics(options.readSeries, { endpointId, ...query }, signal),

    now,
    sleep,
    log,
  };
}

/** The session's reader of Azure Monitor series, for createAzurePort. */
export function monitorReader(context: ArmContext): AzurePortOptions["readSeries"] {
  return (request, signal) => readMetricSeries(context, request, signal);
}
