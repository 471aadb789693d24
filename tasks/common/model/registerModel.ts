// The whole registration: resolve and check the source, choose the model type, add lineage, register the
// version (re-run safe), record it on a local upload, and gather the source job's metrics.
import type { PipelineRun } from "../workspace/lineage";
import { assetVersionArmId } from "../workspace/scope";
import { errorMessage } from "../platform/userError";
import type { ModelInputs, ModelType } from "./inputs";
import { lineageProperties } from "../workspace/lineage";
import type { ModelRegistryApi, ModelVersionProperties } from "../workspace/modelRegistry";
import type { RegisteredModel } from "./modelJson";
import { chooseModelType } from "./modelType";
import { findPromotedVersion } from "./promotion";
import { registerModelVersion, type Registration } from "./register";
import { describeSourceModel, sourceModelId } from "./sourceModel";
import { resolveSource, type ResolvedSource, type SourceContext } from "./source";

/** A job's final metric values (MLflow runs/get); {} when it logged none. */
export type JobMetricsReader = (jobName: string) => Promise<Record<string, number>>;

export interface ModelRegistrationDeps {
  api: ModelRegistryApi;
  source: SourceContext;
  run: PipelineRun;
  readMetrics?: JobMetricsReader;
  log(message: string): void;
  warning(message: string): void;
}

export type ModelRequest = Pick<ModelInputs, "modelName" | "source" | "modelType" | "version" | "description" | "tags" | "properties">;

/** The version's body: the source's metadata (a promotion's) under the user's inputs, and the run's lineage. */
function versionBody(request: ModelRequest, source: ResolvedSource, modelType: ModelType, run: PipelineRun): ModelVersionProperties {
  const promoted = source.promotedFrom;
  return {
    modelUri: source.modelUri,
    modelType,
    ...(source.jobName ? { jobName: source.jobName } : {}),
    isAnonymous: false,
    description: request.description ?? promoted?.description ?? null,
    tags: { ...promoted?.tags, ...request.tags },
    properties: lineageProperties({ modelUri: source.modelUri, modelType, source: source.description, jobName: source.jobName, promotedFrom: promoted?.id, run }, { ...promoted?.properties, ...request.properties }),
  };
}

/** Resolves the source (uploading or copying its files) and registers it; a promotion registered before is returned first, without copying. */
async function registerSource(deps: ModelRegistrationDeps, request: ModelRequest): Promise<{ source: ResolvedSource; modelType: ModelType; registration: Registration }> {
  const { api, log } = deps;
  if (request.source.kind === "model") {
    const previous = await findPromotedVersion(api, request.modelName, request.source.sourceModel, request.version);
    if (previous) {
      log(`Model '${request.modelName}' version ${previous.name} was promoted from ${sourceModelId(request.source.sourceModel)} before; returning that version instead of copying it again.`);
      const source: ResolvedSource = { kind: "model", modelUri: previous.properties.modelUri ?? "", description: describeSourceModel(request.source.sourceModel) };
      return { source, modelType: (previous.properties.modelType ?? "custom_model") as ModelType, registration: { model: previous, reused: true } };
    }
  }
  const source = await resolveSource(deps.source, request.source, request.modelName, request.version);
  const modelType = chooseModelType(request.modelType, source, log, deps.warning);
  const body = versionBody(request, source, modelType, deps.run);
  return { source, modelType, registration: await registerModelVersion({ api, modelName: request.modelName, version: request.version, body, log }) };
}

export async function registerModel(deps: ModelRegistrationDeps, request: ModelRequest): Promise<RegisteredModel> {
  const { api } = deps;
  const { source, modelType, registration: { model, reused } } = await registerSource(deps, request);
  if (source.indicatorBlob && !reused) await deps.source.uploader.recordVersion(source.indicatorBlob, request.modelName, model.name);

  let metrics: Record<string, number> | undefined;
  if (source.jobName && deps.readMetrics) {
    try {
      metrics = await deps.readMetrics(source.jobName);
    } catch (error) {
      deps.warning(`Could not read the metrics of job '${source.jobName}' for the model JSON: ${errorMessage(error)}`);
    }
  }
  const properties = model.properties;
  return {
    name: request.modelName,
    version: model.name,
    id: model.id ?? assetVersionArmId(api.scope, "models", request.modelName, model.name),
    assetId: `azureml:${request.modelName}:${model.name}`,
    type: properties.modelType ?? modelType,
    uri: properties.modelUri ?? source.modelUri,
    source: { kind: source.kind, description: source.description, ...(source.jobName ? { job: source.jobName } : {}) },
    registeredNow: !reused,
    properties: properties.properties ?? {},
    tags: properties.tags ?? {},
    ...(metrics ? { metrics } : {}),
  };
}
