// The championChallenger check: the candidate (a registered model version, or a job's output not yet
// registered) against the champion, the model serving the endpoint's live traffic today: the deployment(s)
// with the most traffic → their model → its metric. Candidate must be no worse than every champion by more
// than the tolerance (absolute, or a percentage of the champion's value). An endpoint that does not exist or
// takes no traffic yet has no champion: the check passes with a note.
import type { OnlineDeploymentResource } from "../workspace/onlineEndpoints";
import { type CheckResult, type ComparisonRow, type GatePort, type GateVerdict, worstVerdict } from "./gatePort";
import { comparator, describeModel, type Direction, meets, metricOfVersion, type MetricReading, type MetricSource, metricText, type ModelRef, readJobMetric, readModelMetric } from "./modelMetrics";

export interface Tolerance {
  value: number;
  /** true: a share of the champion's value (value 0.02 for "2%"). */
  relative: boolean;
}

export interface ChampionChallengerSettings {
  /** The candidate: a registered model version, or (candidateJob) the job whose output it is. */
  candidate: { model: ModelRef } | { job: string };
  endpointName: string;
  metric: string;
  direction: Direction;
  tolerance: Tolerance;
  source: MetricSource;
}

/** A deployment's model reference: an ARM id (…/models/<name>/versions/<v>), azureml:<name>:<v>, or a registry's azureml:// id. */
export function parseDeploymentModel(reference: string): (ModelRef & { registry?: string }) | undefined {
  const arm = /\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(reference);
  const registry = /^azureml:\/\/registries\/([^/]+)\//i.exec(reference)?.[1];
  if (arm) return { name: arm[1], version: arm[2], ...(registry ? { registry } : {}) };
  const short = /^azureml:([^:/]+):([^:/]+)$/i.exec(reference);
  return short ? { name: short[1], version: short[2] } : undefined;
}

/** The worst value the candidate may have against this champion value and still pass. */
export function allowedBound(champion: number, direction: Direction, tolerance: Tolerance): number {
  const slack = tolerance.relative ? Math.abs(champion) * tolerance.value : tolerance.value;
  return direction === "higherIsBetter" ? champion - slack : champion + slack;
}

const toleranceText = (t: Tolerance) => (t.relative ? `${metricText(t.value * 100)}%` : metricText(t.value));

interface Champion {
  deployment: string;
  traffic: number;
  model?: ModelRef;
  reading?: MetricReading;
  /** Why no metric could be read for it. */
  unknown?: string;
}

async function readChampion(port: GatePort, settings: ChampionChallengerSettings, deployment: OnlineDeploymentResource | undefined, name: string, traffic: number, signal: AbortSignal): Promise<Champion> {
  const reference = typeof deployment?.properties.model === "string" ? deployment.properties.model : undefined;
  if (!deployment) return { deployment: name, traffic, unknown: `deployment '${name}' takes ${traffic}% of the traffic but was not found` };
  if (!reference) return { deployment: name, traffic, unknown: `deployment '${name}' names no model` };
  const model = parseDeploymentModel(reference);
  if (!model) return { deployment: name, traffic, unknown: `deployment '${name}' serves model '${reference}', which is not a registered model version` };
  if (model.registry) return { deployment: name, traffic, model, unknown: `deployment '${name}' serves ${describeModel(model)} from registry '${model.registry}'; its source job is not in this workspace` };
  const resource = await port.getModelVersion(model.name, model.version, signal);
  if (!resource) return { deployment: name, traffic, model, unknown: `model ${describeModel(model)} of deployment '${name}' was not found in the workspace` };
  const reading = await metricOfVersion(port, model, resource, settings.metric, settings.source, signal);
  return { deployment: name, traffic, model, reading, ...(reading.value === undefined ? { unknown: reading.missing } : {}) };
}

export async function checkChampionChallenger(port: GatePort, settings: ChampionChallengerSettings, signal: AbortSignal): Promise<CheckResult> {
  const { metric, direction, tolerance, endpointName } = settings;
  const candidateName = "model" in settings.candidate ? `model ${describeModel(settings.candidate.model)}` : `job ${settings.candidate.job}`;
  const candidate =
    "model" in settings.candidate
      ? await readModelMetric(port, settings.candidate.model, metric, settings.source, signal, "Inputs modelName and modelVersion")
      : await readJobMetric(port, settings.candidate.job, metric, signal);
  const values: Record<string, unknown> = { candidate: candidateName, candidateValue: candidate.value, candidateFrom: candidate.from, metric, direction, tolerance: toleranceText(tolerance), endpoint: endpointName };
  const result = (verdict: GateVerdict, reasons: string[], rows: ComparisonRow[]): CheckResult => ({ check: "championChallenger", verdict, reasons, rows, values });

  const endpoint = await port.getEndpoint(endpointName, signal);
  const traffic = Object.entries(endpoint?.properties.traffic ?? {}).filter(([, weight]) => weight > 0);
  if (!endpoint || !traffic.length) {
    const note = !endpoint ? `endpoint '${endpointName}' does not exist yet` : `endpoint '${endpointName}' takes no traffic yet`;
    values.champions = [];
    const candidateText = candidate.value === undefined ? `${candidateName} (${metric} unknown: ${candidate.missing})` : `${candidateName} (${metric} ${metricText(candidate.value)} from ${candidate.from})`;
    return result("pass", [`No champion: ${note}, so ${candidateText} has nothing to beat (passes with a note)`], [{ measure: `${metric} (${candidateName})`, actual: candidate.value === undefined ? "–" : metricText(candidate.value), expected: "no champion", verdict: "pass" }]);
  }
  const most = Math.max(...traffic.map(([, weight]) => weight));
  const top = traffic.filter(([, weight]) => weight === most).map(([name]) => name);
  const deployments = await port.listDeployments(endpointName, signal);
  const champions: Champion[] = [];
  for (const name of top) {
    champions.push(await readChampion(port, settings, deployments.find((d) => d.name.toLowerCase() === name.toLowerCase()), name, most, signal));
  }
  values.champions = champions.map((c) => ({ deployment: c.deployment, traffic: c.traffic, model: c.model && describeModel(c.model), value: c.reading?.value, from: c.reading?.from }));

  if (candidate.value === undefined) {
    return result("inconclusive", [`${metric} of ${candidateName} could not be read: ${candidate.missing}`], [{ measure: `${metric} (${candidateName})`, actual: "–", expected: "–", verdict: "inconclusive" }]);
  }
  const reasons: string[] = [];
  const rows: ComparisonRow[] = [];
  for (const champion of champions) {
    const who = `champion ${champion.model ? describeModel(champion.model) : "?"} (deployment '${champion.deployment}', ${champion.traffic}% of traffic${champion.reading ? `, from ${champion.reading.from}` : ""})`;
    if (champion.reading?.value === undefined) {
      reasons.push(`${metric} of the ${who} could not be read: ${champion.unknown}`);
      rows.push({ measure: `${metric}: ${candidateName} vs ${who}`, actual: metricText(candidate.value), expected: "–", verdict: "inconclusive" });
      continue;
    }
    const same = champion.model && "model" in settings.candidate && describeModel(champion.model).toLowerCase() === describeModel(settings.candidate.model).toLowerCase();
    const bound = allowedBound(champion.reading.value, direction, tolerance);
    const verdict: GateVerdict = same || meets(candidate.value, bound, direction) ? "pass" : "fail";
    const comparison = `${metric} ${metricText(candidate.value)} of ${candidateName} (from ${candidate.from}) against ${metricText(champion.reading.value)} of the ${who}`;
    reasons.push(same ? `${candidateName} already serves the traffic (${comparison})` : `${comparison}: ${verdict === "pass" ? "within" : "worse than"} the tolerance ${toleranceText(tolerance)} (${direction}: needs ${comparator(direction)} ${metricText(bound)})`);
    rows.push({ measure: `${metric}: ${candidateName} vs ${who}`, actual: metricText(candidate.value), expected: `${comparator(direction)} ${metricText(bound)} (champion ${metricText(champion.reading.value)}, tolerance ${toleranceText(tolerance)})`, verdict });
  }
  return result(worstVerdict(rows.map((r) => r.verdict)), reasons, rows);
}
