// AzureMLBatchScore@1 from inputs to result: invoke the batch endpoint (or a named deployment), then wait for
// the job it started with live logs through the same wait as AzureMLJob@1, cancel it when the step is cancelled,
// and publish the job's name, status and output location.
import type { AzureSession } from "../azure/azureSession";
import type { TaskHost } from "../platform/taskHost";
import type { TaskRun } from "../platform/taskRunner";
import { errorMessage } from "../platform/userError";
import { createBatchEndpointsApi, type BatchJobResource } from "../workspace/batchEndpoints";
import { invokeBatchEndpoint, outputLocation, type BatchInvocationApi } from "../workspace/batchInvocation";
import { openDefaultBlobStore, type BlobStore } from "../workspace/datastores";
import { cancelJob, reportJobOutcome, superviseJob } from "../workspace/jobWait/superviseJob";
import { sourcesRootOf } from "../workspace/pendingUploads";
import { createRunHistoryApi, type RunHistoryApi } from "../workspace/runHistory";
import type { WorkspaceScope } from "../workspace/scope";
import { amlApiHost, getVerifiedWorkspace, jobStudioUrl, type WorkspaceInfo } from "../workspace/workspace";
import { createWorkspaceApi, type JobResource, type WorkspaceApi } from "../workspace/workspaceApi";
import { readBatchScoreInputs } from "./inputs";

/** What the task talks to; tests replace any of it. */
export interface BatchScoreServices {
  batch: BatchInvocationApi;
  api: WorkspaceApi;
  runHistory: RunHistoryApi;
  openStore: () => Promise<BlobStore>;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface BatchScoreOptions {
  /** Reads the workspace (default: getVerifiedWorkspace). */
  workspace?: (session: AzureSession, scope: WorkspaceScope) => Promise<WorkspaceInfo>;
  services?: (session: AzureSession, workspace: WorkspaceInfo, scope: WorkspaceScope) => BatchScoreServices;
}

function defaultServices(session: AzureSession, workspace: WorkspaceInfo, scope: WorkspaceScope, host: TaskHost): BatchScoreServices {
  const api = createWorkspaceApi(session, scope);
  const maskSecret = (secret: string) => host.setSecret(secret);
  return {
    batch: createBatchEndpointsApi(session, scope, maskSecret),
    api,
    runHistory: createRunHistoryApi(session, amlApiHost(session.cloud, workspace.location, workspace.discoveryUrl), scope),
    openStore: () => openDefaultBlobStore(api, { httpClient: session.httpClient, credential: session.credential, maskSecret }),
  };
}

/** Resolves when the signal aborts (the cleanup deadline). */
const aborted = (signal: AbortSignal): Promise<undefined> => new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener("abort", () => resolve(undefined), { once: true })));

/** The job as ARM reports it right after the invocation (undefined while ARM does not know it yet, or when the read fails). */
async function firstRead(host: TaskHost, api: WorkspaceApi, jobName: string): Promise<JobResource | undefined> {
  try {
    return (await api.getJob(jobName)).job;
  } catch (error) {
    host.debug(`Reading job '${jobName}' after the invocation: ${errorMessage(error)}`);
    return undefined;
  }
}

export async function runBatchScoreTask(host: TaskHost, task: TaskRun, session: AzureSession, options: BatchScoreOptions = {}): Promise<void> {
  const inputs = readBatchScoreInputs(host);
  const { invocation } = inputs;
  const scope: WorkspaceScope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  const workspace = await (options.workspace ?? getVerifiedWorkspace)(session, scope);
  const services = options.services?.(session, workspace, scope) ?? defaultServices(session, workspace, scope, host);
  const target = `batch endpoint '${invocation.endpointName}'${invocation.deploymentName ? ` (deployment '${invocation.deploymentName}')` : ""}`;

  // The POST is not aborted by a cancel: once sent, it may start a job, which must then be known to be cancelled.
  // A cancel that lands while it is in flight waits for its answer (within the cleanup deadline) and cancels that job.
  let invoked: Promise<BatchJobResource | undefined> = Promise.resolve(undefined);
  let jobName: string | undefined;
  let studioUrl = "";
  const unregister = inputs.cancelJobOnStop
    ? task.cancellation.onCancel(async (deadline) => {
        const job = jobName ? { name: jobName } : await Promise.race([invoked, aborted(deadline)]);
        if (job) await cancelJob(host, services.api, job.name, studioUrl || jobStudioUrl(workspace, session.cloud, job.name, session.tenantId), deadline, "The pipeline step was cancelled");
        else if (!jobName) host.warning(`The step was cancelled while invoking ${target}; no job name came back in time. Check the endpoint's jobs in Azure ML studio and cancel any left running.`);
      })
    : () => undefined;

  host.log(`Invoking ${target}.`);
  const uploadChecks = { sourcesRoot: sourcesRootOf(invocation.baseDirectory, host.getVariable("Build.SourcesDirectory")), warn: (m: string) => host.warning(m) };
  const invocationDone = invokeBatchEndpoint(invocation, { batch: services.batch, workspace: services.api, openStore: services.openStore, log: (m) => host.log(m), uploadChecks, signal: task.cancellation.signal });
  invoked = invocationDone.then((result) => result.job, () => undefined);
  const { job: batchJob } = await invocationDone;
  jobName = batchJob.name;
  host.setVariable("jobName", jobName, { isOutput: true });
  const job = await firstRead(host, services.api, jobName);
  studioUrl = jobStudioUrl(workspace, session.cloud, jobName, session.tenantId, job);
  host.setVariable("studioUrl", studioUrl, { isOutput: true });
  host.log(`Batch scoring job '${jobName}' started (status ${job?.properties.status ?? batchJob.properties.status ?? "unknown"}).`);
  host.log(`Azure ML studio: ${studioUrl}`);

  if (!inputs.wait) {
    unregister();
    host.setVariable("jobStatus", job?.properties.status ?? batchJob.properties.status ?? "Unknown", { isOutput: true });
    const location = outputLocation(invocation, batchJob, undefined);
    if (location) host.setVariable("outputLocation", location, { isOutput: true });
    host.setResult("Succeeded", `Batch scoring job '${jobName}' started on ${target} (wait is false: not waiting for it).`);
    return;
  }

  const outcome = await superviseJob({
    host, api: services.api, runHistory: services.runHistory, jobName, jobType: job?.properties.jobType ?? "pipeline", inputs, studioUrl, signal: task.cancellation.signal,
    waitEnded: unregister, now: services.now, sleep: services.sleep,
  });
  host.setVariable("jobStatus", outcome.status, { isOutput: true });
  const location = outputLocation(invocation, batchJob, outcome.job?.properties.outputs);
  if (location) {
    host.setVariable("outputLocation", location, { isOutput: true });
    if (outcome.status === "Completed") host.log(`Output: ${location}`);
  } else if (outcome.status === "Completed") {
    host.warning(`Azure ML reported no output location for job '${jobName}'; look at its outputs in Azure ML studio: ${studioUrl}`);
  }
  await reportJobOutcome(host, services.runHistory, jobName, inputs, outcome, studioUrl);
}
