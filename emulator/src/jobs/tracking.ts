// MLflow tracking data kept by the workspace: experiments (created when a job names one, as Azure ML
// does) and each run's metric history, params and tags. The run itself is the job.
import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../contract';

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: Array<{ key: string; value: string }>;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface RunData {
  metrics: Metric[];
  params: Record<string, string>;
  tags: Record<string, string>;
}

const EXPERIMENTS = 'mlflow.experiments';
const RUN_DATA = 'mlflow.runData';
const runKey = (workspaceId: string, runId: string) => `${workspaceId}/${runId}`.toLowerCase();

export function experiments(ctx: ServiceContext, workspaceId: string): Experiment[] {
  const prefix = `${workspaceId.toLowerCase()}/`;
  return ctx.store
    .list<Experiment>(EXPERIMENTS)
    .filter(({ key }) => key.startsWith(prefix))
    .map(({ value }) => value);
}

export function experimentByName(ctx: ServiceContext, workspaceId: string, name: string): Experiment | undefined {
  return experiments(ctx, workspaceId).find((e) => e.name === name);
}

export function experimentById(ctx: ServiceContext, workspaceId: string, id: string): Experiment | undefined {
  return experiments(ctx, workspaceId).find((e) => e.experiment_id === id);
}

/** The experiment of that name, created when missing (job submission and MLflow's create do this). */
export function ensureExperiment(ctx: ServiceContext, workspaceId: string, name: string): Experiment {
  const existing = experimentByName(ctx, workspaceId, name);
  if (existing) return existing;
  const id = randomUUID();
  const now = ctx.now();
  const experiment: Experiment = { experiment_id: id, name, artifact_location: '', lifecycle_stage: 'active', creation_time: now, last_update_time: now, tags: [] };
  ctx.store.put(EXPERIMENTS, `${workspaceId}/${id}`.toLowerCase(), experiment);
  return experiment;
}

export function runData(ctx: ServiceContext, workspaceId: string, runId: string): RunData {
  return ctx.store.get<RunData>(RUN_DATA, runKey(workspaceId, runId)) ?? { metrics: [], params: {}, tags: {} };
}

export function updateRunData(ctx: ServiceContext, workspaceId: string, runId: string, change: (data: RunData) => void): void {
  const data = runData(ctx, workspaceId, runId);
  change(data);
  ctx.store.put(RUN_DATA, runKey(workspaceId, runId), data);
}

/** Each metric's latest value (by step, then timestamp), as runs/get reports them. */
export function latestMetrics(data: RunData): Metric[] {
  const latest = new Map<string, Metric>();
  for (const metric of data.metrics) {
    const seen = latest.get(metric.key);
    if (!seen || metric.step > seen.step || (metric.step === seen.step && metric.timestamp >= seen.timestamp)) latest.set(metric.key, metric);
  }
  return [...latest.values()];
}
