// The registered model as a JSON file for later stages and pipeline artifacts (deployment steps read the
// name and version from it rather than from variables that do not cross stages without extra wiring).
import { writeOutputFile } from "../platform/outputFile";
import { UserError, errorMessage } from "../platform/userError";

export interface RegisteredModel {
  name: string;
  version: string;
  /** ARM id of the model version. */
  id: string;
  /** azureml:<name>:<version>, as deployment and job YAML reference models. */
  assetId: string;
  type: string;
  uri: string;
  source: { kind: string; description: string; job?: string };
  /** False when the source was registered before and that version was returned. */
  registeredNow: boolean;
  properties: Record<string, string>;
  tags: Record<string, string>;
  /** The source job's final metrics, when the model came from a job. */
  metrics?: Record<string, number>;
}

/** Writes the file after registration: a failure says the model IS registered, so nobody registers it again by hand. */
export function writeModelJson(file: string, model: RegisteredModel): void {
  try {
    writeOutputFile(file, "modelJsonFile", `${JSON.stringify(model, null, 2)}\n`);
  } catch (error) {
    throw new UserError(`Model ${model.name} version ${model.version} IS registered (${model.assetId}; the modelName and modelVersion output variables are set), but its details could not be written: ${errorMessage(error)}`);
  }
}
