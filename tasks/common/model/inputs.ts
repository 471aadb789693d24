// The task's inputs as a typed request, checked before anything touches Azure: the service's naming rules,
// key=value lists, and which inputs each model source needs.
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { checkOutputFile } from "../platform/outputFile";
import { parseSourceModel, type SourceModelRef } from "./sourceModel";
import { checkName, isAssetVersion, parseKeyValues } from "../workspace/inputRules";

export type ModelType = "custom_model" | "mlflow_model" | "triton_model";
export const MODEL_TYPES: readonly ModelType[] = ["custom_model", "mlflow_model", "triton_model"];

export type ModelSourceInput =
  | { kind: "jobOutput"; jobName: string; outputName: string; pathInOutput?: string }
  | { kind: "localPath"; path: string }
  | { kind: "uri"; uri: string }
  /** Promotion: a model version of another workspace or of a registry, copied into this workspace. */
  | { kind: "model"; sourceModel: SourceModelRef };

export interface ModelInputs {
  connectionId: string;
  resourceGroup: string;
  workspaceName: string;
  modelName: string;
  source: ModelSourceInput;
  /** "auto": mlflow_model when the source holds an MLmodel file, else custom_model. */
  modelType: ModelType | "auto";
  /** Undefined: the next version the registry hands out. */
  version?: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  modelJsonFile?: string;
}

export function checkModelVersion(version: string): void {
  if (!isAssetVersion(version)) {
    throw new UserError(`Input version: '${version}' is not a valid model version. A version is 1 to 30 letters, digits, '.', '-' or '_', starts with a letter or digit, and cannot be 'latest'. Leave it empty to get the next version.`);
  }
}

function readSource(host: TaskHost): ModelSourceInput {
  const kind = host.getInput("modelSource") ?? "jobOutput";
  switch (kind) {
    case "jobOutput": {
      const jobName = host.getInput("jobName", true);
      const outputName = host.getInput("outputName") ?? "model";
      checkName("job", "jobName", jobName);
      checkName("jobOutput", "outputName", outputName);
      const pathInOutput = host.getInput("pathInOutput")?.replace(/^\/+/, "");
      if (pathInOutput?.split("/").includes("..")) throw new UserError(`Input pathInOutput: '${pathInOutput}' must stay inside the output ('..' is not allowed).`);
      return { kind, jobName, outputName, ...(pathInOutput ? { pathInOutput } : {}) };
    }
    case "localPath":
      return { kind, path: host.getPathInput("modelPath", true) };
    case "uri": {
      const uri = host.getInput("modelUri", true);
      if (!/^(azureml:\/\/|https:\/\/)/i.test(uri)) {
        throw new UserError(`Input modelUri: '${uri}' is not supported. Use azureml://datastores/<datastore>/paths/<path>, azureml://jobs/<job>/outputs/<output>/paths/<path> or an https:// blob URL; for a local folder set modelSource to localPath.`);
      }
      return { kind, uri };
    }
    case "model":
      return { kind, sourceModel: parseSourceModel(host.getInput("sourceModel", true)) };
    default:
      throw new UserError(`Input modelSource: '${kind}' is not one of jobOutput, localPath, uri, model.`);
  }
}

function readModelType(host: TaskHost): ModelType | "auto" {
  const value = host.getInput("modelType") ?? "auto";
  if (value === "auto" || (MODEL_TYPES as readonly string[]).includes(value)) return value as ModelType | "auto";
  throw new UserError(`Input modelType: '${value}' is not one of auto, ${MODEL_TYPES.join(", ")}.`);
}

export function readModelInputs(host: TaskHost): ModelInputs {
  const modelName = host.getInput("modelName", true);
  checkName("model", "modelName", modelName);
  const version = host.getInput("version");
  if (version !== undefined) checkModelVersion(version);
  const modelJsonFile = host.getPathInput("modelJsonFile");
  // Before anything is uploaded or registered: a path that cannot be written fails while there is nothing to undo.
  if (modelJsonFile) checkOutputFile(modelJsonFile, "modelJsonFile");
  return {
    connectionId: host.getInput("azureSubscription", true),
    resourceGroup: host.getInput("resourceGroupName", true),
    workspaceName: host.getInput("workspaceName", true),
    modelName,
    source: readSource(host),
    modelType: readModelType(host),
    version,
    description: host.getInput("description"),
    tags: parseKeyValues("tags", host.getInput("tags")),
    properties: parseKeyValues("properties", host.getInput("properties")),
    modelJsonFile,
  };
}
