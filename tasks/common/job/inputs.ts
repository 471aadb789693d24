// The AzureMLJob@1 inputs, read and checked once, with errors that name the input and line.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { checkName, parseKeyValues } from "../workspace/inputRules";

export interface JobTaskInputs {
  resourceGroup: string;
  workspaceName: string;
  jobFile: string;
  overrides?: string;
  experimentName?: string;
  jobName?: string;
  displayName?: string;
  tags: Record<string, string>;
  wait: boolean;
  streamLogs: boolean;
  /** 0: no limit. */
  timeoutMinutes: number;
  cancelJobOnStop: boolean;
  failOnJobFailure: boolean;
  dryRun: boolean;
}

export function readJobTaskInputs(host: TaskHost): JobTaskInputs {
  const jobName = host.getInput("jobName");
  if (jobName) checkName("job", "jobName", jobName);
  const experimentName = host.getInput("experimentName");
  if (experimentName) checkName("experiment", "experimentName", experimentName);
  const timeoutText = host.getInput("timeoutMinutes") ?? "0";
  const timeoutMinutes = Number(timeoutText);
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes < 0) {
    throw new UserError(`Input timeoutMinutes: '${timeoutText}' is not a number of minutes (0 waits without limit).`);
  }
  return {
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    jobFile: host.getPathInput("jobFile", true),
    overrides: host.getInput("overrides"),
    experimentName,
    jobName,
    displayName: host.getInput("displayName"),
    tags: parseKeyValues("tags", host.getInput("tags")),
    wait: host.getBoolInput("wait", true),
    streamLogs: host.getBoolInput("streamLogs", true),
    timeoutMinutes,
    cancelJobOnStop: host.getBoolInput("cancelJobOnStop", true),
    failOnJobFailure: host.getBoolInput("failOnJobFailure", true),
    dryRun: host.getBoolInput("dryRun", false),
  };
}
