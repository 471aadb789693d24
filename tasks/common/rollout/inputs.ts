// AzureMLRollout@1's inputs as a typed request, checked before anything touches Azure.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { parseNumberInput } from "../workspace/inputRules";
import { readPickList } from "../platform/declaredInputs";
import { type AnalysisSettings, DEFAULT_ANALYSIS, type InconclusivePolicy } from "./analysis";
import type { AfterPromotionPolicy } from "./afterPromotion";
import { type CustomCheck, parseJsonExpression } from "./customCheck";
import type { RolloutAction, RolloutRequest } from "./rollout";
import { linearSteps, parseSteps, type StepPlan } from "./stepPlan";

/** Load sent to the endpoint during each analysis window (for endpoints with too little traffic to judge). */
export interface LoadTestInputs {
  /** The request body's file (the deploy task's smokeTestFile works as it is). */
  requestFile: string;
  ratePerSecond: number;
  maxConcurrency: number;
}

export interface RolloutInputs {
  connectionId: string;
  resourceGroup: string;
  workspaceName: string;
  endpointName: string;
  request: RolloutRequest;
  customCheck?: CustomCheck;
  loadTest?: LoadTestInputs;
  afterPromotion: AfterPromotionPolicy;
}

const ACTIONS: readonly RolloutAction[] = ["start", "step", "promote", "abort", "resume"];

function number(host: TaskHost, name: string, fallback: number | undefined, min: number, max = Infinity, whole = false): number | undefined {
  return parseNumberInput(name, host.getInput(name), { min, max, whole, percent: true }) ?? fallback;
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

function readCustomCheck(host: TaskHost): CustomCheck | undefined {
  const kind = readPickList(host, "customCheck", ["none", "http", "command"] as const, "none");
  const timeoutMs = number(host, "customCheckTimeoutSeconds", 60, 1)! * 1000;
  if (kind === "none") {
    const stray = ["customCheckUrl", "customCheckExpression", "customCheckCommand"].find((name) => host.getInput(name));
    if (stray) throw new UserError(`Input ${stray} is set but customCheck is none: set customCheck to http or command`);
    return undefined;
  }
  if (kind === "command") return { kind, command: host.getInput("customCheckCommand", true), timeoutMs };
  const url = host.getInput("customCheckUrl", true);
  if (!/^https?:\/\/[^\s/]+/i.test(url)) throw new UserError(`Input customCheckUrl: '${url}' is not an http(s) URL`);
  const body = host.getInput("customCheckBody");
  const chosen = readPickList(host, "customCheckMethod", ["auto", "GET", "POST"] as const, "auto");
  const method = chosen === "auto" ? (body ? "POST" : "GET") : chosen;
  if (body && method === "GET") throw new UserError("Input customCheckBody: a GET request has no body; set customCheckMethod to POST");
  return { kind, url, method, body, expression: parseJsonExpression(host.getInput("customCheckExpression", true), "customCheckExpression"), timeoutMs };
}

function readLoadTest(host: TaskHost): LoadTestInputs | undefined {
  const ratePerSecond = number(host, "loadTestRate", undefined, 0.01, 1000);
  const requestFile = host.getPathInput("loadTestFile");
  if (ratePerSecond === undefined) {
    if (requestFile) throw new UserError("Input loadTestRate: required with loadTestFile (requests per second, e.g. 5)");
    return undefined;
  }
  if (!requestFile) throw new UserError("Input loadTestFile: required with loadTestRate (the request body to send, e.g. the deploy task's smokeTestFile)");
  return { requestFile, ratePerSecond, maxConcurrency: number(host, "loadTestConcurrency", 10, 1, 1000, true)! };
}

export function readRolloutInputs(host: TaskHost): RolloutInputs {
  // The required inputs first, as the agent's input checks would: a missing one is named before any other complaint.
  const connectionId = host.getInput("azureSubscription", true);
  const resourceGroup = host.getInput("resourceGroupName", true);
  const workspaceName = host.getInput("workspaceName", true);
  const endpointName = host.getInput("endpointName", true);
  const deployment = host.getInput("deploymentName", true);
  const action = readPickList(host, "action", ACTIONS, "start");
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
    inconclusivePolicy: readPickList<InconclusivePolicy>(host, "inconclusivePolicy", ["fail", "pause", "pass"], "fail"),
  };
  const timeoutMinutes = number(host, "timeoutMinutes", 0, 0)!;
  return {
    connectionId,
    resourceGroup,
    workspaceName,
    endpointName,
    customCheck: action === "start" || action === "resume" ? readCustomCheck(host) : undefined,
    loadTest: action === "start" || action === "resume" ? readLoadTest(host) : undefined,
    afterPromotion: action === "abort" ? { action: "keep", delayMs: 0 } : { action: readPickList(host, "afterPromotion", ["keep", "scaleDown", "delete"] as const, "keep"), delayMs: number(host, "afterPromotionDelayMinutes", 0, 0)! * 60_000 },
    request: {
      action,
      deployment,
      plan,
      weight: action === "step" ? readWeight(host) : undefined,
      analysis,
      onFailure: readPickList(host, "onFailure", ["rollback", "pause"] as const, "rollback"),
      lookIntervalMs: 60_000,
      metricDelayMs: number(host, "metricDelayMinutes", 3, 0)! * 60_000,
      ...(timeoutMinutes > 0 ? { timeoutMs: timeoutMinutes * 60_000 } : {}),
    },
  };
}
