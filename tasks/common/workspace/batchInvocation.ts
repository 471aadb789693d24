// Invoking a batch endpoint the way azure-ai-ml's BatchEndpointOperations.invoke does (the call behind
// `az ml batch-endpoint invoke`): read the endpoint (ARM, api-version 2023-04-01) for its scoring URI; check a
// named deployment against the endpoint's deployments; resolve each input (a data asset to its version's ARM id,
// a local path uploaded to the default datastore like job inputs, datastore URIs and http(s) URLs as they are);
// then POST {"properties": BatchJob} to the scoring URI with a Microsoft Entra token for Azure ML's own audience
// (not ARM's) and the azureml-model-deployment header. The answer is the batch job, whose name is the Azure ML
// job that runs the scoring (read and waited for like any job).
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../platform/userError";
import type { BatchEndpointResource, BatchEndpointsApi, BatchJobResource } from "./batchEndpoints";
import type { BlobStore } from "./datastores";
import { uploadSnapshots, type UploadChecks } from "./pendingUploads";
import { assetVersionArmId, workspaceArmId, type WorkspaceScope } from "./scope";
import type { WorkspaceApi } from "./workspaceApi";

/** The calls of an invocation: reading the endpoint and its deployments, and the POST; tests replace them. */
export type BatchInvocationApi = Pick<BatchEndpointsApi, "scope" | "getEndpoint" | "listDeployments" | "invoke">;

/** The data types an input can have (AssetTypes), and the literal ones pipeline component deployments take (InputTypes). */
export const DATA_INPUT_TYPES = ["uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model", "triton_model"] as const;
export const LITERAL_INPUT_TYPES = ["string", "integer", "number", "boolean"] as const;
export type DataInputType = (typeof DATA_INPUT_TYPES)[number];
export type LiteralInputType = (typeof LITERAL_INPUT_TYPES)[number];

/** One input as the user gave it: data at a path (asset, datastore URI, URL or local path), or a literal value. */
export type BatchInput = { type: DataInputType; path: string } | { type: LiteralInputType; value: string };

/** One output location override: a datastore URI (outputData, for pipeline component deployments). */
export interface BatchOutput {
  type: "uri_folder" | "uri_file";
  path: string;
}

export interface BatchInvocation {
  endpointName: string;
  /** A named deployment; undefined: the endpoint's default deployment. */
  deploymentName?: string;
  /** The single input of `az ml batch-endpoint invoke --input` (sent keyed UriFolder or UriFile, as the CLI does). */
  input?: BatchInput;
  /** Named inputs (the SDK's inputs={...}): the way to feed a pipeline component deployment or name a model deployment's input. */
  inputs?: Record<string, BatchInput>;
  /** Named output locations (outputData). */
  outputs?: Record<string, BatchOutput>;
  /** Where a model deployment writes its output: azureml://datastores/<datastore>/paths/<path> (outputDataset). */
  outputPath?: string;
  outputFileName?: string;
  miniBatchSize?: number;
  instanceCount?: number;
  errorThreshold?: number;
  /** Where relative local input paths start. */
  baseDirectory: string;
  /** Which input (task input name) each value came from, for errors; default "input"/"inputs". */
  origin?: (inputName: string | undefined) => string;
}

export interface InvocationServices {
  batch: BatchInvocationApi;
  workspace: WorkspaceApi;
  /** Opens the default datastore; called only when a local input must be uploaded. */
  openStore: () => Promise<BlobStore>;
  log: (message: string) => void;
  uploadChecks?: UploadChecks;
  /** Aborts the reads before the POST; never the POST itself (see BatchEndpointsApi.invoke). */
  signal?: AbortSignal;
}

export interface InvocationResult {
  job: BatchJobResource;
  endpoint: BatchEndpointResource;
  /** The body that was sent. */
  body: { properties: Record<string, unknown> };
}

const SHORT_URI = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/;
const LONG_URI = /^azureml:\/\/subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/workspaces\/([^/]+)\/datastores\/([^/]+)\/paths\/(.+)$/;
/** azureml:<name>:<version> (AZUREML_REGEX_FORMAT) and the ARM id of a data version. */
const ASSET_VERSION = /^azureml:([^/:@]+):(.+)$/;
const ASSET_LABEL = /^azureml:([^/:@]+)@(.+)$/;
const DATA_ARM_ID = /^(?:azureml:)?\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/data\/[^/]+\/versions\/[^/]+$/i;

/** jobInputType / jobOutputType of each type (AssetTypes to the REST enum). */
const REST_TYPE: Record<DataInputType, string> = {
  uri_folder: "UriFolder",
  uri_file: "UriFile",
  mltable: "MLTable",
  mlflow_model: "MLFlowModel",
  custom_model: "CustomModel",
  triton_model: "TritonModel",
};

function isLiteral(input: BatchInput): input is { type: LiteralInputType; value: string } {
  return (LITERAL_INPUT_TYPES as readonly string[]).includes(input.type);
}

/** A datastore path's parts (short or long azureml:// form), or undefined. */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const short = SHORT_URI.exec(uri);
  if (short) return { datastore: short[1], path: short[2] };
  const long = LONG_URI.exec(uri);
  return long ? { datastore: long[4], path: long[5] } : undefined;
}

/** The input's path as the service takes it (_resolve_input): uploads a local path, looks up @latest. */
async function resolvePath(what: string, input: { type: DataInputType; path: string }, request: BatchInvocation, services: InvocationServices): Promise<string> {
  const value = input.path;
  if (!value) throw new UserError(`${what}: the path is empty. Give a data asset (azureml:<name>:<version>), a datastore URI (azureml://datastores/<datastore>/paths/<path>), an http(s) URL or a local path.`);
  if (/^https?:\/\//i.test(value) || SHORT_URI.test(value) || LONG_URI.test(value)) return value;
  if (DATA_ARM_ID.test(value)) return value.replace(/^azureml:/, "");
  const label = ASSET_LABEL.exec(value);
  if (label) {
    if (label[2] !== "latest") throw new UserError(`${what}: '${value}' names the label '${label[2]}'; only @latest is supported for data assets. Name a version (azureml:${label[1]}:<version>) or use azureml:${label[1]}@latest.`);
    const version = await services.workspace.latestVersion("data", label[1]);
    if (!version) throw new UserError(`${what}: data asset '${label[1]}' was not found in workspace '${services.workspace.scope.workspace}' or has no versions, so @latest cannot be resolved. Register it first, or name a version.`);
    return assetVersionArmId(services.workspace.scope, "data", label[1], version);
  }
  const version = ASSET_VERSION.exec(value);
  if (version) return assetVersionArmId(services.workspace.scope, "data", version[1], version[2]);
  if (/^azureml:/.test(value)) {
    throw new UserError(`${what}: '${value}' is not a data asset reference or datastore URI: use azureml:<name>:<version>, azureml:<name>@latest or azureml://datastores/<datastore>/paths/<path>.`);
  }
  return uploadLocal(what, input, request, services);
}

/** A local file or folder, uploaded to the default datastore like a job's local input; a folder's URI ends with '/'. */
async function uploadLocal(what: string, input: { type: DataInputType; path: string }, request: BatchInvocation, services: InvocationServices): Promise<string> {
  const localPath = path.resolve(request.baseDirectory, input.path);
  const stat = fs.statSync(localPath, { throwIfNoEntry: false });
  if (!stat) throw new UserError(`${what}: '${input.path}' is not a data asset, datastore URI or URL, and there is no local file or folder ${localPath}.`);
  if (input.type === "uri_folder" && !stat.isDirectory()) throw new UserError(`${what}: ${localPath} is a file, but the input type is uri_folder. Set the input type to uri_file, or give a folder.`);
  if (input.type === "uri_file" && !stat.isFile()) throw new UserError(`${what}: ${localPath} is a folder, but the input type is uri_file. Set the input type to uri_folder, or give a file.`);
  const { uploads } = await uploadSnapshots([{ token: "input", purpose: "input", localPath, defaultIgnores: [], origin: what }], await services.openStore(), services.workspace, services.log, services.uploadChecks);
  const uri = uploads.input.datastoreUri;
  return input.type === "uri_folder" && !uri.endsWith("/") ? `${uri}/` : uri;
}

async function restInput(what: string, input: BatchInput, request: BatchInvocation, services: InvocationServices): Promise<Record<string, unknown>> {
  if (isLiteral(input)) return { jobInputType: "Literal", value: input.value };
  return { uri: await resolvePath(what, input, request, services), jobInputType: REST_TYPE[input.type] };
}

/** outputDataset from an azureml://datastores/<datastore>/paths/<path> URI: the datastore's ARM id and the path. */
function outputDataset(outputPath: string, scope: WorkspaceScope, what: string): { datastoreId: string; path: string } {
  const parts = parseDatastoreUri(outputPath);
  if (!parts) throw new UserError(`${what}: '${outputPath}' is not a datastore path: use azureml://datastores/<datastore>/paths/<path>.`);
  return { datastoreId: `${workspaceArmId(scope)}/datastores/${parts.datastore}`, path: parts.path.replace(/\/+$/, "") };
}

/** An invocation has one input (az ml's --input) or named inputs (the SDK's inputs={...}), never both. */
export function checkInputChoice(request: Pick<BatchInvocation, "input" | "inputs">, what: string): void {
  if (request.input && request.inputs && Object.keys(request.inputs).length > 0) {
    throw new UserError(`${what}: give either one input (input) or named inputs (inputs), not both.`);
  }
}

/** The BatchJob body (BatchJobSchema's fields, serialized as BatchJobResource(properties=...) is). */
export async function invocationBody(request: BatchInvocation, services: InvocationServices): Promise<{ properties: Record<string, unknown> }> {
  const origin = request.origin ?? ((name) => `Input ${name ?? "input"}`);
  checkInputChoice(request, "Inputs input and inputs");
  const properties: Record<string, unknown> = {};
  if (request.input) {
    if (request.input.type !== "uri_folder" && request.input.type !== "uri_file") {
      throw new UserError(`${origin("input")}: a single input must be uri_folder or uri_file (got ${request.input.type}); give other types as named inputs.`);
    }
    // The CLI's single input: MFE takes a dictionary keyed by the input's type.
    properties.inputData = { [REST_TYPE[request.input.type]]: await restInput(origin("input"), request.input, request, services) };
  } else if (request.inputs && Object.keys(request.inputs).length > 0) {
    const inputData: Record<string, unknown> = {};
    for (const [name, input] of Object.entries(request.inputs)) inputData[name] = await restInput(`${origin("inputs")} (${name})`, input, request, services);
    properties.inputData = inputData;
  }
  if (request.outputs && Object.keys(request.outputs).length > 0) {
    const outputData: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(request.outputs)) {
      if (!parseDatastoreUri(output.path)) throw new UserError(`${origin("outputs")} (${name}): '${output.path}' is not a datastore path: use azureml://datastores/<datastore>/paths/<path>.`);
      outputData[name] = { uri: output.path, jobOutputType: REST_TYPE[output.type] };
    }
    properties.outputData = outputData;
  }
  if (request.outputPath) properties.outputDataset = outputDataset(request.outputPath, services.workspace.scope, origin("outputPath"));
  if (request.outputFileName) properties.outputFileName = request.outputFileName;
  if (request.miniBatchSize !== undefined) properties.miniBatchSize = request.miniBatchSize;
  // ComputeConfiguration._to_rest_object, as azure-ai-ml sends compute.instance_count.
  if (request.instanceCount !== undefined) properties.compute = { instanceCount: request.instanceCount, isLocal: true };
  if (request.errorThreshold !== undefined) properties.errorThreshold = request.errorThreshold;
  return { properties };
}

/** The endpoint, checked: it exists, has a scoring URI, and has the named deployment (_validate_deployment_name); the service judges the rest. */
async function invocableEndpoint(request: BatchInvocation, services: InvocationServices): Promise<BatchEndpointResource & { properties: { scoringUri: string } }> {
  const { batch } = services;
  const endpoint = (await batch.getEndpoint(request.endpointName, services.signal)).resource;
  if (!endpoint) throw new UserError(`Batch endpoint '${request.endpointName}' was not found in workspace '${batch.scope.workspace}' (resource group ${batch.scope.resourceGroup}). Create it first (AzureMLDeploy@1 with a batch endpoint file).`);
  const scoringUri = endpoint.properties.scoringUri;
  if (!scoringUri) throw new UserError(`Batch endpoint '${request.endpointName}' has no scoring URI yet (provisioning state ${endpoint.properties.provisioningState ?? "unknown"}). Wait until it is provisioned.`);
  if (request.deploymentName) {
    const deployments = (await batch.listDeployments(request.endpointName, services.signal)).map((d) => d.name);
    if (deployments.length === 0) throw new UserError(`Batch endpoint '${request.endpointName}' has no deployment: deploy one before invoking it.`);
    if (!deployments.includes(request.deploymentName)) {
      throw new UserError(`Batch endpoint '${request.endpointName}' has no deployment '${request.deploymentName}' (it has: ${deployments.join(", ")}).`);
    }
  }
  return { ...endpoint, properties: { ...endpoint.properties, scoringUri } };
}

/** Invokes the endpoint (or the named deployment) and returns the batch job it started. */
export async function invokeBatchEndpoint(request: BatchInvocation, services: InvocationServices): Promise<InvocationResult> {
  const endpoint = await invocableEndpoint(request, services);
  const body = await invocationBody(request, services);
  const job = await services.batch.invoke(endpoint.properties.scoringUri, body, request.deploymentName);
  return { job, endpoint, body };
}

/**
 * Where the job's output is, as a URI: the location the invocation asked for (outputPath, or the single named
 * output), else the completed job's output(s) as Azure ML reports them, else the batch job's outputData or outputDataset.
 * Several outputs: a JSON object of name → URI. Undefined when nothing names it.
 */
export function outputLocation(invocation: Pick<BatchInvocation, "outputPath" | "outputs">, batchJob: BatchJobResource | undefined, jobOutputs: Record<string, Record<string, unknown>> | undefined): string | undefined {
  if (invocation.outputPath) return invocation.outputPath;
  const named = (outputs: Record<string, { uri?: unknown; path?: unknown }>): string | undefined => {
    const uris = Object.entries(outputs)
      .map(([name, output]) => [name, output.uri ?? output.path] as const)
      .filter((entry): entry is readonly [string, string] => typeof entry[1] === "string" && entry[1] !== "");
    if (uris.length === 0) return undefined;
    return uris.length === 1 ? uris[0][1] : JSON.stringify(Object.fromEntries(uris));
  };
  const asked = invocation.outputs && named(invocation.outputs);
  if (asked) return asked;
  const reported = (jobOutputs && named(jobOutputs)) ?? (batchJob?.properties.outputData && named(batchJob.properties.outputData));
  if (reported) return reported;
  const dataset = batchJob?.properties.outputDataset;
  if (dataset?.datastoreId && dataset.path !== undefined) {
    const datastore = dataset.datastoreId.split("/").pop();
    return `azureml://datastores/${datastore}/paths/${dataset.path.replace(/^\/+/, "")}`;
  }
  return undefined;
}
