// The AzureMLJob@1 inputs, read and checked once, with errors that name the input and line.
import * as fs from "node:fs";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { checkName, parseKeyValues } from "../workspace/inputRules";
import { readJobWaitInputs, type JobWaitInputs } from "../workspace/jobWait/waitInputs";

export interface JobTaskInputs extends JobWaitInputs {
  resourceGroup: string;
  workspaceName: string;
  jobFile: string;
  overrides?: string;
  experimentName?: string;
  jobName?: string;
  displayName?: string;
  tags: Record<string, string>;
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
  return {
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    jobFile: readJobFile(host),
    overrides: host.getInput("overrides"),
    experimentName,
    jobName,
    displayName: host.getInput("displayName"),
    tags: parseKeyValues("tags", host.getInput("tags")),
    ...readJobWaitInputs(host),
    dryRun: host.getBoolInput("dryRun", false),
  };
}
