// Everything a deployment references, made to exist before it is sent: local code and model folders uploaded
// with the job uploader (same hashing and layout), @latest resolved, then the environments, components (a
// pipeline component batch deployment's), models and data assets the translation names registered, in that order.
import * as fs from "node:fs";
import { DeploySpecError, finalizeDeployment, type BatchDeploymentTranslation, type DeploymentPlan, type DeploymentTranslation } from "../deploySpec";
import { parseArmFailure } from "../azure/armErrors";
import type { BlobStore } from "../workspace/datastores";
import { resolveLatestVersions, uploadSnapshots, type PendingLatest, type PendingUpload } from "../workspace/pendingUploads";
import type { WorkspaceApi } from "../workspace/workspaceApi";

export interface AssetRequest {
  api: WorkspaceApi;
  translation: DeploymentTranslation | BatchDeploymentTranslation;
  location: string;
  openStore: () => Promise<BlobStore>;
  log: (message: string) => void;
}

/** azure-ai-ml's validate_scoring_script: a local code folder must hold the scoring script (checked before any upload). */
export function checkScoringScript(translation: DeploymentTranslation | BatchDeploymentTranslation): void {
  const script = translation.scoringScript;
  if (script && !fs.existsSync(script.localPath)) {
    throw new DeploySpecError(`the scoring script ${script.localPath} does not exist in the code folder`, script.origin);
  }
}

/** An asset version that exists already is fine: anonymous versions are named after their content. */
async function putOnce(put: () => Promise<unknown>): Promise<void> {
  try {
    await put();
  } catch (error) {
    if (parseArmFailure(error)?.status !== 409) throw error;
  }
}

export async function prepareDeploymentAssets(request: AssetRequest): Promise<DeploymentPlan> {
  const { api, translation, log } = request;
  const uploadItems = translation.pending.filter((p): p is PendingUpload & { kind: "upload" } => p.kind === "upload");
  const uploads = uploadItems.length > 0 ? (await uploadSnapshots(uploadItems, await request.openStore(), api, log)).uploads : {};
  const latestVersions = await resolveLatestVersions(api, translation.pending.filter((p): p is PendingLatest & { kind: "latest" } => p.kind === "latest"));
  const plan = finalizeDeployment(translation, { uploads, latestVersions, location: request.location }, api.scope);
  for (const environment of plan.environments) await putOnce(() => api.putAssetVersion("environments", environment.name, environment.version, environment.body));
  for (const component of plan.components) await putOnce(() => api.putAssetVersion("components", component.name, component.version, component.body));
  for (const model of plan.models) {
    log(`Registering model ${model.name}:${model.version}.`);
    await putOnce(() => api.putAssetVersion("models", model.name, model.version, model.body));
  }
  for (const data of plan.dataAssets) await putOnce(() => api.putAssetVersion("data", data.name, data.version, data.body));
  return plan;
}
