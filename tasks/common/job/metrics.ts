// Final metric values through the workspace's MLflow REST endpoint (every Azure ML job is an MLflow run
// whose id is the job name), and their names as pipeline variables.
import { armSend, type ArmContext } from "../azure/arm";
import { workspaceArmId, type WorkspaceScope } from "../jobSpec";

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp?: number;
  step?: number;
}

/** runs/get returns each metric's latest value: what the summary and the output variables show. */
export async function readFinalMetrics(context: ArmContext, apiHost: string, scope: WorkspaceScope, runId: string, signal?: AbortSignal): Promise<Record<string, number>> {
  const url = `https://${apiHost}/mlflow/v2.0${workspaceArmId(scope)}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`;
  const { response } = await armSend(context, url, "GET", undefined, signal ?? context.signal);
  if (response.status === 404) return {};
  if (response.status >= 400) throw new Error(`MLflow runs/get for '${runId}' returned HTTP ${response.status}: ${(response.bodyAsText ?? "").slice(0, 300)}`);
  const body = JSON.parse(response.bodyAsText || "{}") as { run?: { data?: { metrics?: MlflowMetric[] } } };
  const metrics: Record<string, number> = {};
  for (const metric of body.run?.data?.metrics ?? []) metrics[metric.key] = metric.value;
  return metrics;
}

/**
 * Output variable for a metric: "metric_" + the name with every character other than letters, digits and
 * '_' replaced by '_' (train/loss → metric_train_loss). Variable names are case-insensitive, so names that
 * collide get a numeric suffix in metric order.
 */
export function metricVariableNames(metricNames: string[]): Record<string, string> {
  const used = new Set<string>();
  const names: Record<string, string> = {};
  for (const metric of metricNames) {
    const base = `metric_${metric.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let candidate = base;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${base}_${n}`;
    used.add(candidate.toLowerCase());
    names[metric] = candidate;
  }
  return names;
}
