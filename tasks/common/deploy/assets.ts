// Everything a deployment references, made to exist before it is sent: local code and model folders uploaded
// with the job uploader (same hashing and layout), @latest resolved, then the environments, components (a
// pipeline component batch deployment's), models and data assets the translation names registered, in that order.
import * as fs from "node:fs";
import { DeploySpecError, finalizeDeployment, type BatchDeploymentTranslation, type DeploymentPlan, type DeploymentTranslation } from "../deploySpec";
import { parseArmFailure } from "../azure/armErrors";
import type { BlobStore } from "../workspace/datastores";
import { resolvePending } from "../workspace/pendingUploads";
import type { AssetType } from "../workspace/scope";
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

export async function prepareDeploymentAssets(request: AssetRequest): Promise<DeploymentPlan> {
  const { api, translation, log } = request;
  const { uploads, latestVersions, nextVersions } = await resolvePending(translation.pending, api, request.openStore, log);
  const plan = finalizeDeployment(translation, { uploads, latestVersions, nextVersions, location: request.location }, api.scope);
  // A version that exists already is fine (anonymous versions are named after their content), except one
  // this run took as the next version: then someone registered it meanwhile, and it is not this content.
  const autoVersioned = new Set(translation.pending.flatMap((p) => (p.kind === "nextVersion" ? [`${p.assetType}/${p.name}`] : [])));
  const put = async (type: AssetType, name: string, version: string, body: unknown): Promise<void> => {
    try {
      await api.putAssetVersion(type, name, version, body);
    } catch (error) {
      if (parseArmFailure(error)?.status !== 409 || autoVersioned.has(`${type}/${name}`)) throw error;
    }
  };
  for (const environment of plan.environments) {
    if (autoVersioned.has(`environments/${environment.name}`)) log(`Registering environment ${environment.name}:${environment.version}.`);
    await put("environments", environment.name, environment.version, environment.body);
  }
  for (const component of plan.components) await put("components", component.name, component.version, component.body);
  for (const model of plan.models) {
    log(`Registering model ${model.name}:${model.version}.`);
    await put("models", model.name, model.version, model.body);
  }
  for (const data of plan.dataAssets) await put("data", data.name, data.version, data.body);
  return plan;
}
