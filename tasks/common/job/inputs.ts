// The AzureMLJob@1 inputs, read and checked once, with errors that name the input and line.
import * as fs from "node:fs";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { checkName, parseKeyValues } from "../workspace/inputRules";

/** How long a job may stay Paused, NotResponding or Unknown by default: long enough for Azure ML to recover a node. */
export const DEFAULT_STALLED_MINUTES = 30;

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
  /** Minutes the job may stay Paused, NotResponding or Unknown before the step fails (timeoutMinutes 0 included). */
  stalledMinutes: number;
  cancelJobOnStop: boolean;
  failOnJobFailure: boolean;
  dryRun: boolean;
}

/** The job file input, which must name a file: a folder (the repository's, say) is the user's mistake to fix. */
function readJobFile(host: TaskHost): string {
  const jobFile = host.getPathInput("jobFile", true);
  if (fs.statSync(jobFile, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(`Input jobFile: '${jobFile}' is a folder. Give the path of the job YAML file (for example ${jobFile.replace(/[\\/]+$/, "")}/job.yml).`);
  }
  return jobFile;
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
  const stalledText = host.getInput("stalledMinutes") ?? String(DEFAULT_STALLED_MINUTES);
  const stalledMinutes = Number(stalledText);
  if (!Number.isFinite(stalledMinutes) || stalledMinutes <= 0) {
    throw new UserError(`Input stalledMinutes: '${stalledText}' is not a positive number of minutes.`);
  }
  return {
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    jobFile: readJobFile(host),
    overrides: host.getInput("overrides"),
    experimentName,
    jobName,
    displayName: host.getInput("displayName"),
    tags: parseKeyValues("tags", host.getInput("tags")),
    wait: host.getBoolInput("wait", true),
    streamLogs: host.getBoolInput("streamLogs", true),
    timeoutMinutes,
    stalledMinutes,
    cancelJobOnStop: host.getBoolInput("cancelJobOnStop", true),
    failOnJobFailure: host.getBoolInput("failOnJobFailure", true),
    dryRun: host.getBoolInput("dryRun", false),
  };
}
