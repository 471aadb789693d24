// The sourceModel input of a promotion: a model version in another workspace or in a registry, named by
// its azureml:// asset id (the form azure-ai-ml prints and deployments reference). The short form
// azureml:<name>:<version> names a model of the target workspace itself, which needs no promotion.
import { UserError } from "../platform/userError";
import { isAssetVersion, NAME_RULES } from "../workspace/inputRules";
import { assetVersionArmId, type WorkspaceScope } from "../workspace/scope";

export type SourceModelRef =
  | { kind: "workspace"; scope: WorkspaceScope; name: string; version: string }
  | { kind: "registry"; registry: string; name: string; version: string };

const WORKSPACE_MODEL = /^azureml:\/\/subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)\/?$/i;
const REGISTRY_MODEL = /^azureml:\/\/registries\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)\/?$/i;

const FORMS = "azureml://subscriptions/<subscription>/resourceGroups/<group>/workspaces/<workspace>/models/<name>/versions/<version> or azureml://registries/<registry>/models/<name>/versions/<version>";

function checked(name: string, version: string, uri: string): { name: string; version: string } {
  if (!NAME_RULES.model.pattern.test(name)) throw new UserError(`Input sourceModel: '${name}' in ${uri} is not a valid model name.`);
  if (!isAssetVersion(version)) {
    throw new UserError(`Input sourceModel: ${uri} must name an exact version ('${version}' is not one): promotion copies one immutable version.`);
  }
  return { name, version };
}

export function parseSourceModel(uri: string): SourceModelRef {
  const text = uri.trim();
  const workspace = WORKSPACE_MODEL.exec(text);
  if (workspace) {
    const [, subscriptionId, resourceGroup, name, model, version] = workspace;
    return { kind: "workspace", scope: { subscriptionId, resourceGroup, workspace: name }, ...checked(model, version, text) };
  }
  const registry = REGISTRY_MODEL.exec(text);
  if (registry) return { kind: "registry", registry: registry[1], ...checked(registry[2], registry[3], text) };
  if (/^azureml:[^/]/i.test(text)) {
    throw new UserError(`Input sourceModel: ${text} names a model of the target workspace itself, which needs no promotion: deployments and jobs can reference it as it is. To promote a model from another workspace or a registry, use ${FORMS}.`);
  }
  throw new UserError(`Input sourceModel: '${text}' is not a model version's asset id. Use ${FORMS}.`);
}

/** The canonical asset id the promoted version records (azure-devops.promotedFrom): the same for every spelling. */
export function sourceModelId(source: SourceModelRef): string {
  if (source.kind === "registry") return `azureml://registries/${source.registry}/models/${source.name}/versions/${source.version}`;
  const { subscriptionId, resourceGroup, workspace } = source.scope;
  return `azureml://subscriptions/${subscriptionId.toLowerCase()}/resourceGroups/${resourceGroup}/workspaces/${workspace}/models/${source.name}/versions/${source.version}`;
}

/** How logs, the azure-devops.source property and the model JSON name a promotion's source. */
export function describeSourceModel(source: SourceModelRef): string {
  return `model ${sourceModelId(source)}`;
}

/** The ARM id of a workspace source version. */
export function sourceModelArmId(source: Extract<SourceModelRef, { kind: "workspace" }>): string {
  return assetVersionArmId(source.scope, "models", source.name, source.version);
}

