// The modelMetric check: a registered model version's metric against a threshold.
import type { CheckResult, GatePort } from "./gatePort";
import { comparator, describeModel, type Direction, meets, type MetricSource, metricText, type ModelRef, readModelMetric } from "./modelMetrics";

export interface ModelMetricSettings {
  model: ModelRef;
  metric: string;
  direction: Direction;
  threshold: number;
  source: MetricSource;
}

export async function checkModelMetric(port: GatePort, settings: ModelMetricSettings, signal: AbortSignal): Promise<CheckResult> {
  const { model, metric, direction, threshold } = settings;
  const reading = await readModelMetric(port, model, metric, settings.source, signal, "Inputs modelName and modelVersion");
  const expected = `${comparator(direction)} ${metricText(threshold)}`;
  const values = { model: describeModel(model), metric, threshold, direction, value: reading.value, from: reading.from };
  if (reading.value === undefined) {
    const reason = `${metric} of model ${describeModel(model)} could not be read: ${reading.missing}`;
    return { check: "modelMetric", verdict: "inconclusive", reasons: [reason], rows: [{ measure: `${metric} (${describeModel(model)})`, actual: "–", expected, verdict: "inconclusive" }], values };
  }
  const verdict = meets(reading.value, threshold, direction) ? "pass" : "fail";
  const reason = `${metric} of model ${describeModel(model)} is ${metricText(reading.value)} (from ${reading.from}), ${verdict === "pass" ? "meeting" : "missing"} the threshold ${expected} (${direction})`;
  return { check: "modelMetric", verdict, reasons: [reason], rows: [{ measure: `${metric} (${describeModel(model)}, from ${reading.from})`, actual: metricText(reading.value), expected, verdict }], values };
}
