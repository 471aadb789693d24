// The whole registration: resolve and check the source, choose the model type, add lineage, register the
// version (re-run safe), record it on a local upload, and gather the source job's metrics.
import type { PipelineRun } from "../workspace/lineage";
import { assetVersionArmId } from "../workspace/scope";
import { errorMessage } from "../platform/userError";
import type { ModelInputs } from "./inputs";
import { lineageProperties } from "../workspace/lineage";
import type { ModelRegistryApi, ModelVersionProperties } from "../workspace/modelRegistry";
import type { RegisteredModel } from "./modelJson";
import { chooseModelType } from "./modelType";
import { registerModelVersion } from "./register";
import { resolveSource, type SourceContext } from "./source";

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

export async function registerModel(deps: ModelRegistrationDeps, request: ModelRequest): Promise<RegisteredModel> {
  const { api, log } = deps;
  const source = await resolveSource(deps.source, request.source, request.modelName, request.version);
  const modelType = chooseModelType(request.modelType, source, log, deps.warning);
  const body: ModelVersionProperties = {
    modelUri: source.modelUri,
    modelType,
    ...(source.jobName ? { jobName: source.jobName } : {}),
    isAnonymous: false,
    description: request.description ?? null,
    tags: request.tags,
    properties: lineageProperties({ modelUri: source.modelUri, modelType, source: source.description, jobName: source.jobName, run: deps.run }, request.properties),
  };
  const { model, reused } = await registerModelVersion({ api, modelName: request.modelName, version: request.version, body, log });
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
