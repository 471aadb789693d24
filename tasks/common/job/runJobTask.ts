// AzureMLJob@1 from inputs to result: translate the job file, (dry run: print and stop), submit or re-attach,
// wait with live logs, read metrics, set outputs and the summary tab. Cancelling the step cancels the job.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AzureSession } from "../azure/azureSession";
import { translateJobFile, type JobTranslation } from "../jobSpec";
import { workspaceArmId, type WorkspaceScope } from "../workspace/scope";
import type { TaskHost } from "../platform/taskHost";
import type { TaskRun } from "../platform/taskRunner";
import { errorMessage } from "../platform/userError";
import { readFinalMetrics } from "../workspace/mlflow";
import { amlApiHost, getVerifiedWorkspace, jobStudioUrl, type WorkspaceInfo } from "../workspace/workspace";
import { openDefaultBlobStore, type BlobStore } from "../workspace/datastores";
import { dryRunReport } from "./dryRun";
import { readJobTaskInputs, type JobTaskInputs } from "./inputs";
import { metricVariableNames } from "./metrics";
import { defaultJobName, pipelineTags, readPipelineRun, STEP_KEY_TAG, stepKey, type PipelineRun } from "../workspace/lineage";
import { createRunHistoryApi, type RunHistoryApi } from "../workspace/runHistory";
import { sourcesRootOf } from "../workspace/pendingUploads";
import { submitJob } from "./submit";
import { summaryMarkdown } from "./summary";
import { cancelJob, reportJobOutcome, superviseJob } from "../workspace/jobWait/superviseJob";
import { createWorkspaceApi, type WorkspaceApi } from "../workspace/workspaceApi";

/** What the task talks to; tests replace any of it. */
export interface JobTaskServices {
  api: WorkspaceApi;
  runHistory: RunHistoryApi;
  openStore: () => Promise<BlobStore>;
  readMetrics: (runId: string) => Promise<Record<string, number>>;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface JobTaskOptions {
  /** Reads the workspace (default: getVerifiedWorkspace). */
  workspace?: (session: AzureSession, scope: WorkspaceScope) => Promise<WorkspaceInfo>;
  services?: (session: AzureSession, workspace: WorkspaceInfo, scope: WorkspaceScope) => JobTaskServices;
}

function defaultServices(session: AzureSession, workspace: WorkspaceInfo, scope: WorkspaceScope, host: TaskHost): JobTaskServices {
  const api = createWorkspaceApi(session, scope);
  const apiHost = amlApiHost(session.cloud, workspace.location, workspace.discoveryUrl);
  return {
    api,
    runHistory: createRunHistoryApi(session, apiHost, scope),
    openStore: () => openDefaultBlobStore(api, { httpClient: session.httpClient, credential: session.credential, maskSecret: (secret) => host.setSecret(secret) }),
    readMetrics: (runId) => readFinalMetrics(session, apiHost, scope, runId),
  };
}

interface PreparedJob {
  inputs: JobTaskInputs;
  scope: WorkspaceScope;
  run: PipelineRun;
  jobName: string;
  translation: JobTranslation;
}

function experimentFallback(run: PipelineRun, jobFile: string): string {
  const name = (run.definitionName ?? path.basename(path.dirname(jobFile))).replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^[^A-Za-z0-9]+/, "");
  return name || "Default";
}

function prepare(host: TaskHost, session: AzureSession): PreparedJob {
  const inputs = readJobTaskInputs(host);
  const scope: WorkspaceScope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  const run = readPipelineRun((name) => host.getVariable(name));
  // The step key tag is ours: user tags may not change it, or a retry could no longer find its job.
  const tags = { ...pipelineTags(run), ...inputs.tags, [STEP_KEY_TAG]: stepKey(run) };
  const translation = translateJobFile(inputs.jobFile, {
    scope,
    overrides: inputs.overrides,
    experimentName: inputs.experimentName,
    defaultExperimentName: experimentFallback(run, inputs.jobFile),
    displayName: inputs.displayName,
    jobName: inputs.jobName,
    tags,
  });
  const jobName = inputs.jobName ?? translation.name ?? defaultJobName(run);
  // The CLI shows the job name when there is no display name.
  translation.body.properties.displayName ??= jobName;
  return { inputs, scope, run, jobName, translation };
}

function publishSummary(host: TaskHost, markdown: string, jobName: string): void {
  const folder = host.getVariable("Agent.TempDirectory") ?? os.tmpdir();
  const file = path.join(folder, `azureml-job-${jobName}.md`);
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(file, markdown);
    host.uploadSummary(file);
  } catch (error) {
    host.warning(`Could not publish the job summary: ${errorMessage(error)}`);
  }
}

function publishMetrics(host: TaskHost, metrics: Record<string, number>): void {
  host.setVariable("metrics", JSON.stringify(metrics), { isOutput: true });
  const names = metricVariableNames(Object.keys(metrics));
  for (const [metric, value] of Object.entries(metrics)) host.setVariable(names[metric], String(value), { isOutput: true });
  if (Object.keys(metrics).length > 0) host.log(`Metrics: ${Object.entries(metrics).map(([k, v]) => `${k}=${v}`).join(", ")}`);
}

export async function runJobTask(host: TaskHost, task: TaskRun, session: AzureSession, options: JobTaskOptions = {}): Promise<void> {
  const prepared = prepare(host, session);
  const { inputs, scope, translation } = prepared;
  // A retried step whose earlier try's job failed submits under a new name (submitJob): the hooks read this.
  let { jobName } = prepared;
  host.setVariable("jobName", jobName, { isOutput: true });
  if (inputs.dryRun) {
    for (const warning of translation.warnings) host.warning(warning);
    for (const line of dryRunReport(translation, jobName, `${workspaceArmId(scope)}/jobs/${jobName}`)) host.log(line);
    host.setVariable("jobStatus", "NotSubmitted", { isOutput: true });
    host.setResult("Succeeded", `Dry run of ${translation.jobType} job '${jobName}': the job file is valid; nothing was submitted.`);
    return;
  }
  const workspace = await (options.workspace ?? getVerifiedWorkspace)(session, scope);
  const services = options.services?.(session, workspace, scope) ?? defaultServices(session, workspace, scope, host);
  const now = services.now ?? Date.now;
  let studioUrl = jobStudioUrl(workspace, session.cloud, jobName, session.tenantId);
  // Registered before submission: a cancel that lands during the PUT still reaches the job.
  const unregister = inputs.cancelJobOnStop ? task.cancellation.onCancel((deadline) => cancelJob(host, services.api, jobName, studioUrl, deadline, "The pipeline step was cancelled")) : () => undefined;
  const started = now();
  const uploadChecks = { sourcesRoot: sourcesRootOf(inputs.jobFile, host.getVariable("Build.SourcesDirectory")) };
  const submission = await submitJob({ api: services.api, jobName, translation, stepKey: stepKey(prepared.run), openStore: services.openStore, log: (m) => host.log(m), warning: (m) => host.warning(m), uploadChecks });
  if (submission.jobName !== jobName) {
    jobName = prepared.jobName = submission.jobName;
    host.setVariable("jobName", jobName, { isOutput: true });
  }
  studioUrl = jobStudioUrl(workspace, session.cloud, jobName, session.tenantId, submission.job);
  host.setVariable("studioUrl", studioUrl, { isOutput: true });
  host.log(`Azure ML studio: ${studioUrl}`);

  if (!inputs.wait) {
    unregister();
    const status = submission.job.properties.status ?? "Unknown";
    host.setVariable("jobStatus", status, { isOutput: true });
    publishSummary(host, summaryMarkdown({ job: submission.job, status, studioUrl, metrics: {}, reattached: submission.reattached }), jobName);
    host.setResult("Succeeded", `Azure ML job '${jobName}' ${submission.reattached ? "was already submitted" : "submitted"} (wait is false: not waiting for it).`);
    return;
  }

  const outcome = await superviseJob({
    host, api: services.api, runHistory: services.runHistory, jobName, jobType: translation.jobType, inputs, studioUrl, signal: task.cancellation.signal,
    waitEnded: unregister, now, sleep: services.sleep,
  });
  host.setVariable("jobStatus", outcome.status, { isOutput: true });
  const metrics = outcome.timedOut ? {} : await services.readMetrics(jobName).catch((error: unknown) => {
    host.warning(`Could not read the job's metrics from MLflow: ${errorMessage(error)}`);
    return {};
  });
  publishMetrics(host, metrics);
  const job = outcome.job ?? submission.job;
  publishSummary(host, summaryMarkdown({ job, status: outcome.status, studioUrl, durationSeconds: (now() - started) / 1000, metrics, reattached: submission.reattached }), jobName);
  await reportJobOutcome(host, services.runHistory, jobName, inputs, outcome, studioUrl);
}
