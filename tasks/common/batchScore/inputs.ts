// The AzureMLBatchScore@1 inputs, read and checked once, with errors that name the input (and the line).
import * as path from "node:path";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { checkInputChoice, DATA_INPUT_TYPES, LITERAL_INPUT_TYPES, parseDatastoreUri, type BatchInput, type BatchInvocation, type BatchOutput } from "../workspace/batchInvocation";
import { parseKeyValues, parseNumberInput } from "../workspace/inputRules";
import { readJobWaitInputs, type JobWaitInputs } from "../workspace/jobWait/waitInputs";

export interface BatchScoreInputs extends JobWaitInputs {
  resourceGroup: string;
  workspaceName: string;
  invocation: BatchInvocation;
}

/** Endpoint and deployment names (batchEndpoints/{name}): letters, digits and '-', starting with a letter, 3 to 32 characters. */
const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,31}$/;

function positiveInteger(host: TaskHost, name: string): number | undefined {
  return parseNumberInput(name, host.getInput(name), { min: 1, whole: true });
}

/** One named input or output: a path (a data asset, datastore URI, URL or local path), or JSON {"type": ..., "path"|"value": ...}. */
function namedEntry(inputName: string, name: string, text: string): { type: string; path?: string; value?: string } {
  if (!text.startsWith("{")) return { type: "uri_folder", path: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`Input ${inputName} (${name}): not valid JSON (${(error as Error).message}). Use a path, or {"type": "uri_file", "path": "..."}.`);
  }
  const entry = parsed as { type?: unknown; path?: unknown; value?: unknown };
  if (typeof entry.type !== "string") throw new UserError(`Input ${inputName} (${name}): the JSON names no "type".`);
  return { type: entry.type, path: typeof entry.path === "string" ? entry.path : undefined, value: entry.value === undefined ? undefined : String(entry.value) };
}

function namedInputs(host: TaskHost): Record<string, BatchInput> | undefined {
  const entries = Object.entries(parseKeyValues("inputs", host.getInput("inputs")));
  if (entries.length === 0) return undefined;
  const inputs: Record<string, BatchInput> = {};
  for (const [name, text] of entries) {
    const entry = namedEntry("inputs", name, text);
    if ((LITERAL_INPUT_TYPES as readonly string[]).includes(entry.type)) {
      if (entry.value === undefined) throw new UserError(`Input inputs (${name}): a ${entry.type} input needs a "value".`);
      inputs[name] = { type: entry.type as BatchInput["type"], value: entry.value } as BatchInput;
    } else if ((DATA_INPUT_TYPES as readonly string[]).includes(entry.type)) {
      if (!entry.path) throw new UserError(`Input inputs (${name}): a ${entry.type} input needs a "path".`);
      inputs[name] = { type: entry.type as BatchInput["type"], path: entry.path } as BatchInput;
    } else {
      throw new UserError(`Input inputs (${name}): type '${entry.type}' is not one of ${[...DATA_INPUT_TYPES, ...LITERAL_INPUT_TYPES].join(", ")}.`);
    }
  }
  return inputs;
}

function namedOutputs(host: TaskHost): Record<string, BatchOutput> | undefined {
  const entries = Object.entries(parseKeyValues("outputs", host.getInput("outputs")));
  if (entries.length === 0) return undefined;
  const outputs: Record<string, BatchOutput> = {};
  for (const [name, text] of entries) {
    const entry = namedEntry("outputs", name, text);
    if (entry.type !== "uri_folder" && entry.type !== "uri_file") throw new UserError(`Input outputs (${name}): type '${entry.type}' is not uri_folder or uri_file.`);
    if (!entry.path || !parseDatastoreUri(entry.path)) throw new UserError(`Input outputs (${name}): '${entry.path ?? ""}' is not a datastore path: use azureml://datastores/<datastore>/paths/<path>.`);
    outputs[name] = { type: entry.type, path: entry.path };
  }
  return outputs;
}

export function readBatchScoreInputs(host: TaskHost): BatchScoreInputs {
  const endpointName = host.getInput("endpointName", true);
  if (!ENDPOINT_NAME.test(endpointName)) throw new UserError(`Input endpointName: '${endpointName}' is not a valid batch endpoint name: use letters, digits and '-', starting with a letter, at most 32 characters.`);
  const deploymentName = host.getInput("deploymentName");
  if (deploymentName && !ENDPOINT_NAME.test(deploymentName)) throw new UserError(`Input deploymentName: '${deploymentName}' is not a valid deployment name: use letters, digits and '-', starting with a letter, at most 32 characters.`);
  const inputPath = host.getInput("input");
  const inputs = namedInputs(host);
  const outputPath = host.getInput("outputPath");
  if (outputPath && !parseDatastoreUri(outputPath)) throw new UserError(`Input outputPath: '${outputPath}' is not a datastore path: use azureml://datastores/<datastore>/paths/<path>.`);
  const inputType = (host.getInput("inputType") ?? "uri_folder").toLowerCase() as "uri_folder" | "uri_file";
  const input: BatchInput | undefined = inputPath ? { type: inputType, path: inputPath } : undefined;
  checkInputChoice({ input, inputs }, "Inputs input and inputs");
  return {
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    invocation: {
      endpointName,
      deploymentName,
      input,
      inputs,
      outputs: namedOutputs(host),
      outputPath,
      outputFileName: host.getInput("outputFileName"),
      miniBatchSize: positiveInteger(host, "miniBatchSize"),
      instanceCount: positiveInteger(host, "instanceCount"),
      // Relative local paths start where the agent roots every path input.
      baseDirectory: path.resolve(host.getVariable("System.DefaultWorkingDirectory") ?? "."),
    },
    ...readJobWaitInputs(host),
  };
}
