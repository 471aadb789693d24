// `model:` of a deployment: a reference (azureml:name:version, azureml:name@latest, an ARM id, a
// registry URI), or an inline model that azure-ai-ml registers first: a local path is uploaded and
// becomes an anonymous model version (named after its content hash, version 1, see finalize.ts); a
// remote path (a job output, a datastore path) is registered without an upload.
import type { TranslationContext } from '../jobSpec/context';
import { isArmId, isRegistryUri, isRemotePath, parseAssetReference } from '../jobSpec/references';
import { checkFields, oneOf } from '../jobSpec/schema';
import type { YNode } from '../jobSpec/yamlSource';
import { optional, stringMap } from './common';
import { DEPLOY_FIELDS } from './schema';

const MODEL_TYPES = ['custom_model', 'mlflow_model', 'triton_model'] as const;

/** A model version to register before the deployment; its id replaces `token` in the body. */
export interface ModelVersionTemplate {
  token: string;
  /** Given inline: registered under that name. Absent: anonymous (finalize names it). */
  name?: string;
  /** As written, or a next-version token when the name came without one. */
  version?: string;
  /** Upload token of a local file or folder (its datastore path becomes modelUri). */
  upload?: string;
  /** A remote path used as modelUri as it is. */
  uri?: string;
  /** ModelVersion properties without modelUri. */
  properties: Record<string, unknown>;
  origin: string;
}

export interface ModelTranslation {
  /** What the body's `model` holds: an id, an @latest token or a model template token. */
  value: string;
  /** True for a registry model (Kubernetes deployments cannot use registry assets). */
  fromRegistry: boolean;
}

export function translateModel(node: YNode, ctx: TranslationContext, baseDir: string, models: ModelVersionTemplate[]): ModelTranslation {
  if (node.kind !== 'mapping') {
    const value = node.str('model');
    if (!value.startsWith('azureml:') && !isArmId(value)) {
      node.fail(`invalid model '${value}'; expected azureml:<name>:<version>, azureml:<name>@latest, an ARM id or azureml://registries/...; for a local folder or a job output write model: {path: ...}`);
    }
    return { value: ctx.reference(parseAssetReference(node, 'models', ctx.scope, 'model'), node.where), fromRegistry: isRegistryUri(value) };
  }

  checkFields(node, DEPLOY_FIELDS.model, 'model');
  const hasName = node.has('name');
  // Asset.__init__: a version without a name is refused; a name without a version is registered as the next version.
  if (!hasName && node.has('version')) {
    node.require('version', 'model').fail('an inline model with a version needs a name too (or neither, for an anonymous model)');
  }
  const pathNode = node.require('path', 'model');
  const modelPath = pathNode.str('model path');
  const type = optional(node, 'type') ? oneOf(node.require('type', 'model'), MODEL_TYPES, 'model type') : 'custom_model';
  const properties: Record<string, unknown> = {
    isAnonymous: !hasName,
    modelType: type,
    properties: stringMap(optional(node, 'properties'), 'model.properties'),
    tags: stringMap(optional(node, 'tags'), 'model.tags'),
  };
  const description = optional(node, 'description');
  if (description) properties.description = description.str('model.description');
  const stage = optional(node, 'stage');
  if (stage) properties.stage = stage.str('model.stage');
  const flavors = optional(node, 'flavors');
  if (flavors) {
    // Model._to_rest_object: {flavor: FlavorData(data=dict(value))}
    properties.flavors = Object.fromEntries(flavors.entries('model.flavors').map(([flavor, data]) => [flavor, { data: stringMap(data, `model.flavors.${flavor}`) }]));
  }

  const template: ModelVersionTemplate = { token: `<pending:model#${models.length + 1}>`, properties, origin: node.where };
  if (hasName) {
    const nameNode = node.require('name', 'model');
    template.name = nameNode.str('model name');
    const version = node.has('version') ? node.require('version', 'model') : undefined;
    template.version = version ? (version.sourceText ?? String(version.scalar)) : ctx.nextVersion('models', template.name, nameNode.where);
  }
  if (/^runs:\//i.test(modelPath)) {
    pathNode.fail(`model path '${modelPath}' uses the MLflow runs:/ form; write the job output as azureml://jobs/<job name>/outputs/artifacts/paths/<path>`);
  } else if (/^azureml:(?!\/\/)/.test(modelPath)) {
    pathNode.fail(`model path '${modelPath}' is an asset reference; write it as model: ${modelPath} (without path:)`);
  } else if (isRemotePath(modelPath)) {
    template.uri = modelPath;
  } else {
    // _upload_to_datastore gets no ignore file for models: every file of the folder is uploaded.
    template.upload = ctx.upload('input', baseDir, modelPath, pathNode.where);
  }
  models.push(template);
  return { value: template.token, fromRegistry: false };
}
