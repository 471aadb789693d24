// Promotion: a model version of another workspace (dev → prod) registered in this one. Its files are read
// from the source workspace's storage with that workspace's datastore credentials, copied through the agent
// into this workspace's default datastore in the layout `az ml model create --path` leaves (LocalUpload/<content
// hash>/<folder>), and the version keeps the source's type, description, tags and properties, recording the
// source's asset id. Re-running the step finds the version promoted before without copying anything.
import * as fs from "node:fs";
import * as path from "node:path";
import { describeArmError, parseArmFailure } from "../azure/armErrors";
import { UserError, isUserError } from "../platform/userError";
import { PROMOTED_FROM_PROPERTY, withoutRunLineage } from "../workspace/lineage";
import type { ModelRegistryApi, ModelVersionResource } from "../workspace/modelRegistry";
import { isSameWorkspace, type WorkspaceScope } from "../workspace/scope";
import { describeSourceModel, sourceModelArmId, sourceModelId, type SourceModelRef } from "./sourceModel";
import type { ResolvedSource, SourceContext } from "./source";

/** What the promoted version takes over from its source. */
export interface PromotedModel {
  /** The source's canonical asset id (azure-devops.promotedFrom). */
  id: string;
  modelType: string;
  description?: string | null;
  tags: Record<string, string>;
  /** The source's own properties, without the source run's azure-devops.* lineage. */
  properties: Record<string, string>;
}

/** Another workspace, opened for reading: its jobs and datastores, and its model registry. */
export interface SourceWorkspace {
  context: SourceContext;
  models: ModelRegistryApi;
}

export interface PromotionAccess {
  /** Verifies the workspace (exists, readable) and opens it; a UserError says why it cannot be. */
  openWorkspace(scope: WorkspaceScope): Promise<SourceWorkspace>;
  /** A new empty folder on the agent for the copy; the caller removes it. */
  scratchFolder(): string;
}

/** A version promoted from this source before (newest first), honouring an explicit version. */
export async function findPromotedVersion(api: ModelRegistryApi, modelName: string, source: SourceModelRef, version: string | undefined): Promise<ModelVersionResource | undefined> {
  const previous = await api.findVersionsWithProperty(modelName, PROMOTED_FROM_PROPERTY, sourceModelId(source));
  return version ? previous.find((model) => model.name === version) : previous[0];
}

async function readSourceVersion(source: SourceWorkspace, ref: Extract<SourceModelRef, { kind: "workspace" }>): Promise<ModelVersionResource> {
  const { workspace, resourceGroup, subscriptionId } = ref.scope;
  let version: ModelVersionResource | undefined;
  try {
    version = await source.models.getVersion(ref.name, ref.version);
  } catch (error) {
    if (!parseArmFailure(error) || isUserError(error)) throw error;
    throw new UserError(`Input sourceModel: cannot read model '${ref.name}' version '${ref.version}' in workspace '${workspace}':\n${describeArmError(error, { action: "Microsoft.MachineLearningServices/workspaces/models/versions/read", scope: sourceModelArmId(ref) })}`);
  }
  if (!version) {
    throw new UserError(`Input sourceModel: model '${ref.name}' version '${ref.version}' was not found in workspace '${workspace}' (resource group '${resourceGroup}', subscription '${subscriptionId}'). Check the name and version, e.g. the modelAssetId the registration step in the source environment reported.`);
  }
  return version;
}

/** The datastore path of the source version's files, in the source workspace. */
async function locateSourceFiles(source: SourceWorkspace, ref: SourceModelRef, modelUri: string | undefined, locate: (context: SourceContext, uri: string) => Promise<ResolvedSource["storage"]>): Promise<NonNullable<ResolvedSource["storage"]>> {
  const storage = modelUri ? await locate(source.context, modelUri) : undefined;
  if (!storage) {
    throw new UserError(`Input sourceModel: the files of ${sourceModelId(ref)} are at ${modelUri ?? "(no modelUri)"}, outside the source workspace's datastores; the task copies models whose files are on a datastore of the source workspace or a job output there.`);
  }
  return storage;
}

function promotedModel(ref: SourceModelRef, version: ModelVersionResource): PromotedModel {
  const { modelType = "custom_model", description, tags = {}, properties = {} } = version.properties;
  return { id: sourceModelId(ref), modelType, description, tags, properties: withoutRunLineage(properties) };
}

/**
 * Copies the source version's files into this workspace's default datastore and describes the result;
 * `locate` finds a model URI's files in a workspace (datastore paths and job outputs).
 */
export async function resolvePromotion(
  context: SourceContext,
  ref: SourceModelRef,
  target: { modelName: string; version?: string },
  locate: (context: SourceContext, uri: string) => Promise<ResolvedSource["storage"]>,
): Promise<ResolvedSource> {
  if (ref.kind === "registry") {
    throw new UserError(`Input sourceModel: registries are not supported yet as a promotion source (${sourceModelId(ref)}). Promote from the workspace that holds the model, or deploy the registry model by reference.`);
  }
  if (isSameWorkspace(ref.scope, context.scope) && ref.name === target.modelName) {
    throw new UserError(`Input sourceModel: ${sourceModelId(ref)} is model '${ref.name}' of this very workspace; it needs no promotion. Reference it as azureml:${ref.name}:${ref.version}.`);
  }
  const access = context.promotion;
  const source = await access.openWorkspace(ref.scope);
  const version = await readSourceVersion(source, ref);
  const storage = await locateSourceFiles(source, ref, version.properties.modelUri, locate);
  const promoted = promotedModel(ref, version);
  const scratch = access.scratchFolder();
  try {
    // The folder keeps the source's last path segment, so the copy's LocalUpload/<hash>/<name> reads like the original.
    const local = path.join(scratch, storage.path.replace(/\/+$/, "").split("/").pop() || ref.name);
    context.log(`Copying model '${ref.name}' version '${ref.version}' (${promoted.modelType}) from workspace '${ref.scope.workspace}' (azureml://datastores/${storage.datastore}/paths/${storage.path}).`);
    const { files, bytes } = await source.context.files.download(storage, local);
    if (files === 0) throw new UserError(`Input sourceModel: the files of ${promoted.id} are missing: nothing was found at azureml://datastores/${storage.datastore}/paths/${storage.path} in workspace '${ref.scope.workspace}'.`);
    context.log(`Read ${files} file(s), ${bytes} bytes.`);
    const isFile = fs.statSync(local).isFile();
    const upload = await context.uploader.upload(local, target.modelName, target.version);
    return {
      kind: "model",
      modelUri: upload.modelUri,
      description: describeSourceModel(ref),
      storage: upload.storage,
      hasMlflowModel: promoted.modelType === "mlflow_model",
      isFile,
      indicatorBlob: upload.indicatorBlob,
      promotedFrom: promoted,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
