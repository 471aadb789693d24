// The AzureMLDeploy@1 inputs, read and checked once, before anything touches Azure; each error names its input.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { isSupportedJsonPath, JSON_PATH_HELP } from "../workspace/jsonPath";

export type TrafficAfterDeploy = "none" | "all";
export type OnFailure = "keep" | "delete";

export interface SmokeTestInputs {
  requestFile: string;
  expectStatus: number;
  /** A JSONPath like $.predictions[0] or $[0]; with expectValue, the answer's value there must equal it. */
  expectJsonPath?: string;
  expectValue?: string;
}

export interface DeployInputs {
  connectionId: string;
  resourceGroup: string;
  workspaceName: string;
  endpointFile?: string;
  endpointName?: string;
  deploymentFile: string;
  overrides?: string;
  model?: string;
  trafficAfterDeploy: TrafficAfterDeploy;
  smokeTest?: SmokeTestInputs;
  /** 0: no limit. */
  timeoutMinutes: number;
  onFailure: OnFailure;
  dryRun: boolean;
}

function oneOf<T extends string>(host: TaskHost, name: string, allowed: readonly T[], fallback: T): T {
  const value = host.getInput(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UserError(`Input ${name}: '${value}' is not one of ${allowed.join(", ")}.`);
  return value as T;
}

function minutes(host: TaskHost): number {
  const text = host.getInput("timeoutMinutes") ?? "30";
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new UserError(`Input timeoutMinutes: '${text}' is not a number of minutes (0 waits without limit).`);
  return value;
}

function readSmokeTest(host: TaskHost): SmokeTestInputs | undefined {
  const requestFile = host.getPathInput("smokeTestFile");
  const expectJsonPath = host.getInput("expectJsonPath");
  const expectValue = host.getInput("expectValue");
  if (!requestFile) {
    if (expectJsonPath || expectValue) throw new UserError("Input smokeTestFile: required when expectJsonPath or expectValue is given (the request body to send).");
    return undefined;
  }
  if (expectValue !== undefined && !expectJsonPath) throw new UserError("Input expectJsonPath: required with expectValue (where in the answer to look, e.g. $.predictions[0]).");
  if (expectJsonPath && !isSupportedJsonPath(expectJsonPath)) {
    throw new UserError(`Input expectJsonPath: '${expectJsonPath}' is not a supported JSONPath; ${JSON_PATH_HELP}.`);
  }
  const statusText = host.getInput("expectStatus") ?? "200";
  const expectStatus = Number(statusText);
  if (!Number.isInteger(expectStatus) || expectStatus < 100 || expectStatus > 599) throw new UserError(`Input expectStatus: '${statusText}' is not an HTTP status code.`);
  return { requestFile, expectStatus, expectJsonPath, expectValue };
}

export function readDeployInputs(host: TaskHost): DeployInputs {
  const endpointFile = host.getPathInput("endpointFile");
  const endpointName = host.getInput("endpointName");
  return {
    connectionId: host.getInput("azureSubscription", true),
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    endpointFile,
    endpointName,
    deploymentFile: host.getPathInput("deploymentFile", true),
    overrides: host.getInput("overrides"),
    model: host.getInput("model"),
    trafficAfterDeploy: oneOf(host, "trafficAfterDeploy", ["none", "all"] as const, "none"),
    smokeTest: readSmokeTest(host),
    timeoutMinutes: minutes(host),
    onFailure: oneOf(host, "onFailure", ["keep", "delete"] as const, "keep"),
    dryRun: host.getBoolInput("dryRun", false),
  };
}
