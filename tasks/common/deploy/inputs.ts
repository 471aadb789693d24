// The AzureMLDeploy@1 inputs, read and checked once, before anything touches Azure; each error names its input.
import { fileFamily, type Family } from "../deploySpec";
import { readPickList } from "../platform/declaredInputs";
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
  /** Online or batch, from the deployment file ($schema, type, or batch-only fields). */
  family: Family;
  overrides?: string;
  model?: string;
  trafficAfterDeploy: TrafficAfterDeploy;
  smokeTest?: SmokeTestInputs;
  /** 0: no limit. */
  timeoutMinutes: number;
  onFailure: OnFailure;
  dryRun: boolean;
  /** Batch only: make the deployment the endpoint's default after its smoke invocation passed. */
  setDefault: boolean;
  /** Batch only: what the smoke invocation scores (a local path, azureml:<data>:<version> or a URI). */
  smokeTestInput?: string;
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

function readBatchSmokeTest(host: TaskHost): Pick<DeployInputs, "setDefault" | "smokeTestInput"> {
  const setDefault = host.getBoolInput("setDefault", false);
  const smokeTestInput = host.getInput("smokeTestInput")?.trim() || undefined;
  if (setDefault && !smokeTestInput) {
    throw new UserError("Input smokeTestInput: required with setDefault (a small input the new batch deployment must score before it becomes the default: a local file or folder, azureml:<data>:<version> or a URI).");
  }
  return { setDefault, ...(smokeTestInput ? { smokeTestInput } : {}) };
}

/** Inputs of one family are refused for the other's files, naming what to use instead. */
function checkFamilyInputs(inputs: DeployInputs): void {
  if (inputs.family === "batch") {
    if (inputs.trafficAfterDeploy === "all") throw new UserError("Input trafficAfterDeploy: batch endpoints have no traffic; use setDefault (with smokeTestInput) to make the new deployment the endpoint's default.");
    if (inputs.smokeTest) throw new UserError("Input smokeTestFile: a batch deployment is smoke-tested by invoking it on data; give smokeTestInput (a local file or folder, azureml:<data>:<version> or a URI) instead.");
  } else if (inputs.setDefault || inputs.smokeTestInput) {
    throw new UserError(`Input ${inputs.setDefault ? "setDefault" : "smokeTestInput"}: only for batch deployments; ${inputs.deploymentFile} is an online deployment file (online deployments are smoke-tested with smokeTestFile and get traffic with trafficAfterDeploy or a rollout).`);
  }
}

export function readDeployInputs(host: TaskHost): DeployInputs {
  const endpointFile = host.getPathInput("endpointFile");
  const endpointName = host.getInput("endpointName");
  const deploymentFile = host.getPathInput("deploymentFile", true);
  const inputs: DeployInputs = {
    connectionId: host.getInput("azureSubscription", true),
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    endpointFile,
    endpointName,
    deploymentFile,
    family: fileFamily(deploymentFile, "deployment"),
    overrides: host.getInput("overrides"),
    model: host.getInput("model"),
    trafficAfterDeploy: readPickList(host, "trafficAfterDeploy", ["none", "all"] as const, "none"),
    smokeTest: readSmokeTest(host),
    timeoutMinutes: minutes(host),
    onFailure: readPickList(host, "onFailure", ["keep", "delete"] as const, "keep"),
    dryRun: host.getBoolInput("dryRun", false),
    ...readBatchSmokeTest(host),
  };
  checkFamilyInputs(inputs);
  return inputs;
}
