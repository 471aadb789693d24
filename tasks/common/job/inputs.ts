// The AzureMLJob@1 inputs, read and checked once, with errors that name the input and line.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";

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

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

/** Multiline key=value text (blank lines and # comments skipped); the last value of a key wins. */
export function parseKeyValueLines(text: string | undefined, inputName: string): Record<string, string> {
  const result: Record<string, string> = {};
  (text ?? "").split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const equals = line.indexOf("=");
    const key = equals > 0 ? line.slice(0, equals).trim() : "";
    if (!key) throw new UserError(`Input ${inputName}, line ${index + 1}: expected key=value, got '${line}'.`);
    result[key] = line.slice(equals + 1).trim();
  });
  return result;
}

export function readJobTaskInputs(host: TaskHost): JobTaskInputs {
  const jobName = host.getInput("jobName");
  if (jobName && !JOB_NAME.test(jobName)) {
    throw new UserError(`Input jobName: '${jobName}' is not a valid Azure ML job name: use letters, digits, '-' and '_', starting with a letter or digit, at most 255 characters.`);
  }
  const experimentName = host.getInput("experimentName");
  if (experimentName && !EXPERIMENT_NAME.test(experimentName)) {
    throw new UserError(`Input experimentName: '${experimentName}' is not a valid experiment name: use letters, digits, '.', '-' and '_', starting with a letter or digit.`);
  }
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
    tags: parseKeyValueLines(host.getInput("tags"), "tags"),
    wait: host.getBoolInput("wait", true),
    streamLogs: host.getBoolInput("streamLogs", true),
    timeoutMinutes,
    cancelJobOnStop: host.getBoolInput("cancelJobOnStop", true),
    failOnJobFailure: host.getBoolInput("failOnJobFailure", true),
    dryRun: host.getBoolInput("dryRun", false),
  };
}
