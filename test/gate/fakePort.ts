// A GatePort over in-memory models, jobs, endpoints and metrics: every check's verdict tested without Azure.
import type { GatePort } from "../../tasks/common/gate/gatePort";
import type { LoadMeasurement } from "../../tasks/common/gate/loadTestCheck";
import type { DeploymentMetrics, EndpointMetricsQuery } from "../../tasks/common/workspace/endpointMetrics";
import type { ModelVersionResource } from "../../tasks/common/workspace/modelRegistry";
import type { OnlineDeploymentResource, OnlineEndpointResource } from "../../tasks/common/workspace/onlineEndpoints";
import type { WorkspaceScope } from "../../tasks/common/workspace/scope";

export const SCOPE = { subscriptionId: "sub", resourceGroup: "rg-ml", workspace: "mlws" };
export const NOW = Date.parse("2026-12-05T12:00:00Z");

export interface FakeState {
  models?: Record<string, ModelVersionResource["properties"]>;
  jobMetrics?: Record<string, Record<string, number>>;
  endpoints?: Record<string, { provisioningState?: string; traffic?: Record<string, number>; deployments?: Record<string, { model?: string; provisioningState?: string }> }>;
  metrics?: DeploymentMetrics;
  load?: LoadMeasurement;
}

export class FakeGatePort implements GatePort {
  readonly scope = SCOPE;
  readonly metricQueries: EndpointMetricsQuery[] = [];
  readonly logs: string[] = [];
  constructor(readonly state: FakeState) {}
  async getModelVersion(name: string, version: string, _signal?: AbortSignal, _workspace?: WorkspaceScope): Promise<ModelVersionResource | undefined> {
    const properties = this.state.models?.[`${name}:${version}`];
    return properties ? { name: version, properties } : undefined;
  }
  async readJobMetrics(jobName: string, _signal?: AbortSignal, _workspace?: WorkspaceScope): Promise<Record<string, number>> {
    return this.state.jobMetrics?.[jobName] ?? {};
  }
  async getEndpoint(name: string): Promise<OnlineEndpointResource | undefined> {
    const endpoint = this.state.endpoints?.[name];
    return endpoint && { name, location: "westeurope", properties: { provisioningState: endpoint.provisioningState ?? "Succeeded", traffic: endpoint.traffic ?? {} } };
  }
  async listDeployments(endpoint: string): Promise<OnlineDeploymentResource[]> {
    return Object.entries(this.state.endpoints?.[endpoint]?.deployments ?? {}).map(([name, d]) => ({ name, properties: { provisioningState: d.provisioningState ?? "Succeeded", ...(d.model ? { model: d.model } : {}) } }));
  }
  async readMetrics(query: EndpointMetricsQuery): Promise<DeploymentMetrics> {
    this.metricQueries.push(query);
    return this.state.metrics ?? { requests: {}, p95PerMinuteMs: [] };
  }
  async runLoad(): Promise<LoadMeasurement> {
    if (!this.state.load) throw new Error("no load run in this fake");
    return this.state.load;
  }
  now = () => NOW;
  log = (message: string) => void this.logs.push(message);
}

export const signal = new AbortController().signal;
