// Submission: re-attach when this step already submitted the job (a retried step), else upload the
// snapshots, resolve @latest references, create the anonymous environments and components, and PUT the job.
import { finalizeTranslation, type JobTranslation, type PendingLatest, type PendingUpload } from "../jobSpec";
import { UserError } from "../platform/userError";
import type { BlobStore } from "../workspace/datastores";
import { STEP_KEY_TAG } from "../workspace/lineage";
import { resolveLatestVersions, uploadSnapshots, type UploadStats } from "../workspace/pendingUploads";
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
}

export interface Submission {
  job: JobResource;
  /** True when the job existed already and the task attached to it instead of submitting. */
  reattached: boolean;
  uploadStats?: UploadStats;
}

/** The job this step submitted before (re-attach), or undefined; a same-named job from elsewhere is an error. */
async function previousSubmission(request: SubmitRequest): Promise<JobResource | undefined> {
  const { job } = await request.api.getJob(request.jobName);
  if (!job) return undefined;
  if (job.properties.tags?.[STEP_KEY_TAG] === request.stepKey) return job;
  throw new UserError(
    `Azure ML job '${request.jobName}' already exists in workspace '${request.api.scope.workspace}' and was not submitted by this pipeline step (status ${job.properties.status ?? "unknown"}). Job names are unique in a workspace: leave the jobName input empty (and remove name: from the job file) to get a name derived from the pipeline run, or choose another name.`,
  );
}

export async function submitJob(request: SubmitRequest): Promise<Submission> {
  const { api, translation, log } = request;
  const previous = await previousSubmission(request);
  if (previous) {
    log(`Job '${request.jobName}' was already submitted by this step (status ${previous.properties.status ?? "unknown"}): attaching to it instead of submitting again.`);
    return { job: previous, reattached: true };
  }
  for (const warning of translation.warnings) log(`Warning: ${warning}`);
  const uploadItems = translation.pending.filter((p): p is PendingUpload => p.kind === "upload");
  let uploads = {};
  let uploadStats: UploadStats | undefined;
  if (uploadItems.length > 0) {
    ({ uploads, stats: uploadStats } = await uploadSnapshots(uploadItems, await request.openStore(), api, log));
  }
  const latestVersions = await resolveLatestVersions(api, translation.pending.filter((p): p is PendingLatest => p.kind === "latest"));
  const plan = finalizeTranslation(translation, { uploads, latestVersions }, api.scope);
  for (const environment of plan.environments) {
    await api.putAssetVersion("environments", environment.name, environment.version, environment.body);
  }
  for (const component of plan.components) {
    await api.putAssetVersion("components", component.name, component.version, component.body);
  }
  const job = await api.createJob(request.jobName, plan.body);
  log(`Submitted ${translation.jobType} job '${job.name ?? request.jobName}' (status ${job.properties?.status ?? "unknown"}).`);
  return { job, reattached: false, uploadStats };
}
