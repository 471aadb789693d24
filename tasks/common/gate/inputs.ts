// AzureMLGate@1's inputs as typed settings per check, checked before anything touches Azure. Each check's
// inputs are required only when that check is selected; an error names the input and the check needing it.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { checkName, isAssetVersion, type NumberRule, parseNumberInput } from "../workspace/inputRules";
import type { ChampionChallengerSettings, Tolerance } from "./championChallengerCheck";
import type { EndpointHealthSettings } from "./endpointHealthCheck";
import type { LoadTestSettings } from "./loadTestCheck";
import type { ModelMetricSettings } from "./modelMetricCheck";
import type { Direction, MetricSource, ModelRef } from "./modelMetrics";

export const CHECKS = ["modelMetric", "championChallenger", "endpointHealth", "loadTest"] as const;
export type CheckName = (typeof CHECKS)[number];

/** What the step does with an inconclusive verdict: fail it, pass with a warning (SucceededWithIssues), or pass. */
export type InconclusivePolicy = "fail" | "warn" | "pass";

export interface GateInputs {
  connectionId: string;
  resourceGroup: string;
  workspaceName: string;
  checks: CheckName[];
  modelMetric?: ModelMetricSettings;
  championChallenger?: ChampionChallengerSettings;
  endpointHealth?: EndpointHealthSettings;
  loadTest?: LoadTestSettings;
  onInconclusive: InconclusivePolicy;
  failOnGate: boolean;
}

/** The checks input: a multi-select list, or names separated by commas, spaces or new lines. */
export function parseChecks(text: string): CheckName[] {
  const names = text.split(/[\s,;]+/).filter(Boolean);
  const checks: CheckName[] = [];
  for (const name of names) {
    const check = CHECKS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!check) throw new UserError(`Input checks: '${name}' is not a check; use one or more of ${CHECKS.join(", ")}`);
    if (!checks.includes(check)) checks.push(check);
  }
  if (!checks.length) throw new UserError(`Input checks: name at least one of ${CHECKS.join(", ")}`);
  return checks;
}

/** higherIsBetter / lowerIsBetter, or the comparison a value must meet: >= / <=. */
export function parseDirection(text: string | undefined): Direction {
  const value = (text ?? "higherIsBetter").trim();
  if (value === ">=" || value.toLowerCase() === "higherisbetter") return "higherIsBetter";
  if (value === "<=" || value.toLowerCase() === "lowerisbetter") return "lowerIsBetter";
  throw new UserError(`Input direction: '${value}' is not one of higherIsBetter, lowerIsBetter, >=, <=`);
}

/** An absolute amount ("0.01") or a share of the champion's value ("2%"). */
export function parseTolerance(text: string | undefined): Tolerance {
  if (!text) return { value: 0, relative: false };
  const relative = text.trim().endsWith("%");
  const value = parseNumberInput("tolerance", text, { min: 0, percent: relative })!;
  return relative ? { value: value / 100, relative } : { value, relative };
}

export function readGateInputs(host: TaskHost): GateInputs {
  // The required inputs first, as the agent's input checks would: a missing one is named before any other complaint.
  const connectionId = host.getInput("azureSubscription", true);
  const resourceGroup = host.getInput("resourceGroupName", true);
  const workspaceName = host.getInput("workspaceName", true);
  const checks = parseChecks(host.getInput("checks", true));

  const number = (name: string, rule: NumberRule, fallback?: number) => parseNumberInput(name, host.getInput(name), rule) ?? fallback;
  const needed = (name: string, check: CheckName, example: string): string => {
    const value = host.getInput(name);
    if (!value) throw new UserError(`Input ${name} is required for the ${check} check, e.g. ${name}: ${example}`);
    return value;
  };
  const model = (check: CheckName): ModelRef => {
    const name = needed("modelName", check, "churn-model");
    checkName("model", "modelName", name);
    const version = needed("modelVersion", check, "$(registerModel.modelVersion)");
    if (!isAssetVersion(version)) throw new UserError(`Input modelVersion: '${version}' is not a model version (1 to 30 letters, digits, '-', '_' or '.'; not 'latest')`);
    return { name, version };
  };
  const metric = (check: CheckName) => needed("metric", check, "accuracy");
  const source = (host.getInput("metricSource") ?? "auto") as MetricSource;
  const direction = parseDirection(host.getInput("direction"));
  const endpointName = (check: CheckName) => needed("endpointName", check, "churn-endpoint");

  const inputs: GateInputs = {
    connectionId,
    resourceGroup,
    workspaceName,
    checks,
    onInconclusive: (host.getInput("onInconclusive") ?? "fail") as InconclusivePolicy,
    failOnGate: host.getBoolInput("failOnGate", true),
  };
  if (checks.includes("modelMetric")) {
    const threshold = parseNumberInput("threshold", needed("threshold", "modelMetric", "0.85"), { min: -Infinity });
    inputs.modelMetric = { model: model("modelMetric"), metric: metric("modelMetric"), direction, threshold: threshold!, source };
  }
  if (checks.includes("championChallenger")) {
    const job = host.getInput("candidateJob");
    if (job) checkName("job", "candidateJob", job);
    if (job && (host.getInput("modelName") || host.getInput("modelVersion")) && !checks.includes("modelMetric")) {
      throw new UserError("Inputs candidateJob and modelName/modelVersion are both set: the championChallenger candidate is a registered model version or a job, not both");
    }
    inputs.championChallenger = {
      candidate: job ? { job } : { model: model("championChallenger") },
      endpointName: endpointName("championChallenger"),
      metric: metric("championChallenger"),
      direction,
      tolerance: parseTolerance(host.getInput("tolerance")),
      source,
    };
  }
  const maxErrorPercent = number("maxErrorRate", { min: 0, max: 100, percent: true });
  if (checks.includes("endpointHealth")) {
    inputs.endpointHealth = {
      endpointName: endpointName("endpointHealth"),
      windowMinutes: number("windowMinutes", { min: 1, max: 24 * 60 }, 15)!,
      metricDelayMs: number("metricDelayMinutes", { min: 0, max: 60 }, 3)! * 60_000,
      guardrails: {
        minRequests: number("minRequests", { min: 1, whole: true }, 100)!,
        maxErrorRate: maxErrorPercent === undefined ? undefined : maxErrorPercent / 100,
        maxLatencyP95Ms: number("maxLatencyP95Ms", { min: 1 }),
      },
      missingEndpoint: (host.getInput("missingEndpoint") ?? "fail") as "fail" | "pass",
    };
  }
  if (checks.includes("loadTest")) {
    const loadMaxErrorPercent = number("loadMaxErrorRate", { min: 0, max: 100, percent: true }, 1)!;
    inputs.loadTest = {
      endpointName: endpointName("loadTest"),
      deploymentName: needed("deploymentName", "loadTest", "green"),
      requestFile: host.getPathInput("requestFile") ?? needed("requestFile", "loadTest", "tests/sample-request.json"),
      ratePerSecond: number("loadRate", { min: 0.1, max: 1000 }, 10)!,
      concurrency: number("loadConcurrency", { min: 1, max: 256, whole: true }, 8)!,
      durationMs: number("loadDurationSeconds", { min: 1, max: 3600 }, 60)! * 1000,
      limits: {
        maxP50Ms: number("loadMaxP50Ms", { min: 1 }),
        maxP95Ms: number("loadMaxP95Ms", { min: 1 }),
        maxP99Ms: number("loadMaxP99Ms", { min: 1 }),
        maxErrorRate: loadMaxErrorPercent / 100,
        minThroughput: number("loadMinThroughput", { min: 0 }),
        minRequests: number("minRequests", { min: 1, whole: true }, 100)!,
      },
    };
  }
  return inputs;
}
