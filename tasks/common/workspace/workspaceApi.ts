// The workspace's jobs, asset versions and datastores (api-version 2022-10-01), for every feature: ARM calls
// through the one workspace call path (workspaceRest.ts: capped retries, Retry-After, ArmRequestError).
import { armList, type ArmContext } from "../azure/arm";
import { workspaceArmId, type AssetType, type WorkspaceScope } from "./scope";
import { armUrl, callWorkspace, ML_API_VERSION } from "./workspaceRest";

export interface JobService {
  jobServiceType?: string;
  endpoint?: string;
}

export interface JobResource {
  id?: string;
  name: string;
  properties: {
    jobType?: string;
    status?: string;
    displayName?: string;
    experimentName?: string;
    tags?: Record<string, string>;
    services?: Record<string, JobService>;
    inputs?: Record<string, Record<string, unknown>>;
    outputs?: Record<string, Record<string, unknown>>;
    [key: string]: unknown;
  };
  systemData?: { createdAt?: string };
}

export interface Datastore {
  name: string;
  properties: { datastoreType?: string; accountName?: string; containerName?: string; endpoint?: string; protocol?: string; credentials?: { credentialsType?: string } };
}

export interface DatastoreSecrets {
  secretsType?: string;
  key?: string;
  sasToken?: string;
}

/** A read of the job: the resource (undefined when it does not exist) and the Retry-After ARM asked for. */
export interface JobRead {
  job?: JobResource;
  retryAfterMs?: number;
}

/** The calls the job task needs; the interface lets the waiting logic be tested without HTTP. */
export interface WorkspaceApi {
  readonly scope: WorkspaceScope;
  /** singleAttempt: no retries inside the call (a wait loop that owns the retry schedule). */
  getJob(name: string, signal?: AbortSignal, singleAttempt?: boolean): Promise<JobRead>;
  createJob(name: string, body: unknown): Promise<JobResource>;
  /** POST cancel (an LRO: not awaited; the job moves to CancelRequested, then Canceled). */
  /** False when the service answers 404: there is no such job (it was never created), so nothing to cancel. */
  cancelJob(name: string, signal: AbortSignal): Promise<boolean>;
  putAssetVersion(type: AssetType, name: string, version: string, body: unknown): Promise<{ id: string }>;
  /** Undefined when the asset does not exist or has no versions. */
  latestVersion(type: AssetType, name: string): Promise<string | undefined>;
  /** The version azure-ai-ml gives a named asset registered without one (see nextVersionOf). */
  nextVersion(type: AssetType, name: string): Promise<string>;
  defaultDatastore(): Promise<Datastore>;
  /** Undefined when the workspace has no datastore of that name. */
  getDatastore(name: string): Promise<Datastore | undefined>;
  datastoreSecrets(name: string): Promise<DatastoreSecrets>;
}

/** What an asset container reports about its versions (api-version 2022-10-01: both read-only). */
export interface AssetContainerVersions {
  properties?: { latestVersion?: string | null; nextVersion?: string | null };
}

/**
 * The version of a named asset registered without one, as azure-ai-ml's _get_next_version_from_container
 * takes it: the container's nextVersion (the service's auto-increment, whatever the latest version is
 * called), "1" when the container does not exist. A container without nextVersion (not seen from Azure)
 * gets the latest version + 1 when that is a number, else "1".
 */
export function nextVersionOf(container: AssetContainerVersions | undefined): string {
  if (container?.properties?.nextVersion) return container.properties.nextVersion;
  const latest = Number(container?.properties?.latestVersion || NaN);
  return Number.isInteger(latest) ? String(latest + 1) : "1";
}

export function createWorkspaceApi(context: ArmContext, scope: WorkspaceScope): WorkspaceApi {
  const workspacePath = workspaceArmId(scope);
  const url = (path: string): string => armUrl(context, `${workspacePath}/${path}`);
  const jobPath = (name: string) => `jobs/${encodeURIComponent(name)}`;
  const send = <T>(path: string, method: "GET" | "POST", signal: AbortSignal | undefined, singleAttempt?: boolean) => callWorkspace<T>(context, url(path), { method, signal, singleAttempt });
  /** A PUT or POST into something that must exist: a 404 fails too. */
  const required = async <T>(path: string, method: "POST" | "PUT", body?: unknown): Promise<T> => (await callWorkspace<T>(context, url(path), { method, body, notFoundIsError: true })).body as T;
  return {
    scope,
    async getJob(name, signal, singleAttempt) {
      const { body, retryAfterMs: wait } = await send<JobResource>(jobPath(name), "GET", signal ?? context.signal, singleAttempt);
      return { job: body, retryAfterMs: wait };
    },
    createJob: (name, body) => required<JobResource>(jobPath(name), "PUT", body),
    async cancelJob(name, signal) {
      return (await send<unknown>(`${jobPath(name)}/cancel`, "POST", signal)).status !== 404;
    },
    putAssetVersion: (type, name, version, body) => required<{ id: string }>(`${type}/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`, "PUT", body),
    async latestVersion(type, name) {
      // Containers report latestVersion; the version list ordered by creation time is the fallback.
      const { body: container } = await send<{ properties?: { latestVersion?: string } }>(`${type}/${encodeURIComponent(name)}`, "GET", context.signal);
      if (!container) return undefined;
      if (container.properties?.latestVersion) return container.properties.latestVersion;
      const versions = await armList<{ name: string }>(context, { path: `${workspacePath}/${type}/${encodeURIComponent(name)}/versions?$orderBy=createdtime%20desc&$top=1`, apiVersion: ML_API_VERSION }, 1);
      return versions[0]?.name;
    },
    async nextVersion(type, name) {
      return nextVersionOf((await send<AssetContainerVersions>(`${type}/${encodeURIComponent(name)}`, "GET", context.signal)).body);
    },
    async defaultDatastore() {
      const stores = await armList<Datastore>(context, { path: `${workspacePath}/datastores?isDefault=true`, apiVersion: ML_API_VERSION });
      const store = stores[0];
      if (!store) throw new Error(`Workspace '${scope.workspace}' has no default datastore.`);
      return store;
    },
    getDatastore: async (name) => (await send<Datastore>(`datastores/${encodeURIComponent(name)}`, "GET", context.signal)).body,
    datastoreSecrets: (name) => required<DatastoreSecrets>(`datastores/${encodeURIComponent(name)}/listSecrets`, "POST"),
  };
}
