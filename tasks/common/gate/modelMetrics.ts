// A model's metric, where Azure ML keeps it: the final MLflow value of the job that produced the model (every
// Azure ML job is an MLflow run named after the job), or a property of the model version (metrics a
// validation job or a person recorded on it). A version promoted from another workspace (AzureMLModel@1's
// azure-devops.promotedFrom) has no job of its own: its source version's job, in the source workspace, is
// read instead (a chain of promotions is followed, at most MAX_PROMOTIONS deep). And the comparison rule both
// model checks use.
import { UserError } from "../platform/userError";
import { PROMOTED_FROM_PROPERTY, SOURCE_JOB_PROPERTY } from "../workspace/lineage";
import type { ModelVersionResource } from "../workspace/modelRegistry";
import type { WorkspaceScope } from "../workspace/scope";
import type { GatePort } from "./gatePort";

export type Direction = "higherIsBetter" | "lowerIsBetter";
/** auto: the source job's MLflow metric, else the model version's property of that name. */
export type MetricSource = "auto" | "job" | "properties";

export interface ModelRef {
  name: string;
  version: string;
  /** Another workspace's model (a promotion's source); absent: the gate's workspace. */
  workspace?: WorkspaceScope;
}

const MAX_PROMOTIONS = 5;

export interface MetricReading {
  /** Undefined when neither place has the metric (why: in `missing`). */
  value?: number;
  /** Where the value came from, e.g. "job train-42 (MLflow)" or "property of churn:3". */
  from: string;
  /** The model's source job, when it has one. */
  jobName?: string;
  missing?: string;
}

export const describeModel = (model: ModelRef) => `${model.name}:${model.version}${model.workspace ? ` of workspace '${model.workspace.workspace}'` : ""}`;

/** The workspace model version a promoted version was copied from (azureml://subscriptions/…/workspaces/…/models/…/versions/…). */
export function promotedFromOf(model: ModelVersionResource): ModelRef | undefined {
  const id = model.properties.properties?.[PROMOTED_FROM_PROPERTY];
  const match = id && /^azureml:\/\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(id);
  return match ? { name: match[4], version: match[5], workspace: { subscriptionId: match[1], resourceGroup: match[2], workspace: match[3] } } : undefined;
}

/** The job that produced a model version: its jobName, the lineage property this extension writes, or its azureml://jobs/ URI. */
export function sourceJobOf(model: ModelVersionResource): string | undefined {
  const p = model.properties;
  if (p.jobName) return p.jobName;
  if (p.properties?.[SOURCE_JOB_PROPERTY]) return p.properties[SOURCE_JOB_PROPERTY];
  return p.modelUri ? /^azureml:\/\/jobs\/([^/]+)\/outputs\//i.exec(p.modelUri)?.[1] : undefined;
}

/** A job's metric (a candidate that is a job output not yet registered). */
export async function readJobMetric(port: GatePort, jobName: string, metric: string, signal: AbortSignal, workspace?: WorkspaceScope): Promise<MetricReading> {
  const metrics = await port.readJobMetrics(jobName, signal, workspace);
  const from = `job ${jobName}${workspace ? ` of workspace '${workspace.workspace}'` : ""} (MLflow)`;
  return metric in metrics ? { value: metrics[metric], from, jobName } : { from, jobName, missing: `job ${jobName} logged no metric '${metric}' (it logged: ${Object.keys(metrics).join(", ") || "none"})` };
}

/** A registered model version's metric; a version that does not exist is the user's error (`inputName` names where it came from). */
export async function readModelMetric(port: GatePort, model: ModelRef, metric: string, source: MetricSource, signal: AbortSignal, inputName: string): Promise<MetricReading> {
  const resource = await port.getModelVersion(model.name, model.version, signal);
  if (!resource) throw new UserError(`${inputName}: model '${describeModel(model)}' was not found in workspace '${port.scope.workspace}' (resource group '${port.scope.resourceGroup}')`);
  return metricOfVersion(port, model, resource, metric, source, signal);
}

export async function metricOfVersion(port: GatePort, model: ModelRef, resource: ModelVersionResource, metric: string, source: MetricSource, signal: AbortSignal): Promise<MetricReading> {
  // The job: this version's, else that of the version it was promoted from (and so on).
  let jobName = sourceJobOf(resource);
  let jobWorkspace = model.workspace;
  let current = resource;
  const missing: string[] = [];
  for (let hop = 0; !jobName && hop < MAX_PROMOTIONS; hop++) {
    const origin = promotedFromOf(current);
    if (!origin) break;
    const found = await port.getModelVersion(origin.name, origin.version, signal, origin.workspace);
    if (!found) {
      missing.push(`model ${describeModel(model)} was promoted from ${describeModel(origin)}, which was not found`);
      break;
    }
    current = found;
    jobName = sourceJobOf(found);
    jobWorkspace = origin.workspace;
  }
  if (source !== "properties") {
    if (jobName) {
      const reading = await readJobMetric(port, jobName, metric, signal, jobWorkspace);
      if (reading.value !== undefined) return reading;
      missing.push(reading.missing!);
    } else if (!missing.length) {
      missing.push(`model ${describeModel(model)} names no source job`);
    }
  }
  if (source !== "job") {
    const text = resource.properties.properties?.[metric];
    const value = text === undefined || text.trim() === "" ? NaN : Number(text);
    if (Number.isFinite(value)) return { value, from: `property '${metric}' of model ${describeModel(model)}`, jobName };
    missing.push(text === undefined ? `model ${describeModel(model)} has no property '${metric}'` : `property '${metric}' of model ${describeModel(model)} is '${text}', not a number`);
  }
  return { from: `model ${describeModel(model)}`, jobName, missing: missing.join("; ") };
}

/** Whether `actual` is at least as good as `bound`: >= for higherIsBetter, <= for lowerIsBetter. */
export const meets = (actual: number, bound: number, direction: Direction) => (direction === "higherIsBetter" ? actual >= bound : actual <= bound);

export const comparator = (direction: Direction) => (direction === "higherIsBetter" ? ">=" : "<=");

/** A metric value as people read it: up to 6 significant digits. */
export const metricText = (value: number) => String(Number(value.toPrecision(6)));
