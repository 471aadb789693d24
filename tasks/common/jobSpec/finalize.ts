// Second half of a translation: once the task has done the I/O (uploads, @latest lookups), swap
// every token in the body for its id, version the anonymous environments and components, and
// return the requests to send, in order: environments, components, then the job.
import { createHash } from 'node:crypto';
import { TOKEN_PATTERN, type EnvironmentVersionToCreate } from './context';
import { anonymousBuildEnvironmentVersion, ANONYMOUS_ENVIRONMENT_NAME } from './environments';
import { assetVersionArmId, type WorkspaceScope } from './references';
import type { JobTranslation } from './translate';

/** ANONYMOUS_COMPONENT_NAME in azure-ai-ml. */
export const ANONYMOUS_COMPONENT_NAME = 'azureml_anonymous';

/** What the upload step reports for each upload token. */
export interface UploadResult {
  /** azureml://datastores/<datastore>/paths/LocalUpload/<hash>/<name>: used for inputs. */
  datastoreUri: string;
  /** https://<account>.blob.<suffix>/<container>/LocalUpload/<hash>/<name>: used for build contexts. */
  storageUrl: string;
  /** snapshot.objectHash of the uploaded path. */
  objectHash: string;
  /** For code uploads: ARM id of the code version registered for the snapshot. */
  codeAssetId?: string;
}

export interface Resolutions {
  uploads: Record<string, UploadResult>;
  /** Token → version found for azureml:<name>@latest. */
  latestVersions: Record<string, string>;
  /** Token → the next version of a named asset (a deployment's inline model or environment without a version). */
  nextVersions?: Record<string, string>;
  /** Token → id for assets the caller registered itself (a deployment's anonymous model). */
  resolved?: Record<string, string>;
}

/** The parts of a translation that finalizing needs (a job's, or a deployment's). */
export type TranslationParts = Pick<JobTranslation, 'body' | 'pending' | 'environments' | 'buildEnvironments' | 'components'>;

export interface ComponentVersionToCreate {
  name: string;
  version: string;
  id: string;
  /** ComponentVersion body: componentSpec is the component as azure-ai-ml dumps it, ids resolved. */
  body: { properties: { componentSpec: Record<string, unknown>; isAnonymous?: boolean; [key: string]: unknown } };
}

export interface SubmissionPlan {
  environments: EnvironmentVersionToCreate[];
  components: ComponentVersionToCreate[];
  body: { properties: Record<string, unknown> };
}

export function finalizeTranslation(t: TranslationParts, r: Resolutions, scope: WorkspaceScope): SubmissionPlan {
  const values = new Map<string, string>(Object.entries(r.resolved ?? {}));
  for (const item of t.pending) {
    if (item.kind === 'latest') {
      const version = r.latestVersions[item.token];
      if (!version) throw new Error(`no version was resolved for ${item.assetType}/${item.name}@latest (${item.origin})`);
      values.set(item.token, assetVersionArmId(scope, item.assetType, item.name, version));
    } else if (item.kind === 'nextVersion') {
      values.set(item.token, resolvedVersion(item.token, r));
    } else if (item.purpose !== 'buildContext') {
      const upload = r.uploads[item.token];
      const value = item.purpose === 'code' ? upload?.codeAssetId : upload?.datastoreUri;
      if (!value) throw new Error(`the ${item.purpose} upload of ${item.localPath} (${item.origin}) has no result`);
      // _resolve_job_input: "if entry.type == AssetTypes.URI_FOLDER and not entry.path.endswith('/')"
      values.set(item.token, item.inputType === 'uri_folder' && !value.endsWith('/') ? `${value}/` : value);
    }
  }

  // A named inline environment without a version has the next-version token in its version and id.
  const environments = t.environments.map((environment) => substitute(environment, values));
  for (const build of t.buildEnvironments) {
    const upload = r.uploads[build.contextUpload];
    if (!upload) throw new Error(`the build context upload ${build.contextUpload} has no result`);
    const version = anonymousBuildEnvironmentVersion(upload.objectHash, build.dockerfilePath);
    // The environment service wants the context URI with a trailing slash.
    const buildContext = { contextUri: `${upload.storageUrl}/`, ...(build.dockerfilePath ? { dockerfilePath: build.dockerfilePath } : {}) };
    const id = assetVersionArmId(scope, 'environments', ANONYMOUS_ENVIRONMENT_NAME, version);
    environments.push({ name: ANONYMOUS_ENVIRONMENT_NAME, version, token: id, body: { properties: { build: buildContext, ...build.properties } } });
    values.set(build.token, id);
  }

  const components = t.components.map((template) => {
    const resolved = substitute(template.spec, values);
    const version = anonymousComponentVersion(resolved);
    // _set_is_anonymous: an anonymous component is registered as azureml_anonymous/<content hash>.
    const spec = { ...resolved, name: ANONYMOUS_COMPONENT_NAME, version };
    const id = assetVersionArmId(scope, 'components', ANONYMOUS_COMPONENT_NAME, version);
    values.set(template.token, id);
    return { name: ANONYMOUS_COMPONENT_NAME, version, id, body: { properties: { componentSpec: spec, ...template.properties } } };
  });

  return { environments, components, body: substitute(t.body, values) };
}

/** A version as written, or the next version a pending token stands for. */
export function resolvedVersion(version: string, r: Pick<Resolutions, 'nextVersions'>): string {
  if (!version.startsWith('<pending:')) return version;
  const resolved = r.nextVersions?.[version];
  if (!resolved) throw new Error(`no next version was resolved for ${version}`);
  return resolved;
}

/**
 * Anonymous components with the same interface and code share a version, so re-running an
 * unchanged pipeline reuses them. The version is a GUID-shaped md5 of the spec without its name
 * and version; azure-ai-ml hashes its own dump of the component, so the two tools do not share
 * anonymous component versions (they do share code snapshots and environments).
 */
export function anonymousComponentVersion(spec: Record<string, unknown>): string {
  const { name: _name, version: _version, ...identity } = spec;
  const hex = createHash('md5').update(canonicalJson(identity)).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Deep copy with every token replaced; a token left over is a bug in the caller, not user error. */
export function substitute<T>(value: T, values: Map<string, string>): T {
  const json = JSON.stringify(value).replace(TOKEN_PATTERN, (token) => {
    const resolved = values.get(token);
    if (resolved === undefined) throw new Error(`unresolved placeholder ${token}`);
    return JSON.stringify(resolved).slice(1, -1);
  });
  return JSON.parse(json) as T;
}
