// What a task does around the wait for an Azure ML job it started (AzureMLJob@1's submission, AzureMLBatchScore@1's
// invocation): live logs, the timeout's cancel, cancelling the job when the step is cancelled, and the step's
// result from the job's end. One piece of code so that every such task waits, cancels and fails alike.
import type { TaskHost } from "../../platform/taskHost";
import { errorMessage } from "../../platform/userError";
import type { RunHistoryApi } from "../runHistory";
import type { WorkspaceApi } from "../workspaceApi";
import { LogStreamer } from "./logStreamer";
import type { JobWaitInputs } from "./waitInputs";
import { waitForJob, type WaitOutcome } from "./waitForJob";

/**
 * Longest wait for the answer to a cancel: when the step itself is being cancelled this stays well inside the
 * agent's window (SIGINT to SIGTERM is 7.5 s), so there is time left to tell the user the job may still be running.
 */
export const CANCEL_ON_STOP_MS = 5_000;

/**
 * Cancels the job, saying what happened: requested, no such job (a cancel before the submission reached Azure
 * ML), or not reachable, in which case the job may still be running and the user gets its name and page.
 */
export async function cancelJob(host: TaskHost, api: WorkspaceApi, jobName: string, studioUrl: string, signal: AbortSignal, why: string): Promise<void> {
  host.log(`${why}: cancelling Azure ML job '${jobName}'.`);
  let found: boolean;
  try {
    found = await api.cancelJob(jobName, AbortSignal.any([signal, AbortSignal.timeout(CANCEL_ON_STOP_MS)]));
  } catch (error) {
    const reason = signal.aborted || (error as Error).name === "AbortError" || (error as Error).name === "TimeoutError" ? `no answer within ${CANCEL_ON_STOP_MS / 1000} s` : errorMessage(error);
    host.warning(`Could not cancel Azure ML job '${jobName}' (${reason}). The job may still be running: cancel it in Azure ML studio: ${studioUrl}`);
    return;
  }
  host.log(found ? `Cancellation of job '${jobName}' requested.` : `Azure ML has no job '${jobName}' (it was never created): nothing to cancel.`);
}

export interface JobSupervision {
  host: TaskHost;
  api: WorkspaceApi;
  runHistory: RunHistoryApi;
  jobName: string;
  /** The job's type as run history's log layout knows it (command, pipeline, sweep). */
  jobType: string;
  inputs: JobWaitInputs;
  studioUrl: string;
  /** The step's cancellation. */
  signal: AbortSignal;
  /** Called when the wait ends, before a timed-out job is cancelled (the step's cancel hook is no longer needed). */
  waitEnded?: () => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Waits for the job with live logs (when streamLogs); a job still running at timeoutMinutes is cancelled when cancelJobOnStop. */
export async function superviseJob(supervision: JobSupervision): Promise<WaitOutcome> {
  const { host, api, jobName, inputs } = supervision;
  const streamer = inputs.streamLogs ? new LogStreamer(supervision.runHistory, supervision.jobType, (line) => host.log(line)) : undefined;
  const outcome = await waitForJob({
    api, jobName, signal: supervision.signal, timeoutMs: inputs.timeoutMinutes * 60_000, stalledLimitMs: inputs.stalledMinutes * 60_000, streamer,
    log: (m) => host.log(m), debug: (m) => host.debug(m), now: supervision.now, sleep: supervision.sleep,
  });
  supervision.waitEnded?.();
  if (outcome.timedOut && inputs.cancelJobOnStop) {
    await cancelJob(host, api, jobName, supervision.studioUrl, new AbortController().signal, `No result after ${inputs.timeoutMinutes} minute(s) (timeoutMinutes)`);
  }
  return outcome;
}

/** The run-history error of a failed job, for the failure message (best effort). */
export async function failureReason(runHistory: RunHistoryApi, jobName: string): Promise<string> {
  try {
    const error = (await runHistory.details(jobName))?.error?.error;
    return error?.message ? ` ${error.code ? `${error.code}: ` : ""}${error.message}` : "";
  } catch {
    return "";
  }
}

/** The step's result from how the wait ended: timed out, stalled, completed, or failed (a warning when failOnJobFailure is false). */
export async function reportJobOutcome(host: TaskHost, runHistory: RunHistoryApi, jobName: string, inputs: JobWaitInputs, outcome: WaitOutcome, studioUrl: string): Promise<void> {
  if (outcome.timedOut) {
    host.setResult("Failed", `Azure ML job '${jobName}' did not finish within ${inputs.timeoutMinutes} minute(s) (timeoutMinutes; status ${outcome.status})${inputs.cancelJobOnStop ? " and was cancelled" : "; it keeps running"}.`);
    return;
  }
  if (outcome.stalled) {
    host.setResult("Failed", `Azure ML job '${jobName}' stayed ${outcome.status} for ${inputs.stalledMinutes} minute(s) (stalledMinutes) and the step stops waiting. The job is left as it is: resume or cancel it in Azure ML studio: ${studioUrl}`);
    return;
  }
  if (outcome.status === "Completed") {
    host.setResult("Succeeded", `Azure ML job '${jobName}' completed.`);
    return;
  }
  const message = `Azure ML job '${jobName}' ended with status ${outcome.status}.${await failureReason(runHistory, jobName)}`;
  if (inputs.failOnJobFailure) host.setResult("Failed", message);
  else {
    host.warning(message);
    host.setResult("SucceededWithIssues", `${message} (failOnJobFailure is false)`);
  }
}
