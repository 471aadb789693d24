// AzureMLModel@1 on a connected session: wires the Azure services to the registration core and
// publishes the result (output variables, model JSON file, log).
import type { AzureSession } from "../azure/azureSession";
import { openDefaultBlobStore } from "../workspace/datastores";
import { readPipelineRun } from "../workspace/lineage";
import { createWorkspaceApi } from "../workspace/workspaceApi";
import type { WorkspaceScope } from "../workspace/scope";
import type { TaskHost } from "../platform/taskHost";
import { readFinalMetrics } from "../workspace/mlflow";
import { amlApiHost, getVerifiedWorkspace } from "../workspace/workspace";
import { createDatastoreFiles } from "../workspace/datastoreFiles";
import type { ModelInputs } from "./inputs";
import { createLocalUploader } from "./localUpload";
import { createModelRegistryApi } from "../workspace/modelRegistry";
import { writeModelJson, type RegisteredModel } from "./modelJson";
import { registerModel, type ModelRegistrationDeps } from "./registerModel";

export function publishModel(host: TaskHost, model: RegisteredModel, modelJsonFile: string | undefined): void {
  host.setVariable("modelName", model.name, { isOutput: true });
  host.setVariable("modelVersion", model.version, { isOutput: true });
  host.setVariable("modelId", model.id, { isOutput: true });
  host.setVariable("modelAssetId", model.assetId, { isOutput: true });
  if (modelJsonFile) {
    writeModelJson(modelJsonFile, model);
    host.log(`Wrote the model's details to ${modelJsonFile}.`);
  }
  const verb = model.registeredNow ? "Registered" : "Already registered:";
  host.log(`${verb} model ${model.name} version ${model.version} (${model.type}) from the ${model.source.description}. Reference it as ${model.assetId}.`);
  host.setResult("Succeeded", `Model ${model.assetId}${model.registeredNow ? "" : " (already registered)"}`);
}

function services(host: TaskHost, session: AzureSession, scope: WorkspaceScope, apiHost: string): ModelRegistrationDeps {
  const workspaceApi = createWorkspaceApi(session, scope);
  const api = createModelRegistryApi(session, scope);
  const log = (message: string) => host.log(message);
  const maskSecret = (secret: string) => host.setSecret(secret);
  return {
    api,
    run: readPipelineRun((name) => host.getVariable(name)),
    readMetrics: (jobName) => readFinalMetrics(session, apiHost, scope, jobName),
    log,
    warning: (message) => host.warning(message),
    source: {
      scope,
      getJob: async (name) => (await workspaceApi.getJob(name)).job,
      defaultDatastoreName: async () => (await workspaceApi.defaultDatastore()).name,
      files: createDatastoreFiles({ getDatastore: workspaceApi.getDatastore, datastoreSecrets: workspaceApi.datastoreSecrets, httpClient: session.httpClient, credential: session.credential, maskSecret }),
      uploader: createLocalUploader(scope, () => openDefaultBlobStore(workspaceApi, { httpClient: session.httpClient, credential: session.credential, maskSecret }), log),
      log,
    },
  };
}

export async function runModelTask(host: TaskHost, session: AzureSession, inputs: ModelInputs): Promise<void> {
  const scope: WorkspaceScope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  const workspace = await getVerifiedWorkspace(session, scope);
  const apiHost = amlApiHost(session.cloud, workspace.location, workspace.discoveryUrl);
  const model = await registerModel(services(host, session, scope, apiHost), inputs);
  publishModel(host, model, inputs.modelJsonFile);
}
