// Lineage: what the task knows about the pipeline run it is part of (agent variables), and what follows
// from it: the default job name, the tags and properties that trace a job or an asset version to the run
// and source it came from, and the identities that let a retried step find what it made before (the step
// key of a job, the source fingerprint of a model version) instead of making a duplicate.
import { createHash } from "node:crypto";

/** Reads an agent variable (System.*, Build.*, Release.*); undefined when unset or empty. */
export type VariableReader = (name: string) => string | undefined;

export interface PipelineRun {
  collectionUri?: string;
  collectionId?: string;
  teamProject?: string;
  teamProjectId?: string;
  buildId?: string;
  buildNumber?: string;
  definitionName?: string;
  repository?: string;
  commit?: string;
  branch?: string;
  stageName?: string;
  jobId?: string;
  jobName?: string;
  jobAttempt: string;
  /** The step: its name in YAML (System.TaskInstanceName), else its instance id or display name. */
  step?: string;
  releaseId?: string;
  releaseWebUrl?: string;
}

export function readPipelineRun(variable: VariableReader): PipelineRun {
  const get = (...names: string[]): string | undefined => names.map((n) => variable(n)?.trim()).find((v) => v);
  return {
    collectionUri: get("System.CollectionUri", "System.TeamFoundationCollectionUri"),
    collectionId: get("System.CollectionId"),
    teamProject: get("System.TeamProject"),
    teamProjectId: get("System.TeamProjectId"),
    buildId: get("Build.BuildId"),
    buildNumber: get("Build.BuildNumber"),
    definitionName: get("Build.DefinitionName", "Release.DefinitionName"),
    repository: get("Build.Repository.Name"),
    commit: get("Build.SourceVersion"),
    branch: get("Build.SourceBranch"),
    stageName: get("System.StageName"),
    jobId: get("System.JobId", "System.JobIdentifier"),
    jobName: get("System.JobName", "System.PhaseName"),
    jobAttempt: get("System.JobAttempt") ?? "1",
    step: get("System.TaskInstanceName", "System.TaskInstanceId", "System.TaskDisplayName"),
    releaseId: get("Release.ReleaseId"),
    releaseWebUrl: get("Release.ReleaseWebURL"),
  };
}

/** Link to the run's results page (build) or the release. */
export function runUrl(run: PipelineRun): string | undefined {
  if (run.releaseWebUrl) return run.releaseWebUrl;
  if (!run.collectionUri || !run.teamProject || !run.buildId) return undefined;
  const base = run.collectionUri.endsWith("/") ? run.collectionUri : `${run.collectionUri}/`;
  return `${base}${encodeURIComponent(run.teamProject)}/_build/results?buildId=${encodeURIComponent(run.buildId)}`;
}

/** Tag that records which pipeline step submitted a job; a retried step re-attaches only to its own job. */
export const STEP_KEY_TAG = "azure-devops.stepKey";

/**
 * Identity of this step in this run and attempt: same for a task-level retry (retryCountOnTaskFailure),
 * different for "re-run failed jobs" (a new System.JobAttempt) and for another step, job or project.
 */
export function stepKey(run: PipelineRun): string {
  const parts = [run.collectionId ?? run.collectionUri, run.teamProjectId ?? run.teamProject, run.buildId ?? run.releaseId, run.stageName, run.jobId ?? run.jobName, run.step, run.jobAttempt];
  return createHash("sha256").update(parts.map((p) => p ?? "").join("\n")).digest("hex").slice(0, 12);
}

/** Lower-case letters, digits and '_' only, at most `max` characters, no leading/trailing '_'. */
function slug(text: string | undefined, max: number): string {
  return (text ?? "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, max).replace(/_+$/, "");
}

/**
 * The job's name when the user gives none: readable (definition, run, step, attempt) and unique thanks to
 * the step key. Always a valid Azure ML name: [A-Za-z0-9][A-Za-z0-9_-]{0,254}.
 */
export function defaultJobName(run: PipelineRun): string {
  const readable = [slug(run.definitionName, 40), slug(run.buildId ?? run.releaseId, 20), slug(run.step, 40), `a${slug(run.jobAttempt, 6) || "1"}`].filter(Boolean);
  return [...readable, stepKey(run)].join("_");
}

/** Tags Azure ML shows beside the job so it can be traced back to the run that submitted it. */
export function pipelineTags(run: PipelineRun): Record<string, string> {
  const tags: Record<string, string | undefined> = {
    "azure-devops.buildId": run.buildId,
    "azure-devops.buildNumber": run.buildNumber,
    "azure-devops.definition": run.definitionName,
    "azure-devops.repository": run.repository,
    "azure-devops.commit": run.commit,
    "azure-devops.branch": run.branch,
    "azure-devops.runUrl": runUrl(run),
    [STEP_KEY_TAG]: stepKey(run),
  };
  return Object.fromEntries(Object.entries(tags).filter((entry): entry is [string, string] => Boolean(entry[1])));
}

export const FINGERPRINT_PROPERTY = "azure-devops.sourceFingerprint";
export const SOURCE_PROPERTY = "azure-devops.source";
export const SOURCE_JOB_PROPERTY = "azure-devops.sourceJob";
/** The asset id of the model version a promoted version was copied from. */
export const PROMOTED_FROM_PROPERTY = "azure-devops.promotedFrom";
const LINEAGE_PREFIX = "azure-devops.";

/** azureml:// and https URIs compare without a trailing '/'; the scheme and host are case-insensitive. */
export function normalizeModelUri(uri: string): string {
  const match = /^([a-z]+:\/\/[^/]*)(.*)$/i.exec(uri.trim());
  const normalized = match ? `${match[1].toLowerCase()}${match[2]}` : uri.trim();
  return normalized.replace(/\/+$/, "");
}

/**
 * Same model content and type → same fingerprint. A local folder's URI names its content hash
 * (LocalUpload/<md5>/<folder>), so an unchanged folder has the same fingerprint in every run.
 */
export function sourceFingerprint(modelUri: string, modelType: string): string {
  return createHash("sha256").update(`${modelType}\n${normalizeModelUri(modelUri)}`).digest("hex").slice(0, 40);
}

/** Pipeline-run lineage as asset properties: build id and number, definition, repository, commit, branch, run URL. */
export function runLineage(run: PipelineRun): Record<string, string> {
  const { [STEP_KEY_TAG]: _stepKey, ...lineage } = pipelineTags(run);
  return lineage;
}

/** Properties without the azure-devops.* lineage of the run that wrote them (a promoted version records its own run). */
export function withoutRunLineage(properties: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !key.startsWith(LINEAGE_PREFIX)));
}

export interface LineageFacts {
  modelUri: string;
  modelType: string;
  /** Human-readable source: "job train-42, output model", "local folder ./model", a URI. */
  source: string;
  jobName?: string;
  /** A promotion's source asset id. */
  promotedFrom?: string;
  run: PipelineRun;
}

/** The properties the task adds to the user's; the user's win except for the identities re-runs look for, which must be exact. */
export function lineageProperties(facts: LineageFacts, userProperties: Record<string, string>): Record<string, string> {
  return {
    ...runLineage(facts.run),
    [SOURCE_PROPERTY]: facts.source,
    ...(facts.jobName ? { [SOURCE_JOB_PROPERTY]: facts.jobName } : {}),
    ...userProperties,
    ...(facts.promotedFrom ? { [PROMOTED_FROM_PROPERTY]: facts.promotedFrom } : {}),
    [FINGERPRINT_PROPERTY]: sourceFingerprint(facts.modelUri, facts.modelType),
  };
}
