// The smoke invocation of a new batch deployment: invoked by name (so the endpoint's default is not used) on a
// small input through the batch invocation client, then its job waited for with live logs by the same code
// AzureMLJob@1 uses. Cancelling the step cancels the job; a job still running at the timeout is cancelled too.
import * as fs from "node:fs";
import * as path from "node:path";
import type { TaskHost } from "../platform/taskHost";
import { errorMessage } from "../platform/userError";
import { invokeBatchEndpoint, outputLocation, type BatchInvocationApi, type DataInputType } from "../workspace/batchInvocation";
import type { BlobStore } from "../workspace/datastores";
import { cancelJob, failureReason, superviseJob } from "../workspace/jobWait/superviseJob";
import { DEFAULT_STALLED_MINUTES } from "../workspace/jobWait/waitInputs";
import type { RunHistoryApi } from "../workspace/runHistory";
import type { WorkspaceApi } from "../workspace/workspaceApi";
import type { BatchSmokeInvoker } from "./batchDeploy";

export interface BatchSmokeDeps {
  host: TaskHost;
  batch: BatchInvocationApi;
  workspace: WorkspaceApi;
  runHistory: RunHistoryApi;
  openStore: () => Promise<BlobStore>;
  /** The job's page in Azure ML studio, for messages. */
  studioUrl: (jobName: string) => string;
  /** Where a relative local input starts (the agent's working directory). */
  baseDirectory: string;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * uri_file or uri_folder, as `az ml batch-endpoint invoke --input` needs to be told: a local path by what it is,
 * a URI by its last segment (a trailing slash or no extension: a folder), a data asset as a folder (the CLI's default).
 */
export function smokeInputType(input: string, baseDirectory: string): DataInputType {
  if (!/^(azureml:|https?:\/\/)/i.test(input)) {
    return fs.statSync(path.resolve(baseDirectory, input), { throwIfNoEntry: false })?.isFile() ? "uri_file" : "uri_folder";
  }
  if (/^azureml:(?!\/\/)/.test(input) || input.endsWith("/")) return "uri_folder";
  return /\.[A-Za-z0-9]+$/.test(input.split("/").pop() ?? "") ? "uri_file" : "uri_folder";
}

export function createBatchSmokeInvoker(deps: BatchSmokeDeps): BatchSmokeInvoker {
  const { host } = deps;
  return async (request) => {
    const { job } = await invokeBatchEndpoint(
      {
        endpointName: request.endpoint,
        deploymentName: request.deployment,
        input: { type: smokeInputType(request.input, deps.baseDirectory), path: request.input },
        baseDirectory: deps.baseDirectory,
        origin: () => "Input smokeTestInput",
      },
      { batch: deps.batch, workspace: deps.workspace, openStore: deps.openStore, log: request.log, signal: request.signal },
    );
    const jobName = job.name;
    const studioUrl = deps.studioUrl(jobName);
    request.log(`Smoke invocation started job '${jobName}': ${studioUrl}`);
    const unregister = request.onCancel?.((deadline) => cancelJob(host, deps.workspace, jobName, studioUrl, deadline, "The pipeline step was cancelled")) ?? (() => undefined);
    let jobType = "pipeline";
    try {
      jobType = (await deps.workspace.getJob(jobName, request.signal)).job?.properties.jobType ?? jobType;
    } catch (error) {
      host.debug(`Reading job ${jobName} before the wait: ${errorMessage(error)}`);
    }
    const timeoutMinutes = request.timeoutMs ? request.timeoutMs / 60_000 : 0;
    const outcome = await superviseJob({
      host,
      api: deps.workspace,
      runHistory: deps.runHistory,
      jobName,
      jobType,
      inputs: { wait: true, streamLogs: true, timeoutMinutes, stalledMinutes: DEFAULT_STALLED_MINUTES, cancelJobOnStop: true, failOnJobFailure: true },
      studioUrl,
      signal: request.signal,
      waitEnded: unregister,
      now: deps.now,
      sleep: deps.sleep,
    });
    const passed = outcome.status === "Completed" && !outcome.timedOut;
    const reason = outcome.timedOut
      ? `no result within timeoutMinutes (the job was cancelled)`
      : outcome.stalled
        ? `the job stayed ${outcome.status} for ${DEFAULT_STALLED_MINUTES} minutes`
        : passed
          ? undefined
          : (await failureReason(deps.runHistory, jobName)).trim() || undefined;
    const where = outputLocation({}, job, outcome.job?.properties.outputs as Record<string, Record<string, unknown>> | undefined);
    return { jobName, status: outcome.status, passed, ...(reason ? { reason } : {}), ...(where ? { outputLocation: where } : {}) };
  };
}
