// A run's artifacts (https://<region>.api.azureml.ms/artifact/v2.0/<workspace>/artifacts/...): its logs,
// ./outputs and ./logs, kept in the artifact store under ExperimentRun/dcid.<run id>/. Listing gives
// their paths; contentinfo gives each one's contentUri, a read-only SAS URL of the blob.
import type { HostRequest, HostResponse, ServiceContext } from '../contract';
import { findRun } from './runHistory';
import { ARTIFACT_CONTAINER, type JobStorage, runArtifactFolder } from '../jobs/storage';
import { type DataplaneRoute, dataplaneError } from './index';
import { WORKSPACE_PATH, workspaceFromMatch } from './workspacePath';

const BASE = `^/artifact/v2\\.0${WORKSPACE_PATH}/artifacts`;
/** Groups 4 and 5 (after the workspace's three): the origin and the run id; group 6 the artifact path. */
const CONTAINER = '(ExperimentRun)/dcid\\.([^/]+)';

export function artifactRoutes(ctx: ServiceContext, storage: JobStorage): DataplaneRoute[] {
  /** Resolves the run of an ExperimentRun/dcid.<run> container, or answers 404. */
  const withRun = (handle: (req: HostRequest, runId: string, path: string) => Promise<HostResponse>) => async (req: HostRequest, match: RegExpExecArray): Promise<HostResponse> => {
    const workspaceId = workspaceFromMatch(ctx, match);
    if (!workspaceId) return dataplaneError(ctx, req, 404, 'UserError', `Workspace '${match[3]}' was not found in resource group '${match[2]}'.`, 'WorkspaceNotFound');
    const runId = decodeURIComponent(match[5]);
    if (!findRun(ctx, workspaceId, runId)) return dataplaneError(ctx, req, 404, 'UserError', `Run ${runId} was not found.`, 'RunNotFound');
    const path = (match[6] ? decodeURIComponent(match[6]) : (req.url.searchParams.get('path') ?? '')).replace(/^\/+|\/+$/g, '');
    return handle(req, runId, path);
  };
  const contentInfo = (runId: string, path: string) => ({
    contentUri: storage.readUrl({ container: ARTIFACT_CONTAINER, path: `${runArtifactFolder(runId)}/${path}` }),
    origin: 'ExperimentRun',
    container: `dcid.${runId}`,
    path,
  });
  const list = async (runId: string, prefix: string) => {
    const folder = { container: ARTIFACT_CONTAINER, path: runArtifactFolder(runId) };
    return (await storage.list(folder)).filter((a) => !prefix || a.path === prefix || a.path.startsWith(`${prefix}/`));
  };
  return [
    {
      method: 'GET',
      path: new RegExp(`${BASE}/origins/(ExperimentRun)/containers/dcid\\.([^/]+)$`, 'i'),
      handle: withRun(async (_req, runId) => ({
        status: 200,
        body: { value: (await list(runId, '')).map((a) => ({ artifactId: `ExperimentRun/dcid.${runId}/${a.path}`, origin: 'ExperimentRun', container: `dcid.${runId}`, path: a.path, etag: a.etag, createdTime: a.createdOn })), continuationToken: null },
      })),
    },
    {
      method: 'GET',
      path: new RegExp(`${BASE}/prefix/contentinfo/${CONTAINER}(?:/(.*))?$`, 'i'),
      handle: withRun(async (_req, runId, prefix) => ({ status: 200, body: { value: (await list(runId, prefix)).map((a) => contentInfo(runId, a.path)), continuationToken: null } })),
    },
    {
      method: 'GET',
      path: new RegExp(`${BASE}/contentinfo/${CONTAINER}(?:/(.*))?$`, 'i'),
      handle: withRun(async (req, runId, path) => {
        if (!path || !(await list(runId, path)).some((a) => a.path === path)) return dataplaneError(ctx, req, 404, 'UserError', `Run ${runId} has no artifact '${path}'.`, 'ArtifactNotFound');
        return { status: 200, body: contentInfo(runId, path) };
      }),
    },
  ];
}
