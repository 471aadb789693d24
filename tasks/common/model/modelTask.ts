// AzureMLModel@1 on a connected session: wires the Azure services to the registration core and
// publishes the result (output variables, model JSON file, log).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AzureSession } from "../azure/azureSession";
import { describeArmError, parseArmFailure } from "../azure/armErrors";
import { UserError, isUserError } from "../platform/userError";
import { readPipelineRun } from "../workspace/lineage";
import { createWorkspaceApi } from "../workspace/workspaceApi";
import type { WorkspaceScope } from "../workspace/scope";
import type { TaskHost } from "../platform/taskHost";
import { readFinalMetrics } from "../workspace/mlflow";
import { amlApiHost, getVerifiedWorkspace } from "../workspace/workspace";
import { createBlobFiles, createDatastoreFiles } from "../workspace/datastoreFiles";
import { createRegistryModelsApi, discoverRegistry } from "../workspace/registryModels";
import { openDefaultBlobStore, openSasContainer } from "../workspace/datastores";
import type { ModelInputs } from "./inputs";
import { createLocalUploader } from "./localUpload";
import { createModelRegistryApi } from "../workspace/modelRegistry";
import { writeModelJson, type RegisteredModel } from "./modelJson";
import { registerModel, type ModelRegistrationDeps } from "./registerModel";
import type { SourceRegistry } from "./promotion";
import type { SourceContext } from "./source";

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

const REGISTRY_ACCESS = "Promoting a model from a registry reads the registry, its model version and a SAS for its files: grant the service connection's identity the AzureML Registry User role on the registry.";

const SOURCE_ACCESS = "Promoting a model reads the source workspace, its model version, its datastore and the datastore's key: grant the service connection's identity the AzureML Data Scientist role on the source workspace (Reader is not enough for the datastore key).";

/** Finds a registry through the discovery service on the target workspace's regional API host (any region answers for every registry). */
async function openRegistry(host: TaskHost, session: AzureSession, apiHost: string, name: string): Promise<SourceRegistry> {
  let location;
  try {
    location = await discoverRegistry(session, apiHost, name);
  } catch (error) {
    if (!parseArmFailure(error) || isUserError(error)) throw error;
    throw new UserError(`Input sourceModel: cannot find registry '${name}':\n${describeArmError(error)}\n${REGISTRY_ACCESS}`);
  }
  if (!location) throw new UserError(`Input sourceModel: registry '${name}' was not found (registry discovery at ${apiHost}). Check the registry name in the asset id.`);
  const maskSecret = (secret: string) => host.setSecret(secret);
  return {
    location,
    models: createRegistryModelsApi(session, location),
    files: (reference) => createBlobFiles(async () => openSasContainer(reference.containerSasUrl, { httpClient: session.httpClient, maskSecret })),
  };
}

/** A workspace's jobs, datastores and uploads as registration reads them; other workspaces open the same way (promotion). */
function sourceContext(host: TaskHost, session: AzureSession, scope: WorkspaceScope, apiHost: string): SourceContext {
  const workspaceApi = createWorkspaceApi(session, scope);
  const log = (message: string) => host.log(message);
  const maskSecret = (secret: string) => host.setSecret(secret);
  return {
    scope,
    getJob: async (name) => (await workspaceApi.getJob(name)).job,
    defaultDatastoreName: async () => (await workspaceApi.defaultDatastore()).name,
    files: createDatastoreFiles({ getDatastore: workspaceApi.getDatastore, datastoreSecrets: workspaceApi.datastoreSecrets, httpClient: session.httpClient, credential: session.credential, maskSecret }),
    uploader: createLocalUploader(scope, () => openDefaultBlobStore(workspaceApi, { httpClient: session.httpClient, credential: session.credential, maskSecret }), log),
    promotion: {
      async openWorkspace(sourceScope) {
        try {
          await getVerifiedWorkspace(session, sourceScope);
        } catch (error) {
          if (isUserError(error)) throw new UserError(`Input sourceModel: ${error.message}\n${SOURCE_ACCESS}`);
          throw error;
        }
        return { context: sourceContext(host, session, sourceScope, apiHost), models: createModelRegistryApi(session, sourceScope) };
      },
      openRegistry: (name) => openRegistry(host, session, apiHost, name),
      scratchFolder: () => fs.mkdtempSync(path.join(host.getVariable("Agent.TempDirectory") ?? os.tmpdir(), "azureml-model-")),
    },
    log,
  };
}

function services(host: TaskHost, session: AzureSession, scope: WorkspaceScope, apiHost: string): ModelRegistrationDeps {
  return {
    api: createModelRegistryApi(session, scope),
    run: readPipelineRun((name) => host.getVariable(name)),
    readMetrics: (jobName) => readFinalMetrics(session, apiHost, scope, jobName),
    log: (message) => host.log(message),
    warning: (message) => host.warning(message),
    source: sourceContext(host, session, scope, apiHost),
  };
}

export async function runModelTask(host: TaskHost, session: AzureSession, inputs: ModelInputs): Promise<void> {
  const scope: WorkspaceScope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  const workspace = await getVerifiedWorkspace(session, scope);
  const apiHost = amlApiHost(session.cloud, workspace.location, workspace.discoveryUrl);
  const model = await registerModel(services(host, session, scope, apiHost), inputs);
  publishModel(host, model, inputs.modelJsonFile);
}
