// Second half of a deployment translation: once the uploads and @latest lookups are done, name and
// locate the models to register, swap every token for its id (jobSpec's finalizeTranslation does
// the environments, code and lookups) and add the workspace's location.
import { createHash, randomUUID } from 'node:crypto';
import type { EnvironmentVersionToCreate } from '../jobSpec/context';
import { finalizeTranslation, resolvedVersion, type ComponentVersionToCreate, type Resolutions } from '../jobSpec/finalize';
import { assetVersionArmId, type WorkspaceScope } from '../jobSpec/references';
import type { DataAssetToCreate } from './settings';
import type { BatchDeploymentTranslation, DeploymentTranslation } from './translate';

export interface DeploymentResolutions extends Resolutions {
  /** The workspace's location; azure-ai-ml sends it as the deployment's. */
  location: string;
  /** Names an anonymous model registered from a remote path (azure-ai-ml: a random UUID); injectable for tests. */
  anonymousName?: () => string;
}

export interface ModelVersionToCreate {
  name: string;
  version: string;
  id: string;
  /** ModelVersion body for PUT models/<name>/versions/<version>. */
  body: { properties: Record<string, unknown> };
}

export interface DeploymentPlan {
  /** PUT in order: environments, components, models, data assets, then the deployment with `body`. */
  environments: EnvironmentVersionToCreate[];
  /** Pipeline component batch deployments: the anonymous components of a component file. */
  components: ComponentVersionToCreate[];
  models: ModelVersionToCreate[];
  dataAssets: DataAssetToCreate[];
  /** Online deployments send sku; batch deployments have none. */
  body: { location: string; properties: Record<string, unknown>; tags: Record<string, string>; sku?: { name: string; capacity?: number } };
  apiVersion: string;
}

/** azureml://datastores/<d>/paths/<p> → LONG_URI_FORMAT, which Model._update_path writes as the model's path. */
export function longDatastoreUri(datastoreUri: string, scope: WorkspaceScope): string {
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(datastoreUri);
  if (!match) return datastoreUri;
  return `azureml://subscriptions/${scope.subscriptionId}/resourcegroups/${scope.resourceGroup}/workspaces/${scope.workspace}/datastores/${match[1]}/paths/${match[2]}`;
}

export function finalizeDeployment(t: DeploymentTranslation | BatchDeploymentTranslation, r: DeploymentResolutions, scope: WorkspaceScope): DeploymentPlan {
  const newName = r.anonymousName ?? randomUUID;
  const resolved: Record<string, string> = { ...(r.resolved ?? {}) };
  const models = t.models.map((template): ModelVersionToCreate => {
    let modelUri = template.uri;
    // Asset.__init__: an asset without name and version is anonymous: a random name, version "1";
    // Model.__init__ then names a local one after its content: sha256 of the upload's object hash,
    // so an unchanged model folder maps to the same model version on every run.
    let anonymousName = newName;
    if (template.upload) {
      const upload = r.uploads[template.upload];
      if (!upload) throw new Error(`the model upload ${template.upload} (${template.origin}) has no result`);
      modelUri = longDatastoreUri(upload.datastoreUri, scope);
      anonymousName = () => createHash('sha256').update(upload.objectHash, 'utf8').digest('hex');
    }
    const name = template.name ?? anonymousName();
    const version = template.version === undefined ? '1' : resolvedVersion(template.version, r);
    const id = assetVersionArmId(scope, 'models', name, version);
    resolved[template.token] = id;
    return { name, version, id, body: { properties: { ...template.properties, modelUri } } };
  });
  const plan = finalizeTranslation(t, { ...r, resolved }, scope);
  const { properties, tags, sku } = plan.body as DeploymentPlan['body'];
  return {
    environments: plan.environments,
    components: plan.components,
    models,
    dataAssets: t.dataAssets,
    body: { location: r.location, properties, tags, ...(sku ? { sku } : {}) },
    apiVersion: t.apiVersion,
  };
}
