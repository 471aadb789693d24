// Where the model comes from, resolved to what the registry stores (modelUri, jobName) and to the
// datastore path that holds its files, checked the way a user would want before anything is registered:
// the job exists and completed, the output exists and is not empty, the local folder is uploaded.
import * as fs from "node:fs";
import * as path from "node:path";
import type { JobResource } from "../workspace/workspaceApi";
import { isSameWorkspace, type WorkspaceScope } from "../workspace/scope";
import { UserError } from "../platform/userError";
import type { DatastoreFiles, DatastorePath } from "../workspace/datastoreFiles";
import type { ModelSourceInput } from "./inputs";
import type { LocalUploader } from "./localUpload";
import { resolvePromotion, type PromotedModel, type PromotionAccess } from "./promotion";

export interface ResolvedSource {
  kind: ModelSourceInput["kind"];
  /** What the model version's modelUri is set to. */
  modelUri: string;
  /** For the log, the model's properties and the model JSON file. */
  description: string;
  /** The job that produced the model (ModelVersion.jobName). */
  jobName?: string;
  /** The datastore path holding the files, when the task can read it. */
  storage?: DatastorePath;
  /** True/false when the task could look for an MLmodel file; undefined when it could not. */
  hasMlflowModel?: boolean;
  /** True when the source is a single file (MLflow models are folders). */
  isFile?: boolean;
  /** For a local upload: the blob whose metadata records the asset's name and version. */
  indicatorBlob?: string;
  /** For a promotion: what the version takes over from its source. */
  promotedFrom?: PromotedModel;
}

export interface SourceContext {
  scope: WorkspaceScope;
  getJob(name: string): Promise<JobResource | undefined>;
  defaultDatastoreName(): Promise<string>;
  files: DatastoreFiles;
  uploader: LocalUploader;
  /** Other workspaces, for promotion. */
  promotion: PromotionAccess;
  log(message: string): void;
}

const MLMODEL = "MLmodel";
/** The output every job has: the run's artifacts (MLflow-logged models among them). */
const ARTIFACTS_OUTPUT = "artifacts";

const joinPath = (...parts: Array<string | undefined>): string => parts.filter(Boolean).map((p) => p!.replace(/^\/+|\/+$/g, "")).filter(Boolean).join("/");

/** azureml://datastores/<ds>/paths/<p>, or the long form naming this workspace; undefined for anything else. */
export function parseDatastoreUri(uri: string, scope: WorkspaceScope): DatastorePath | undefined {
  const short = /^azureml:\/\/datastores\/([^/]+)\/paths\/?(.*)$/i.exec(uri);
  if (short) return { datastore: short[1], path: short[2] };
  const long = /^azureml:\/\/subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/([^/]+)\/datastores\/([^/]+)\/paths\/?(.*)$/i.exec(uri);
  if (long && isSameWorkspace({ subscriptionId: long[1], resourceGroup: long[2], workspace: long[3] }, scope)) {
    return { datastore: long[4], path: long[5] };
  }
  return undefined;
}

/** azureml://jobs/<job>/outputs/<output>[/paths/<path>] */
export function parseJobOutputUri(uri: string): { jobName: string; outputName: string; pathInOutput?: string } | undefined {
  const match = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths\/?(.*))?$/i.exec(uri);
  if (!match) return undefined;
  const pathInOutput = match[3]?.replace(/\/+$/, "");
  return { jobName: match[1], outputName: match[2], ...(pathInOutput ? { pathInOutput } : {}) };
}

export function jobOutputUri(jobName: string, outputName: string, pathInOutput?: string): string {
  return `azureml://jobs/${jobName}/outputs/${outputName}${pathInOutput ? `/paths/${pathInOutput}` : ""}`;
}

async function hasFile(files: DatastoreFiles, storage: DatastorePath, name: string): Promise<boolean> {
  return (await files.list({ datastore: storage.datastore, path: joinPath(storage.path, name) }, 1)).length > 0;
}

/** Where a job output's files are: its bound URI, else Azure ML's default azureml/<job>/<output>/ on the default datastore. */
async function outputStorage(context: SourceContext, job: JobResource, outputName: string): Promise<DatastorePath | undefined> {
  if (outputName === ARTIFACTS_OUTPUT && !job.properties.outputs?.[outputName]) {
    return { datastore: "workspaceartifactstore", path: `ExperimentRun/dcid.${job.name}/` };
  }
  const bound = job.properties.outputs?.[outputName]?.uri;
  if (typeof bound === "string" && bound) return parseDatastoreUri(bound, context.scope);
  return { datastore: await context.defaultDatastoreName(), path: `azureml/${job.name}/${outputName}/` };
}

async function resolveJobOutput(context: SourceContext, jobName: string, outputName: string, pathInOutput: string | undefined): Promise<ResolvedSource> {
  const job = await context.getJob(jobName);
  if (!job) {
    throw new UserError(`Azure ML job '${jobName}' was not found in workspace '${context.scope.workspace}'. Check the jobName input: it is the name the AzureMLJob step reports in its jobName output variable.`);
  }
  const status = job.properties.status ?? "Unknown";
  if (status !== "Completed") {
    throw new UserError(`Azure ML job '${jobName}' is ${status}, not Completed: only the outputs of a completed job are registered. ${status === "Failed" || status === "Canceled" ? "Fix and re-run the job" : "Wait for it to finish (AzureMLJob@1 waits by default)"}, then run this step again.`);
  }
  const outputs = Object.keys(job.properties.outputs ?? {});
  const output = job.properties.outputs?.[outputName];
  if (!output && outputName !== ARTIFACTS_OUTPUT) {
    throw new UserError(`Azure ML job '${jobName}' has no output '${outputName}'. ${outputs.length ? `Its outputs are: ${outputs.join(", ")}.` : "It declares no outputs."} Set the outputName input to the output the training script writes the model to, or use 'artifacts' for the files it logged with MLflow.`);
  }
  const base = await outputStorage(context, job, outputName);
  const storage = base && { datastore: base.datastore, path: joinPath(base.path, pathInOutput) };
  const description = `job ${jobName}, output ${outputName}${pathInOutput ? `, path ${pathInOutput}` : ""}`;
  let hasMlflowModel: boolean | undefined = output?.jobOutputType === "mlflow_model" ? true : undefined;
  let isFile: boolean | undefined;
  if (storage) {
    const files = await context.files.list(storage, 2);
    if (files.length === 0) {
      throw new UserError(`The ${description} is empty: nothing was found at azureml://datastores/${storage.datastore}/paths/${storage.path}. The training script must write the model into that output (\${{outputs.${outputName}}})${pathInOutput ? ", or the pathInOutput input names a path that does not exist" : ""}.`);
    }
    isFile = files.includes("");
    hasMlflowModel ??= isFile ? false : await hasFile(context.files, storage, MLMODEL);
  } else {
    context.log(`The ${description} is bound to ${String(output?.uri)}, which the task cannot inspect; registering it without checking its content.`);
  }
  return { kind: "jobOutput", modelUri: jobOutputUri(jobName, outputName, pathInOutput), description, jobName, storage, hasMlflowModel, isFile };
}

async function resolveLocalPath(context: SourceContext, localPath: string, modelName: string, version: string | undefined): Promise<ResolvedSource> {
  const stat = fs.statSync(localPath, { throwIfNoEntry: false });
  if (!stat) throw new UserError(`Input modelPath: ${localPath} does not exist.`);
  const upload = await context.uploader.upload(localPath, modelName, version);
  return {
    kind: "localPath",
    modelUri: upload.modelUri,
    description: `local ${stat.isDirectory() ? "folder" : "file"} ${localPath}`,
    storage: upload.storage,
    hasMlflowModel: stat.isDirectory() && fs.existsSync(path.join(localPath, MLMODEL)),
    isFile: !stat.isDirectory(),
    indicatorBlob: upload.indicatorBlob,
  };
}

async function resolveUri(context: SourceContext, uri: string): Promise<ResolvedSource> {
  const jobOutput = parseJobOutputUri(uri);
  if (jobOutput) return resolveJobOutput(context, jobOutput.jobName, jobOutput.outputName, jobOutput.pathInOutput);
  const storage = parseDatastoreUri(uri, context.scope);
  if (!storage) {
    context.log(`${uri} is outside the workspace's datastores; registering it without checking its content.`);
    return { kind: "uri", modelUri: uri, description: uri };
  }
  const files = await context.files.list(storage, 2);
  if (files.length === 0) throw new UserError(`Input modelUri: nothing was found at ${uri}. Check the datastore path.`);
  const isFile = files.includes("");
  return { kind: "uri", modelUri: uri, description: uri, storage, isFile, hasMlflowModel: isFile ? false : await hasFile(context.files, storage, MLMODEL) };
}

/** Where a registered model's files are (a datastore path or a job output of the workspace); undefined elsewhere. */
export async function locateModelFiles(context: SourceContext, modelUri: string): Promise<DatastorePath | undefined> {
  const jobOutput = parseJobOutputUri(modelUri);
  if (jobOutput) return (await resolveJobOutput(context, jobOutput.jobName, jobOutput.outputName, jobOutput.pathInOutput)).storage;
  return parseDatastoreUri(modelUri, context.scope);
}

export function resolveSource(context: SourceContext, source: ModelSourceInput, modelName: string, version: string | undefined): Promise<ResolvedSource> {
  switch (source.kind) {
    case "jobOutput":
      return resolveJobOutput(context, source.jobName, source.outputName, source.pathInOutput);
    case "localPath":
      return resolveLocalPath(context, source.path, modelName, version);
    case "uri":
      return resolveUri(context, source.uri);
    case "model":
      return resolvePromotion(context, source.sourceModel, { modelName, version }, locateModelFiles);
  }
}
