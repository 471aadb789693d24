// Run history (https://<region>.api.azureml.ms/history/v1.0/<workspace>/runs/...), which `az ml job
// stream` and the studio read: a run (every job is one, its id the job name), its details with the
// logFiles map (name → SAS URL of the blob, as the service hands them out) and a pipeline's child runs.
// The path may also name the experiment (experiments/<name>/ or experimentids/<id>/), as older clients send.
import type { HostRequest, HostResponse, ServiceContext } from '../contract';
import { type ArmResource, type Properties, getResource, listChildren } from '../arm/resources';
import { type RunRecord, childRunRecords, getRunRecord } from '../jobs/runRecords';
import type { BlobLocation } from '../jobs/storage';
import { experimentByName } from '../jobs/tracking';
import { type DataplaneRoute, dataplaneError } from './index';
import { WORKSPACE_PATH, workspaceFromMatch } from './workspacePath';

const RUN_PATH = `^/history/v1\\.0${WORKSPACE_PATH}(?:/experiments/[^/]+|/experimentids/[^/]+)?/runs/([^/]+)`;

export interface RunView {
  job: ArmResource;
  record: RunRecord | undefined;
}

/** The job behind a run id, with what run history recorded about it. */
export function findRun(ctx: ServiceContext, workspaceId: string, runId: string): RunView | undefined {
  const job = getResource(ctx, 'jobs', `${workspaceId}/jobs/${runId}`);
  return job ? { job, record: getRunRecord(ctx, workspaceId, job.name) } : undefined;
}

function runTypeOf(view: RunView): string {
  if (view.job.properties.jobType === 'Pipeline') return 'azureml.PipelineRun';
  return view.record?.parentRunId ? 'azureml.StepRun' : 'azureml.scriptrun';
}

function runDto(ctx: ServiceContext, workspaceId: string, view: RunView): Properties {
  const { job, record } = view;
  const p = job.properties;
  const computeName = typeof p.computeId === 'string' ? p.computeId.split('/').pop() : null;
  return {
    runId: job.name,
    runUuid: job.name,
    parentRunId: record?.parentRunId ?? null,
    rootRunId: p.properties?.['azureml.rootRunId'] ?? job.name,
    experimentId: experimentByName(ctx, workspaceId, p.experimentName ?? 'Default')?.experiment_id ?? null,
    status: p.status,
    createdUtc: record?.createdUtc ?? job.systemData?.createdAt ?? null,
    startTimeUtc: record?.startTimeUtc ?? null,
    endTimeUtc: record?.endTimeUtc ?? null,
    lastModifiedUtc: job.systemData?.lastModifiedAt ?? null,
    displayName: p.displayName ?? job.name,
    name: p.displayName ?? job.name,
    description: p.description ?? null,
    target: computeName,
    runType: runTypeOf(view),
    runTypeV2: { orchestrator: null, traits: [], attribution: null, computeType: null },
    tags: p.tags ?? {},
    properties: p.properties ?? {},
    error: record?.error ? { error: { code: record.error.code, message: record.error.message, details: [] } } : null,
    warnings: record?.warnings ?? [],
    hidden: false,
    createdBy: { userObjectId: job.systemData?.createdBy ?? null, userName: job.systemData?.createdBy ?? null },
  };
}

export function runHistoryRoutes(ctx: ServiceContext, logUrl: (location: BlobLocation) => string): DataplaneRoute[] {
  const withRun = (handle: (req: HostRequest, workspaceId: string, view: RunView) => HostResponse) => async (req: HostRequest, match: RegExpExecArray): Promise<HostResponse> => {
    const workspaceId = workspaceFromMatch(ctx, match);
    if (!workspaceId) return dataplaneError(ctx, req, 404, 'UserError', `Workspace '${match[3]}' was not found in resource group '${match[2]}'.`, 'WorkspaceNotFound');
    const runId = decodeURIComponent(match[4]);
    const view = findRun(ctx, workspaceId, runId);
    if (!view) return dataplaneError(ctx, req, 404, 'UserError', `Run ${runId} was not found.`, 'RunNotFound');
    return handle(req, workspaceId, view);
  };
  return [
    {
      method: 'GET',
      path: new RegExp(`${RUN_PATH}$`, 'i'),
      handle: withRun((_req, workspaceId, view) => ({ status: 200, body: runDto(ctx, workspaceId, view) })),
    },
    {
      method: 'GET',
      path: new RegExp(`${RUN_PATH}/details$`, 'i'),
      handle: withRun((_req, workspaceId, view) => {
        const logFiles = Object.fromEntries(Object.entries(view.record?.logFiles ?? {}).map(([name, location]) => [name, logUrl(location)]));
        const p = view.job.properties;
        return {
          status: 200,
          body: {
            ...runDto(ctx, workspaceId, view),
            logFiles,
            inputDatasets: [],
            outputDatasets: [],
            runDefinition: { command: p.command ?? null, environment: p.environmentId ?? null, target: p.computeId ?? null, environmentVariables: p.environmentVariables ?? {} },
          },
        };
      }),
    },
    {
      method: 'GET',
      path: new RegExp(`${RUN_PATH}/children$`, 'i'),
      handle: withRun((_req, workspaceId, view) => {
        const children = childRunRecords(ctx, workspaceId, view.job.name)
          .map((record) => findRun(ctx, workspaceId, record.runId))
          .filter((child): child is RunView => child !== undefined)
          .map((child) => runDto(ctx, workspaceId, child));
        return { status: 200, body: { value: children, continuationToken: null, nextLink: null } };
      }),
    },
  ];
}

/** Every job of the workspace as a run (for MLflow's runs/search). */
export function allRuns(ctx: ServiceContext, workspaceId: string): RunView[] {
  return listChildren(ctx, 'jobs', workspaceId, 'jobs').map((job) => ({ job, record: getRunRecord(ctx, workspaceId, job.name) }));
}
