// A model's metric, where Azure ML keeps it: the final MLflow value of the job that produced the model (every
// Azure ML job is an MLflow run named after the job), or a property of the model version (metrics a
// validation job or a person recorded on it). And the comparison rule both model checks use.
import { UserError } from "../platform/userError";
import { SOURCE_JOB_PROPERTY } from "../workspace/lineage";
import type { ModelVersionResource } from "../workspace/modelRegistry";
import type { GatePort } from "./gatePort";

export type Direction = "higherIsBetter" | "lowerIsBetter";
/** auto: the source job's MLflow metric, else the model version's property of that name. */
export type MetricSource = "auto" | "job" | "properties";

export interface ModelRef {
  name: string;
  version: string;
}

export interface MetricReading {
  /** Undefined when neither place has the metric (why: in `missing`). */
  value?: number;
  /** Where the value came from, e.g. "job train-42 (MLflow)" or "property of churn:3". */
  from: string;
  /** The model's source job, when it has one. */
  jobName?: string;
  missing?: string;
}

export const describeModel = (model: ModelRef) => `${model.name}:${model.version}`;

/** The job that produced a model version: its jobName, the lineage property this extension writes, or its azureml://jobs/ URI. */
export function sourceJobOf(model: ModelVersionResource): string | undefined {
  const p = model.properties;
  if (p.jobName) return p.jobName;
  if (p.properties?.[SOURCE_JOB_PROPERTY]) return p.properties[SOURCE_JOB_PROPERTY];
  return p.modelUri ? /^azureml:\/\/jobs\/([^/]+)\/outputs\//i.exec(p.modelUri)?.[1] : undefined;
}

/** A job's metric (a candidate that is a job output not yet registered). */
export async function readJobMetric(port: GatePort, jobName: string, metric: string, signal: AbortSignal): Promise<MetricReading> {
  const metrics = await port.readJobMetrics(jobName, signal);
  const from = `job ${jobName} (MLflow)`;
  return metric in metrics ? { value: metrics[metric], from, jobName } : { from, jobName, missing: `job ${jobName} logged no metric '${metric}' (it logged: ${Object.keys(metrics).join(", ") || "none"})` };
}

/** A registered model version's metric; a version that does not exist is the user's error (`inputName` names where it came from). */
export async function readModelMetric(port: GatePort, model: ModelRef, metric: string, source: MetricSource, signal: AbortSignal, inputName: string): Promise<MetricReading> {
  const resource = await port.getModelVersion(model.name, model.version, signal);
  if (!resource) throw new UserError(`${inputName}: model '${describeModel(model)}' was not found in workspace '${port.scope.workspace}' (resource group '${port.scope.resourceGroup}')`);
  return metricOfVersion(port, model, resource, metric, source, signal);
}

export async function metricOfVersion(port: GatePort, model: ModelRef, resource: ModelVersionResource, metric: string, source: MetricSource, signal: AbortSignal): Promise<MetricReading> {
  const jobName = sourceJobOf(resource);
  const missing: string[] = [];
  if (source !== "properties") {
    if (jobName) {
      const reading = await readJobMetric(port, jobName, metric, signal);
      if (reading.value !== undefined) return reading;
      missing.push(reading.missing!);
    } else {
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
