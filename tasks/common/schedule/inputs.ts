// The AzureMLSchedule@1 inputs, read and checked once; every bad value is a UserError naming the input.
import * as fs from "node:fs";
import { readPickList } from "../platform/declaredInputs";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { JOB_NAME, parseKeyValues, parseNumberInput } from "../workspace/inputRules";

export const SCHEDULE_ACTIONS = ["createOrUpdate", "enable", "disable", "delete", "show"] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/** Run times listed by default: a week of a daily schedule. */
export const DEFAULT_NEXT_RUN_COUNT = 5;
const MAX_NEXT_RUN_COUNT = 100;

export interface ScheduleInputs {
  resourceGroup: string;
  workspaceName: string;
  action: ScheduleAction;
  /** The az ml schedule YAML (createOrUpdate). */
  scheduleFile?: string;
  /** The schedule's name: required except for createOrUpdate, where it overrides the file's name. */
  scheduleName?: string;
  /** Merged over the file's tags (createOrUpdate). */
  tags: Record<string, string>;
  /** createOrUpdate leaves the schedule enabled (true) or disabled (false). */
  enabled: boolean;
  nextRunCount: number;
  dryRun: boolean;
}

export function readScheduleInputs(host: TaskHost): ScheduleInputs {
  const action = readPickList(host, "action", SCHEDULE_ACTIONS, "createOrUpdate");
  const scheduleName = host.getInput("scheduleName");
  if (scheduleName !== undefined && !JOB_NAME.test(scheduleName)) {
    throw new UserError(`Input scheduleName: '${scheduleName}' is not a valid schedule name: use letters, digits, '-' and '_', starting with a letter or digit, at most 255 characters.`);
  }
  let scheduleFile: string | undefined;
  if (action === "createOrUpdate") {
    scheduleFile = host.getPathInput("scheduleFile");
    if (!scheduleFile) throw new UserError("Input scheduleFile is required for action createOrUpdate: the schedule YAML file `az ml schedule create --file` takes.");
    if (fs.statSync(scheduleFile, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UserError(`Input scheduleFile: '${scheduleFile}' is a folder. Give the path of the schedule YAML file.`);
    }
  } else if (!scheduleName) {
    throw new UserError(`Input scheduleName is required for action ${action}: the name of the schedule in the workspace.`);
  }
  const nextRunCount = parseNumberInput("nextRunCount", host.getInput("nextRunCount"), { min: 0, max: MAX_NEXT_RUN_COUNT, whole: true }) ?? DEFAULT_NEXT_RUN_COUNT;
  return {
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    action,
    scheduleFile,
    scheduleName,
    tags: parseKeyValues("tags", host.getInput("tags")),
    enabled: host.getBoolInput("enabled", true),
    nextRunCount,
    dryRun: host.getBoolInput("dryRun", false),
  };
}
