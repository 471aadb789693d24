// Submission: re-attach when this step already submitted the job (a retried step), else upload the
// snapshots, resolve @latest references, create the anonymous environments and components, and PUT the job.
import { finalizeTranslation, type JobTranslation } from "../jobSpec";
import { UserError } from "../platform/userError";
import type { BlobStore } from "../workspace/datastores";
import { STEP_KEY_TAG } from "../workspace/lineage";
import { createJobAssets, resolvePending, type UploadChecks, type UploadStats } from "../workspace/pendingUploads";
import type { JobResource, WorkspaceApi } from "../workspace/workspaceApi";

export interface SubmitRequest {
  api: WorkspaceApi;
  jobName: string;
  translation: JobTranslation;
  /** This step's identity (pipelineRun.stepKey); an existing job carrying it was submitted by this step. */
  stepKey: string;
  /** Opens the default datastore; called only when something must be uploaded. */
  openStore: () => Promise<BlobStore>;
  log: (message: string) => void;
  /** A pipeline warning: the translation's notes, and the upload checks' (outside the sources, large uploads). */
  warning: (message: string) => void;
  /** What the upload checks before sending anything; its warnings go to `warning`. */
  uploadChecks?: Omit<UploadChecks, "warn">;
}

export interface Submission {
  /** The name the job has: the requested one, or one derived from the try when earlier tries' jobs failed. */
  jobName: string;
  job: JobResource;
  /** True when the job existed already and the task attached to it instead of submitting. */
  reattached: boolean;
  uploadStats?: UploadStats;
}

/** The job this step submitted before under that name, or undefined; a same-named job from elsewhere is an error. */
async function previousSubmission(request: SubmitRequest, jobName: string): Promise<JobResource | undefined> {
  const { job } = await request.api.getJob(jobName);
  if (!job) return undefined;
  if (job.properties.tags?.[STEP_KEY_TAG] === request.stepKey) return job;
  throw new UserError(
    `Azure ML job '${jobName}' already exists in workspace '${request.api.scope.workspace}' and was not submitted by this pipeline step (status ${job.properties.status ?? "unknown"}). Job names are unique in a workspace: leave the jobName input empty (and remove name: from the job file) to get a name derived from the pipeline run, or choose another name.`,
  );
}

/** A job that ended like this cannot make a retried step succeed: the retry submits a new one. */
const ENDED_UNSUCCESSFULLY = ["Failed", "Canceled"];

/** The name of each try's job: the first try's is the requested name. */
export function tryJobName(jobName: string, attempt: number): string {
  return attempt === 1 ? jobName : `${jobName}_try${attempt}`;
}

/**
 * What an earlier try of this step (retryCountOnTaskFailure) left: a job still running or completed is attached
 * to; one that ended Failed or Canceled is passed over for the next try's name. So there is never more than one
 * live job for a step.
 */
async function findTry(request: SubmitRequest): Promise<{ jobName: string; live?: JobResource; failedBefore?: JobResource }> {
  let failedBefore: JobResource | undefined;
  for (let attempt = 1; ; attempt++) {
    const jobName = tryJobName(request.jobName, attempt);
    const job = await previousSubmission(request, jobName);
    if (!job) return { jobName, failedBefore };
    if (!ENDED_UNSUCCESSFULLY.includes(job.properties.status ?? "")) return { jobName, live: job };
    failedBefore = job;
  }
}

export async function submitJob(request: SubmitRequest): Promise<Submission> {
  const { api, translation, log } = request;
  const { jobName, live, failedBefore } = await findTry(request);
  if (live) {
    log(`Job '${jobName}' was already submitted by this step (status ${live.properties.status ?? "unknown"}): attaching to it instead of submitting again.`);
    return { jobName, job: live, reattached: true };
  }
  if (failedBefore) {
    log(`Job '${failedBefore.name}', submitted by an earlier try of this step, ended ${failedBefore.properties.status}: submitting the job again as '${jobName}'.`);
  }
  for (const warning of translation.warnings) request.warning(warning);
  const resolved = await resolvePending(translation.pending, api, request.openStore, log, request.uploadChecks && { ...request.uploadChecks, warn: request.warning });
  const plan = finalizeTranslation(translation, resolved, api.scope);
  await createJobAssets(api, plan);
  const job = await api.createJob(jobName, plan.body);
  log(`Submitted ${translation.jobType} job '${job.name ?? jobName}' (status ${job.properties?.status ?? "unknown"}).`);
  return { jobName, job, reattached: false, uploadStats: resolved.stats };
}
