// Jobs: stored here with their status; execution is delegated to the JobExecutor that
// startEmulator always installs (src/jobs/), or to one a test passes.
import { notifyAzureDevOps } from '../jobs/webhooks';
import type { HostResponse, Principal, ServiceContext } from '../contract';
import { userError } from './errors';
import { accepted, registerEffect, startOperation } from './lro';
import { checkAssetName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, jsonResponse, listChildren, listResponse, putResource, systemDataFor, WS, workspaceOf } from './resources';
import { checkReference } from './references';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';

export type JobStatus =
  | 'NotStarted' | 'Starting' | 'Provisioning' | 'Preparing' | 'Queued' | 'Running' | 'Finalizing'
  | 'CancelRequested' | 'Completed' | 'Failed' | 'Canceled' | 'NotResponding' | 'Paused' | 'Unknown';

export const TERMINAL_JOB_STATUSES: JobStatus[] = ['Completed', 'Failed', 'Canceled'];

/** Runs jobs. Provided by the infrastructure; it reports progress through setJobStatus. */
export interface JobExecutor {
  /** A job was created (status NotStarted). */
  submit(ctx: ServiceContext, job: ArmResource): void;
  /** Cancellation was requested (status CancelRequested); the executor sets Canceled once stopped. */
  cancel(ctx: ServiceContext, job: ArmResource): void;
}

const JOB = `${WS}/jobs/{id}`;

function jobId(call: ArmCall): string {
  return `${workspaceOf(call).id}/jobs/${call.params.id}`;
}

/** Moves a job to a new status (for the job executor), merging extra properties. */
export function setJobStatus(ctx: ServiceContext, id: string, status: JobStatus, extra: Properties = {}): ArmResource | undefined {
  const job = getResource(ctx, 'jobs', id);
  if (!job) return undefined;
  const updated = { ...job, properties: { ...job.properties, ...extra, status } };
  putResource(ctx, 'jobs', updated);
  if (TERMINAL_JOB_STATUSES.includes(status) && !TERMINAL_JOB_STATUSES.includes(job.properties.status)) notifyAzureDevOps(updated.properties, status);
  return updated;
}

/** /subscriptions/<s>/resourcegroups/<g>/workspaces/<w>, the form of Studio's wsid parameter. */
function studioWorkspacePath(workspaceId: string): string {
  return workspaceId.replace(/\/resourceGroups\//i, '/resourcegroups/').replace(/\/providers\/Microsoft\.MachineLearningServices\//i, '/');
}

/**
 * PATCH: what azure-ai-ml and Microsoft's agentless wait send to an existing job: tags, properties,
 * description, displayName and notificationSetting (its webhooks merged by name). A webhook added to
 * a job that has already ended is called at once, so a wait that starts late does not hang.
 */
function patch(call: ArmCall): HostResponse {
  const { ctx } = call;
  const previous = findResource(ctx, 'jobs', jobId(call));
  const body = jsonBody(call) as Properties;
  const requested = (Object.entries(body).find(([k]) => k.toLowerCase() === 'properties')?.[1] ?? {}) as Properties;
  const properties = { ...previous.properties };
  for (const [key, value] of Object.entries(requested)) {
    const name = ['description', 'displayName', 'tags', 'properties', 'notificationSetting', 'isArchived'].find((k) => k.toLowerCase() === key.toLowerCase());
    if (!name) throw userError(`Job '${previous.name}': '${key}' cannot be changed by PATCH (description, displayName, tags, properties, notificationSetting, isArchived).`);
    if (name === 'notificationSetting') {
      const before = (properties.notificationSetting ?? {}) as Properties;
      const webhooksKey = Object.keys(value as Properties).find((k) => k.toLowerCase() === 'webhooks');
      properties.notificationSetting = { ...before, ...(value as Properties), webhooks: { ...((before.webhooks ?? {}) as Properties), ...((webhooksKey ? (value as Properties)[webhooksKey] : {}) as Properties) } };
    } else properties[name] = name === 'tags' || name === 'properties' ? { ...((properties[name] ?? {}) as Properties), ...(value as Properties) } : value;
  }
  const updated = { ...previous, properties, systemData: systemDataFor(ctx, call.principal, previous.systemData) };
  putResource(ctx, 'jobs', updated);
  if (TERMINAL_JOB_STATUSES.includes(previous.properties.status)) notifyAzureDevOps({ notificationSetting: { webhooks: (webhooksOf(requested) ?? {}) } }, previous.properties.status);
  return jsonResponse(updated, 200);
}

/** The webhooks a PATCH body adds. */
function webhooksOf(requested: Properties): Properties | undefined {
  const setting = Object.entries(requested).find(([k]) => k.toLowerCase() === 'notificationsetting')?.[1] as Properties | undefined;
  return setting ? (Object.entries(setting).find(([k]) => k.toLowerCase() === 'webhooks')?.[1] as Properties | undefined) : undefined;
}

/**
 * Creates a job as the service does for a PUT of a new job (also for batch endpoint invocations and
 * schedules, which create jobs the same way): references checked, defaults and services filled in,
 * stored as NotStarted and handed to the executor.
 */
export function createJob(ctx: ServiceContext, workspace: ArmResource, name: string, requested: Properties, principal: Principal, executor: JobExecutor | undefined): ArmResource {
  checkReference(ctx, workspace, requested.computeId, 'properties.computeId');
  checkReference(ctx, workspace, requested.environmentId, 'properties.environmentId');
  checkReference(ctx, workspace, requested.codeId, 'properties.codeId');
  const job: ArmResource = {
    id: `${workspace.id}/jobs/${name}`,
    name,
    type: `${ML_NAMESPACE}/workspaces/jobs`,
    properties: {
      description: null,
      tags: {},
      properties: {},
      displayName: name,
      experimentName: 'Default',
      isArchived: false,
      ...requested,
      status: 'NotStarted',
      services: {
        Tracking: { jobServiceType: 'Tracking', endpoint: workspace.properties.mlFlowTrackingUri, status: null, errorMessage: null, properties: null },
        // As the service writes it: the short workspace path, no tenant (clients such as azure-ai-ml append &tid=).
        Studio: { jobServiceType: 'Studio', endpoint: `https://ml.azure.com/runs/${name}?wsid=${studioWorkspacePath(workspace.id)}`, status: null, errorMessage: null, properties: null },
      },
    },
    systemData: systemDataFor(ctx, principal),
  };
  putResource(ctx, 'jobs', job);
  executor?.submit(ctx, job);
  return job;
}

function createOrUpdate(executor: JobExecutor | undefined) {
  return (call: ArmCall): HostResponse => {
    const { ctx } = call;
    const body = jsonBody(call) as Properties;
    validateBody(body, 'JobBase');
    checkAssetName('Job', call.params.id);
    const workspace = workspaceOf(call);
    const requested = body.properties as Properties;
    const previous = getResource(ctx, 'jobs', jobId(call));
    if (previous) {
      const mutable = ['description', 'tags', 'properties', 'displayName', 'isArchived', 'status', 'services'];
      const changed = Object.keys(requested).filter((k) => !mutable.includes(k) && JSON.stringify(requested[k]) !== JSON.stringify(previous.properties[k]));
      if (changed.length > 0) {
        throw userError(`Job '${previous.name}' already exists; only description, tags, properties, displayName and isArchived can be updated (request changes: ${changed.join(', ')}). Submit a job with a new name instead.`);
      }
      const updated = { ...previous, properties: { ...previous.properties, ...requested, status: previous.properties.status, services: previous.properties.services }, systemData: systemDataFor(ctx, call.principal, previous.systemData) };
      putResource(ctx, 'jobs', updated);
      return jsonResponse(updated, 200);
    }
    const job = createJob(ctx, workspace, call.params.id, requested, call.principal, executor);
    return jsonResponse(job, 201);
  };
}

function cancel(executor: JobExecutor | undefined) {
  return (call: ArmCall): HostResponse => {
    const job = findResource(call.ctx, 'jobs', jobId(call));
    const terminal = TERMINAL_JOB_STATUSES.includes(job.properties.status);
    if (!terminal) {
      const requested = setJobStatus(call.ctx, job.id, 'CancelRequested') ?? job;
      executor?.cancel(call.ctx, requested);
    }
    return accepted(call, startOperation(call, { effect: 'jobCanceled', resourceId: job.id, resourceCollection: 'jobs', args: { awaitExecutor: Boolean(executor) && !terminal } }));
  };
}

registerEffect('jobCanceled', {
  // With an executor, the operation lasts until the job has actually stopped.
  ready: (ctx, op) => !op.args?.awaitExecutor || TERMINAL_JOB_STATUSES.includes(getResource(ctx, 'jobs', op.resourceId)?.properties.status ?? 'Canceled'),
  complete: (ctx, op, outcome) => {
    const job = getResource(ctx, 'jobs', op.resourceId);
    if (outcome === 'Succeeded' && job && !TERMINAL_JOB_STATUSES.includes(job.properties.status)) setJobStatus(ctx, job.id, 'Canceled');
  },
});

registerEffect('jobDeleted', {
  complete: (ctx, op, outcome) => {
    if (outcome === 'Succeeded') deleteResource(ctx, 'jobs', op.resourceId);
  },
});

function remove(call: ArmCall): HostResponse {
  const job = getResource(call.ctx, 'jobs', jobId(call));
  if (!job) return { status: 204 };
  return accepted(call, startOperation(call, { effect: 'jobDeleted', resourceId: job.id, resourceCollection: 'jobs' }));
}

function list(call: ArmCall): HostResponse {
  const params = call.req.url.searchParams;
  const jobType = params.get('jobType');
  const tag = params.get('tag');
  const all = params.get('listViewType') === 'All';
  const jobs = listChildren(call.ctx, 'jobs', workspaceOf(call).id, 'jobs').filter(
    (j) => (all || !j.properties.isArchived) && (!jobType || j.properties.jobType?.toLowerCase() === jobType.toLowerCase()) && (!tag || Object.keys(j.properties.tags ?? {}).includes(tag)),
  );
  return listResponse(jobs.reverse());
}

/**
 * A job held by a jobPaused fault reads as status Paused while it is not finished (the service reports Paused
 * for a job whose run was suspended; nothing a client sends resumes it).
 */
function pausedView(call: ArmCall, job: ArmResource): ArmResource {
  if (TERMINAL_JOB_STATUSES.includes(job.properties.status) || !call.ctx.faults.holds('jobPaused', job.id, call.req.method, true)) return job;
  call.ctx.log(`ARM: job ${job.name} reported Paused (jobPaused fault)`);
  return { ...job, properties: { ...job.properties, status: 'Paused' } };
}

export function jobRoutes(executor: JobExecutor | undefined): Route[] {
  return [
    { method: 'GET', pattern: `${WS}/jobs`, provider: 'ml', resourceType: 'workspaces/jobs', handle: list },
    { method: 'GET', pattern: JOB, provider: 'ml', resourceType: 'workspaces/jobs', handle: (call) => jsonResponse(pausedView(call, findResource(call.ctx, 'jobs', jobId(call)))) },
    { method: 'PUT', pattern: JOB, provider: 'ml', resourceType: 'workspaces/jobs', handle: createOrUpdate(executor) },
    { method: 'PATCH', pattern: JOB, provider: 'ml', resourceType: 'workspaces/jobs', handle: patch },
    { method: 'DELETE', pattern: JOB, provider: 'ml', resourceType: 'workspaces/jobs', handle: remove },
    { method: 'POST', pattern: `${JOB}/cancel`, provider: 'ml', resourceType: 'workspaces/jobs', handle: cancel(executor) },
  ];
}
