// AzureMLRollout@1's inputs as a typed request, checked before anything touches Azure.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { type AnalysisSettings, DEFAULT_ANALYSIS, type InconclusivePolicy } from "./analysis";
import type { RolloutAction, RolloutRequest } from "./rollout";
import { linearSteps, parseSteps, type StepPlan } from "./stepPlan";

export interface RolloutInputs {
  connectionId: string;
  resourceGroup: string;
  workspaceName: string;
  endpointName: string;
  request: RolloutRequest;
}

const ACTIONS: readonly RolloutAction[] = ["start", "step", "promote", "abort", "resume"];

function choice<T extends string>(host: TaskHost, name: string, options: readonly T[], fallback: T): T {
  const value = (host.getInput(name) ?? fallback) as T;
  if (!options.includes(value)) throw new UserError(`Input ${name}: '${value}' is not one of ${options.join(", ")}`);
  return value;
}

function number(host: TaskHost, name: string, fallback: number | undefined, min: number, max = Infinity, whole = false): number | undefined {
  const text = host.getInput(name);
  if (text === undefined) return fallback;
  const value = Number(text.replace(/%$/, ""));
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new UserError(`Input ${name}: '${text}' must be ${whole ? "a whole number" : "a number"} from ${min}${max === Infinity ? " up" : ` to ${max}`}`);
  }
  return value;
}

function readWeight(host: TaskHost): number {
  const weight = number(host, "weight", undefined, 0, 100, true);
  if (weight === undefined) throw new UserError("Input weight is required for action step, e.g. weight: $(strategy.increment)");
  return weight;
}

function readPlan(host: TaskHost): StepPlan | undefined {
  const steps = host.getInput("steps");
  const stepWeight = number(host, "stepWeight", undefined, 1, 100, true);
  if (steps && stepWeight !== undefined) throw new UserError("Inputs steps and stepWeight are both set: use one way to give the plan");
  if (steps) return parseSteps(steps, "steps");
  if (stepWeight === undefined) return undefined;
  return linearSteps(stepWeight, number(host, "maxWeight", 50, 1, 100, true)!, host.getInput("interval") ?? "10m");
}

export function readRolloutInputs(host: TaskHost): RolloutInputs {
  // The required inputs first, as the agent's input checks would: a missing one is named before any other complaint.
  const connectionId = host.getInput("azureSubscription", true);
  const resourceGroup = host.getInput("resourceGroupName", true);
  const workspaceName = host.getInput("workspaceName", true);
  const endpointName = host.getInput("endpointName", true);
  const deployment = host.getInput("deploymentName", true);
  const action = choice(host, "action", ACTIONS, "start");
  const plan = action === "start" || action === "resume" ? readPlan(host) : undefined;
  if ((action === "start" || action === "resume") && !plan) throw new UserError(`Input steps (or stepWeight, maxWeight and interval) is required for action ${action}, e.g. 'mirror 20 for 10m; 10 for 15m; 50 for 15m; 100'`);
  const maxErrorPercent = number(host, "maxErrorRate", undefined, 0, 100);
  const analysis: AnalysisSettings = {
    ...DEFAULT_ANALYSIS,
    minRequests: number(host, "minRequests", DEFAULT_ANALYSIS.minRequests, 1, Infinity, true)!,
    maxErrorRate: maxErrorPercent === undefined ? undefined : maxErrorPercent / 100,
    maxLatencyP95Ms: number(host, "maxLatencyP95Ms", undefined, 1),
    compareWithStable: host.getBoolInput("compareWithStable", true),
    confidence: number(host, "confidence", 95, 50, 99.99)! / 100,
    failureLimit: number(host, "failureLimit", 0, 0, Infinity, true)!,
    inconclusivePolicy: choice<InconclusivePolicy>(host, "inconclusivePolicy", ["fail", "pause", "pass"], "fail"),
  };
  const timeoutMinutes = number(host, "timeoutMinutes", 0, 0)!;
  return {
    connectionId,
    resourceGroup,
    workspaceName,
    endpointName,
    request: {
      action,
      deployment,
      plan,
      weight: action === "step" ? readWeight(host) : undefined,
      analysis,
      onFailure: choice(host, "onFailure", ["rollback", "pause"] as const, "rollback"),
      lookIntervalMs: 60_000,
      metricDelayMs: number(host, "metricDelayMinutes", 3, 0)! * 60_000,
      ...(timeoutMinutes > 0 ? { timeoutMs: timeoutMinutes * 60_000 } : {}),
    },
  };
}
