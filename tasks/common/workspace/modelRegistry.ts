// The workspace's model registry (api-version 2022-10-01): model containers and versions, through the one
// workspace call path (workspaceRest.ts: capped retries, ArmRequestError); a 409 on PUT is VersionConflictError.
import { armList, type ArmContext } from "../azure/arm";
import { parseArmFailure } from "../azure/armErrors";
import { workspaceArmId, type WorkspaceScope } from "./scope";
import { nextVersionOf, type AssetContainerVersions } from "./workspaceApi";
import { armUrl, callWorkspace, ML_API_VERSION } from "./workspaceRest";

export interface ModelVersionProperties {
  modelUri?: string;
  modelType?: string;
  jobName?: string;
  description?: string | null;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
  isAnonymous?: boolean;
  [key: string]: unknown;
}

export interface ModelVersionResource {
  id?: string;
  name: string;
  properties: ModelVersionProperties;
  systemData?: { createdAt?: string };
}

/** The calls registration needs; the interface lets the registration logic be tested without HTTP. */
export interface ModelRegistryApi {
  readonly scope: WorkspaceScope;
  /** The container's nextVersion ("1" for a model that has no versions yet). */
  nextVersion(name: string): Promise<string>;
  getVersion(name: string, version: string): Promise<ModelVersionResource | undefined>;
  /** Versions carrying property key=value, newest first. */
  findVersionsWithProperty(name: string, key: string, value: string): Promise<ModelVersionResource[]>;
  /** PUT the version; a 409 (the version exists with other content) surfaces as VersionConflictError. */
  createVersion(name: string, version: string, properties: ModelVersionProperties): Promise<ModelVersionResource>;
}

export class VersionConflictError extends Error {
  constructor(readonly version: string, readonly cause: unknown) {
    super(`Model version '${version}' already exists with different content.`);
    this.name = "VersionConflictError";
  }
}

export function createModelRegistryApi(context: ArmContext, scope: WorkspaceScope): ModelRegistryApi {
  const workspacePath = workspaceArmId(scope);
  const modelPath = (name: string) => `${workspacePath}/models/${encodeURIComponent(name)}`;
  /** GET that answers undefined for 404 instead of throwing. */
  const getOptional = async <T>(path: string): Promise<T | undefined> => {
    const { status, body } = await callWorkspace<T>(context, armUrl(context, path));
    return status === 404 ? undefined : (body ?? ({} as T));
  };
  return {
    scope,
    async nextVersion(name) {
      return nextVersionOf(await getOptional<AssetContainerVersions>(modelPath(name)));
    },
    getVersion: (name, version) => getOptional<ModelVersionResource>(`${modelPath(name)}/versions/${encodeURIComponent(version)}`),
    async findVersionsWithProperty(name, key, value) {
      if (!(await getOptional(modelPath(name)))) return [];
      // The service filters by properties=key=value; the check below keeps the answer exact either way.
      const query = `properties=${encodeURIComponent(`${key}=${value}`)}&$orderBy=${encodeURIComponent("createdtime desc")}&listViewType=All`;
      const versions = await armList<ModelVersionResource>(context, { path: `${modelPath(name)}/versions?${query}`, apiVersion: ML_API_VERSION }, 1000);
      return versions.filter((version) => version.properties?.properties?.[key] === value);
    },
    async createVersion(name, version, properties) {
      try {
        return (await callWorkspace<ModelVersionResource>(context, armUrl(context, `${modelPath(name)}/versions/${encodeURIComponent(version)}`), { method: "PUT", body: { properties }, notFoundIsError: true })).body as ModelVersionResource;
      } catch (error) {
        if (parseArmFailure(error)?.status === 409) throw new VersionConflictError(version, error);
        throw error;
      }
    },
  };
}
