// The properties that trace a model version to where it came from: the source (job, folder, URI), the
// pipeline run that registered it, and a fingerprint of the source that lets a retried step find the
// version it registered before instead of registering a duplicate.
import { createHash } from "node:crypto";
import { pipelineTags, STEP_KEY_TAG, type PipelineRun } from "../workspace/lineage";
import type { ModelType } from "./inputs";

export const FINGERPRINT_PROPERTY = "azure-devops.sourceFingerprint";
export const SOURCE_PROPERTY = "azure-devops.source";
export const SOURCE_JOB_PROPERTY = "azure-devops.sourceJob";

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
export function sourceFingerprint(modelUri: string, modelType: ModelType): string {
  return createHash("sha256").update(`${modelType}\n${normalizeModelUri(modelUri)}`).digest("hex").slice(0, 40);
}

/** Pipeline-run lineage as model properties: build id and number, definition, repository, commit, branch, run URL. */
export function runLineage(run: PipelineRun): Record<string, string> {
  const { [STEP_KEY_TAG]: _stepKey, ...lineage } = pipelineTags(run);
  return lineage;
}

export interface LineageFacts {
  modelUri: string;
  modelType: ModelType;
  /** Human-readable source: "job train-42, output model", "local folder ./model", a URI. */
  source: string;
  jobName?: string;
  run: PipelineRun;
}

/** The properties the task adds to the user's; the user's win except for the fingerprint, which must be exact. */
export function lineageProperties(facts: LineageFacts, userProperties: Record<string, string>): Record<string, string> {
  return {
    ...runLineage(facts.run),
    [SOURCE_PROPERTY]: facts.source,
    ...(facts.jobName ? { [SOURCE_JOB_PROPERTY]: facts.jobName } : {}),
    ...userProperties,
    [FINGERPRINT_PROPERTY]: sourceFingerprint(facts.modelUri, facts.modelType),
  };
}
