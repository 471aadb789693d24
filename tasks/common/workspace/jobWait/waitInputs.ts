// The inputs of every task that waits for an Azure ML job (AzureMLJob@1, AzureMLBatchScore@1), read and
// checked once, with errors that name the input.
import type { TaskHost } from "../../platform/taskHost";
import { UserError } from "../../platform/userError";

/** How long a job may stay Paused, NotResponding or Unknown by default: long enough for Azure ML to recover a node. */
export const DEFAULT_STALLED_MINUTES = 30;

export interface JobWaitInputs {
  wait: boolean;
  streamLogs: boolean;
  /** 0: no limit. */
  timeoutMinutes: number;
  /** Minutes the job may stay Paused, NotResponding or Unknown before the step fails (timeoutMinutes 0 included). */
  stalledMinutes: number;
  cancelJobOnStop: boolean;
  failOnJobFailure: boolean;
}

export function readJobWaitInputs(host: TaskHost): JobWaitInputs {
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
    wait: host.getBoolInput("wait", true),
    streamLogs: host.getBoolInput("streamLogs", true),
    timeoutMinutes,
    stalledMinutes,
    cancelJobOnStop: host.getBoolInput("cancelJobOnStop", true),
    failOnJobFailure: host.getBoolInput("failOnJobFailure", true),
  };
}
