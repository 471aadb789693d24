// Promotion: a model version of another workspace (dev → prod) or of an Azure ML registry registered in this
// one. Its files are read from the source workspace's storage with that workspace's datastore credentials, or
// from the registry's storage with the SAS the registry hands out (as `az ml model download --registry-name`
// does), copied through the agent into this workspace's default datastore in the layout `az ml model create
// --path` leaves (LocalUpload/<content hash>/<folder>), and the version keeps the source's type, description,
// tags and properties, recording the source's asset id. Re-running the step finds the version promoted before
// without copying anything.
import * as fs from "node:fs";
import * as path from "node:path";
import { describeArmError, parseArmFailure } from "../azure/armErrors";
import { UserError, isUserError } from "../platform/userError";
import { PROMOTED_FROM_PROPERTY, withoutRunLineage } from "../workspace/lineage";
import type { DatastoreFiles } from "../workspace/datastoreFiles";
import type { ModelRegistryApi, ModelVersionResource } from "../workspace/modelRegistry";
import type { RegistryBlobReference, RegistryLocation, RegistryModelsApi } from "../workspace/registryModels";
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

/** An Azure ML registry, opened for reading: its model versions and the files behind a version's SAS. */
export interface SourceRegistry {
  location: RegistryLocation;
  models: Pick<RegistryModelsApi, "getVersion" | "readReference">;
  files(reference: RegistryBlobReference): DatastoreFiles;
}

export interface PromotionAccess {
  /** Verifies the workspace (exists, readable) and opens it; a UserError says why it cannot be. */
  openWorkspace(scope: WorkspaceScope): Promise<SourceWorkspace>;
  /** Finds the registry (registry discovery) and opens it; a UserError says why it cannot be. */
  openRegistry(name: string): Promise<SourceRegistry>;
  /** A new empty folder on the agent for the copy; the caller removes it. */
  scratchFolder(): string;
}

/** A version promoted from this source before (newest first), honouring an explicit version. */
export async function findPromotedVersion(api: ModelRegistryApi, modelName: string, source: SourceModelRef, version: string | undefined): Promise<ModelVersionResource | undefined> {
  const previous = await api.findVersionsWithProperty(modelName, PROMOTED_FROM_PROPERTY, sourceModelId(source));
  return version ? previous.find((model) => model.name === version) : previous[0];
}

/** Reads the version; a missing one or one the identity may not read is a UserError naming `where`. */
async function readVersion(read: () => Promise<ModelVersionResource | undefined>, ref: SourceModelRef, where: string, access: { action: string; scope: string }): Promise<ModelVersionResource> {
  let version: ModelVersionResource | undefined;
  try {
    version = await read();
  } catch (error) {
    if (!parseArmFailure(error) || isUserError(error)) throw error;
    throw new UserError(`Input sourceModel: cannot read model '${ref.name}' version '${ref.version}' in ${where}:\n${describeArmError(error, access)}`);
  }
  if (!version) {
    throw new UserError(`Input sourceModel: model '${ref.name}' version '${ref.version}' was not found in ${where}. Check the name and version, e.g. the modelAssetId the registration step in the source environment reported.`);
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

/** A source version whose files can be read: the copy is the same for workspaces and registries. */
interface ReadableVersion {
  version: ModelVersionResource;
  /** Where the files are, for the log and errors: "<uri> in workspace 'w'". */
  location: string;
  /** The path of the files in their storage (its last segment names the copy's folder). */
  path: string;
  download(target: string): Promise<{ files: number; bytes: number }>;
}

async function openWorkspaceVersion(context: SourceContext, ref: Extract<SourceModelRef, { kind: "workspace" }>, locate: (context: SourceContext, uri: string) => Promise<ResolvedSource["storage"]>): Promise<ReadableVersion> {
  const { workspace, resourceGroup, subscriptionId } = ref.scope;
  const source = await context.promotion.openWorkspace(ref.scope);
  const version = await readVersion(() => source.models.getVersion(ref.name, ref.version), ref, `workspace '${workspace}' (resource group '${resourceGroup}', subscription '${subscriptionId}')`, {
    action: "Microsoft.MachineLearningServices/workspaces/models/versions/read",
    scope: sourceModelArmId(ref),
  });
  const storage = await locateSourceFiles(source, ref, version.properties.modelUri, locate);
  return {
    version,
    location: `azureml://datastores/${storage.datastore}/paths/${storage.path} in workspace '${workspace}'`,
    path: storage.path,
    download: (target) => source.context.files.download(storage, target),
  };
}

async function openRegistryVersion(context: SourceContext, ref: Extract<SourceModelRef, { kind: "registry" }>): Promise<ReadableVersion> {
  const registry = await context.promotion.openRegistry(ref.registry);
  const { subscriptionId, resourceGroup } = registry.location;
  const scope = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${ref.registry}`;
  const where = `registry '${ref.registry}'`;
  const version = await readVersion(() => registry.models.getVersion(ref.name, ref.version), ref, where, { action: "Microsoft.MachineLearningServices/registries/models/versions/read", scope });
  const modelUri = version.properties.modelUri;
  if (!modelUri || !/^https:\/\//i.test(modelUri)) {
    throw new UserError(`Input sourceModel: the files of ${sourceModelId(ref)} are at ${modelUri ?? "(no modelUri)"}, not in the registry's storage; the task copies registry models whose files the registry stores.`);
  }
  let reference: RegistryBlobReference;
  try {
    reference = await registry.models.readReference(ref.name, ref.version, modelUri);
  } catch (error) {
    if (!parseArmFailure(error) || isUserError(error)) throw error;
    throw new UserError(`Input sourceModel: cannot read the files of model '${ref.name}' version '${ref.version}' in ${where}:\n${describeArmError(error, { action: "Microsoft.MachineLearningServices/registries/assets/read", scope })}`);
  }
  const files = registry.files(reference);
  return { version, location: `${modelUri} in ${where}`, path: reference.path, download: (target) => files.download({ datastore: ref.registry, path: reference.path }, target) };
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
  if (ref.kind === "workspace" && isSameWorkspace(ref.scope, context.scope) && ref.name === target.modelName) {
    throw new UserError(`Input sourceModel: ${sourceModelId(ref)} is model '${ref.name}' of this very workspace; it needs no promotion. Reference it as azureml:${ref.name}:${ref.version}.`);
  }
  const source = ref.kind === "registry" ? await openRegistryVersion(context, ref) : await openWorkspaceVersion(context, ref, locate);
  const promoted = promotedModel(ref, source.version);
  const scratch = context.promotion.scratchFolder();
  try {
    // The folder keeps the source's last path segment, so the copy's LocalUpload/<hash>/<name> reads like the original.
    const local = path.join(scratch, source.path.replace(/\/+$/, "").split("/").pop() || ref.name);
    context.log(`Copying model '${ref.name}' version '${ref.version}' (${promoted.modelType}) from ${source.location}.`);
    const { files, bytes } = await source.download(local);
    if (files === 0) throw new UserError(`Input sourceModel: the files of ${promoted.id} are missing: nothing was found at ${source.location}.`);
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
