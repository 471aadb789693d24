// What the gate's checks read, as a port so that every verdict is tested without Azure; gateTask.ts builds it
// on the workspace layer's clients (model registry, MLflow, online endpoints, Azure Monitor).
import type { DeploymentMetrics, EndpointMetricsQuery } from "../workspace/endpointMetrics";
import type { LoadMeasurement, LoadTestSettings } from "./loadTestCheck";
import type { ModelVersionResource } from "../workspace/modelRegistry";
import type { OnlineDeploymentResource, OnlineEndpointResource } from "../workspace/onlineEndpoints";
import type { WorkspaceScope } from "../workspace/scope";

export interface GatePort {
  readonly scope: WorkspaceScope;
  /** Undefined when the workspace (this one, or `workspace`: where a promoted model came from) has no such model version. */
  getModelVersion(name: string, version: string, signal: AbortSignal, workspace?: WorkspaceScope): Promise<ModelVersionResource | undefined>;
  /** A job's final MLflow metric values ({} for a job MLflow does not know), in this workspace or `workspace`. */
  readJobMetrics(jobName: string, signal: AbortSignal, workspace?: WorkspaceScope): Promise<Record<string, number>>;
  /** Undefined when the endpoint does not exist. */
  getEndpoint(name: string, signal: AbortSignal): Promise<OnlineEndpointResource | undefined>;
  listDeployments(endpoint: string, signal: AbortSignal): Promise<OnlineDeploymentResource[]>;
  readMetrics(query: EndpointMetricsQuery, signal: AbortSignal): Promise<DeploymentMetrics>;
  /** Sends the load test's requests (the request file, to its deployment) and measures them; stops when the signal aborts. */
  runLoad(settings: LoadTestSettings, signal: AbortSignal): Promise<LoadMeasurement>;
  now(): number;
  log(message: string): void;
}

export type GateVerdict = "pass" | "fail" | "inconclusive";

/** One line of a check's comparison table. */
export interface ComparisonRow {
  measure: string;
  actual: string;
  /** The threshold or the other side, as the check compares it. */
  expected: string;
  verdict: GateVerdict;
}

export interface CheckResult {
  check: string;
  verdict: GateVerdict;
  /** Why, one sentence per finding, with the numbers and what was compared. */
  reasons: string[];
  rows: ComparisonRow[];
  /** The values compared, for the check's output variable (JSON). */
  values: Record<string, unknown>;
  /** Markdown shown under the table (the load test's histogram). */
  details?: string;
}

/** A check's verdict from its findings: any fail fails it, else any inconclusive makes it inconclusive. */
export function worstVerdict(verdicts: readonly GateVerdict[]): GateVerdict {
  if (verdicts.includes("fail")) return "fail";
  if (verdicts.includes("inconclusive")) return "inconclusive";
  return "pass";
}
