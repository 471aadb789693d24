// modelType "auto": an MLmodel file at the root of the model makes it an MLflow model, as Azure ML's
// studio and the CLI treat it; an explicit mlflow_model must be a folder (validate_ml_flow_folder). A promoted
// model keeps its source's type.
import { UserError } from "../platform/userError";
import type { ModelType } from "./inputs";
import type { ResolvedSource } from "./source";

export function chooseModelType(requested: ModelType | "auto", source: ResolvedSource, log: (message: string) => void, warning: (message: string) => void): ModelType {
  if (source.promotedFrom) {
    const sourceType = source.promotedFrom.modelType as ModelType;
    if (requested !== "auto" && requested !== sourceType) {
      throw new UserError(`Input modelType: the ${source.description} is a ${sourceType}, and a promoted model keeps its type. Leave modelType at auto (or set it to ${sourceType}).`);
    }
    return sourceType;
  }
  if (requested === "mlflow_model" && source.isFile) {
    throw new UserError(`Input modelType: a model of type mlflow_model must be a folder holding an MLmodel file, but the ${source.description} is a single file. Use custom_model, or point at the MLflow model's folder.`);
  }
  if (requested !== "auto") {
    if (requested === "mlflow_model" && source.hasMlflowModel === false) {
      warning(`modelType is mlflow_model but the ${source.description} has no MLmodel file at its root; MLflow deployments of this model will fail.`);
    }
    return requested;
  }
  if (source.hasMlflowModel) {
    log(`Found an MLmodel file in the ${source.description}: registering an MLflow model (mlflow_model).`);
    return "mlflow_model";
  }
  if (source.hasMlflowModel === undefined) log(`Could not look inside ${source.modelUri}; registering a custom_model. Set modelType to mlflow_model if it is an MLflow model.`);
  return "custom_model";
}
