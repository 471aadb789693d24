// The AzureMLCompute task's inputs, read and checked: every bad value is a UserError naming the input.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { parseNumberInput } from "../workspace/inputRules";
import { readPickList } from "../platform/declaredInputs";

export const COMPUTE_ACTIONS = ["check", "ensure", "start", "stop"] as const;
export type ComputeAction = (typeof COMPUTE_ACTIONS)[number];
export type OnUnavailable = "fail" | "warn";

export interface ComputeInputs {
  resourceGroup: string;
  workspaceName: string;
  /** Undefined: serverless, unless the spec file names the compute. */
  computeName?: string;
  action: ComputeAction;
  specFile?: string;
  requiredNodes: number;
  waitMinutes: number;
  onUnavailable: OnUnavailable;
}

function number(host: TaskHost, name: string, fallback: number, minimum: number, integer: boolean): number {
  return parseNumberInput(name, host.getInput(name), { min: minimum, whole: integer }) ?? fallback;
}

export function readComputeInputs(host: TaskHost): ComputeInputs {
  const action = readPickList(host, "action", COMPUTE_ACTIONS, "check");
  const specFile = host.getPathInput("specFile");
  const computeName = host.getInput("computeName");
  if (action === "ensure" && !specFile) {
    throw new UserError("Input specFile is required for action ensure: the az ml compute YAML file describing the compute to create or update.");
  }
  if ((action === "start" || action === "stop") && !computeName) {
    throw new UserError(`Input computeName is required for action ${action}: the compute instance to ${action}.`);
  }
  return {
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    computeName,
    action,
    specFile: action === "ensure" ? specFile : undefined,
    requiredNodes: number(host, "requiredNodes", 1, 1, true),
    waitMinutes: number(host, "waitMinutes", 10, 0, false),
    onUnavailable: readPickList(host, "onUnavailable", ["fail", "warn"] as const, "fail"),
  };
}
