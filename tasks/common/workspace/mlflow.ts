// Final metric values through the workspace's MLflow REST endpoint: every Azure ML job is an MLflow run
// whose id is the job name.
import type { ArmContext } from "../azure/arm";
import { workspaceArmId, type WorkspaceScope } from "./scope";
import { callWorkspace } from "./workspaceRest";

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp?: number;
  step?: number;
}

/** runs/get returns each metric's latest value; {} for a run MLflow does not know. */
export async function readFinalMetrics(context: ArmContext, apiHost: string, scope: WorkspaceScope, runId: string, signal?: AbortSignal): Promise<Record<string, number>> {
  const url = `https://${apiHost}/mlflow/v2.0${workspaceArmId(scope)}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`;
  const { body } = await callWorkspace<{ run?: { data?: { metrics?: MlflowMetric[] } } }>(context, url, { signal });
  const metrics: Record<string, number> = {};
  for (const metric of body?.run?.data?.metrics ?? []) metrics[metric.key] = metric.value;
  return metrics;
}
