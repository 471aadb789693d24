// Schedules (workspaces/schedules): stored with Azure ML's shapes (a Cron or Recurrence trigger, a
// CreateJob action with its jobDefinition, isEnabled), created and deleted as Azure-AsyncOperation
// operations. On the emulator's clock, an enabled schedule creates its job at each due minute.
// When the clock jumps past several due times, the schedule creates one job, for the latest of them:
// Azure ML does not backfill missed runs (a start time in the past starts at the next due time).
// Due schedules are found before every ARM request and by a timer (startEmulator).
import type { HostResponse, Principal, ServiceContext } from '../contract';
import { userError } from './errors';
import { type JobExecutor, createJob } from './jobs';
import { beginDelete, operationHeaders, registerEffect, setProvisioningState, startOperation } from './lro';
import { checkAssetName } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, findWorkspace, getResource, isoTime, jsonResponse, listChildren, listResponse, putResource, systemDataFor, WS, workspaceOf } from './resources';
import { checkReference } from './references';
import { type ArmCall, type Route, jsonBody } from './router';
import { checkTrigger, latestFiring } from './scheduleTriggers';
import { validateBody } from './validation';

const SCHEDULE = `${WS}/schedules/{name}`;
const TYPE = 'workspaces/schedules';
/** Per schedule (lower-cased id): the instant up to which its due times have been handled. */
const CURSORS = 'arm.scheduleCursors';


function scheduleId(call: ArmCall): string {
  return `${workspaceOf(call).id}/schedules/${call.params.name}`;
}

function createOrUpdate(call: ArmCall): HostResponse {
  const { ctx } = call;
  const body = jsonBody(call) as Properties;
  validateBody(body, 'Schedule');
  checkAssetName('Schedule', call.params.name);
  const workspace = workspaceOf(call);
  const requested = body.properties as Properties;
  checkTrigger(requested.trigger);
  const action: Properties = requested.action;
  if (action.actionType !== 'CreateJob') throw userError(`Schedule action '${action.actionType}' is not one the emulator runs (CreateJob).`, 'properties.action.actionType');
  const definition: Properties = action.jobDefinition;
  jobDefinitionOf(ctx, workspace, definition);
  checkReference(ctx, workspace, definition.computeId, 'properties.action.jobDefinition.computeId');
  checkReference(ctx, workspace, definition.environmentId, 'properties.action.jobDefinition.environmentId');
  checkReference(ctx, workspace, definition.codeId, 'properties.action.jobDefinition.codeId');
  const previous = getResource(ctx, 'schedules', scheduleId(call));
  const schedule: ArmResource = {
    id: previous?.id ?? scheduleId(call),
    name: previous?.name ?? call.params.name,
    type: `${ML_NAMESPACE}/${TYPE}`,
    properties: {
      description: null,
      properties: {},
      tags: {},
      displayName: call.params.name,
      ...requested,
      isEnabled: requested.isEnabled ?? true,
      provisioningState: previous ? 'Updating' : 'Creating',
    },
    systemData: systemDataFor(ctx, call.principal, previous?.systemData),
  };
  putResource(ctx, 'schedules', schedule);
  // Due times before now are not run (no backfill), also after an update.
  ctx.store.put(CURSORS, schedule.id.toLowerCase(), { checkedUntil: ctx.now() });
  const op = startOperation(call, { effect: 'scheduleProvisioned', resourceId: schedule.id, resourceCollection: 'schedules' });
  return jsonResponse(schedule, previous ? 200 : 201, operationHeaders(call, op, false));
}

function remove(call: ArmCall): HostResponse {
  const schedule = getResource(call.ctx, 'schedules', scheduleId(call));
  if (!schedule) return { status: 204 };
  // Azure ML deletes only a disabled schedule (learn.microsoft.com, how-to-schedule-pipeline-job: "You must
  // first disable a schedule to delete it"; azure-ai-ml's e2e tests expect "Cannot delete an active trigger").
  if ((schedule.properties as Properties).isEnabled !== false) throw userError(`Cannot delete an active trigger: schedule '${schedule.name}' is enabled. Disable it first.`);
  return beginDelete(call, 'schedules', schedule, 'scheduleDeleted');
}

registerEffect('scheduleProvisioned', { complete: (ctx, op, outcome) => setProvisioningState(ctx, 'schedules', op.resourceId, outcome) });

registerEffect('scheduleDeleted', {
  complete: (ctx, op, outcome) => {
    if (outcome === 'Succeeded') {
      deleteResource(ctx, 'schedules', op.resourceId);
      ctx.store.delete(CURSORS, op.resourceId.toLowerCase());
    } else setProvisioningState(ctx, 'schedules', op.resourceId, 'Failed');
  },
});

/**
 * The job a schedule creates: its jobDefinition, or, when that names an existing job (sourceJobId, as
 * azure-ai-ml sends for create_job: azureml:<job>), that job's definition with the given fields over it.
 * The source job's outputs keep only the locations it was given, not those the service picked for it.
 */
function jobDefinitionOf(ctx: ServiceContext, workspace: ArmResource, definition: Properties): Properties {
  const sourceJobId: unknown = definition.sourceJobId;
  if (typeof sourceJobId !== 'string' || !sourceJobId) return definition;
  const reference = sourceJobId.replace(/^azureml:/i, '');
  const source = getResource(ctx, 'jobs', reference.includes('/') ? reference : `${workspace.id}/jobs/${reference}`);
  if (!source) throw userError(`The job '${sourceJobId}' named by properties.action.jobDefinition.sourceJobId was not found in workspace '${workspace.name}'.`, 'properties.action.jobDefinition.sourceJobId');
  const { status: _status, services: _services, outputs, ...properties } = source.properties;
  const picked = `/azureml/${source.name}/`.toLowerCase();
  const ownOutputs = Object.fromEntries(
    Object.entries<Properties>(outputs ?? {}).map(([name, output]) => {
      const { uri, ...rest } = output ?? {};
      return [name, typeof uri === 'string' && uri.toLowerCase().includes(picked) ? rest : output];
    }),
  );
  const given = Object.fromEntries(Object.entries(definition).filter(([key, value]) => value !== null && value !== undefined && key !== 'sourceJobId'));
  return { ...properties, outputs: ownOutputs, ...given, jobType: properties.jobType };
}

/** list: listViewType EnabledOnly (the default), DisabledOnly or All. */
function list(call: ArmCall): HostResponse {
  const view = (call.req.url.searchParams.get('listViewType') ?? 'EnabledOnly').toLowerCase();
  if (!['enabledonly', 'disabledonly', 'all'].includes(view)) throw userError(`Invalid listViewType '${view}'. Allowed values: EnabledOnly, DisabledOnly, All.`, 'listViewType');
  const schedules = listChildren(call.ctx, 'schedules', workspaceOf(call).id, 'schedules').filter((s) => view === 'all' || (view === 'enabledonly') === Boolean(s.properties.isEnabled));
  return listResponse(schedules);
}

/** yyyyMMddHHmm of a UTC instant, for the names of triggered jobs (the service's job names are not documented). */
function stamp(ms: number): string {
  return isoTime(ms).replace(/[-:T]/g, '').slice(0, 12);
}

/**
 * "<schedule name>-YYYYMMDDThhmmssZ": the display name every job a schedule triggers has, which is how users find
 * them (learn.microsoft.com, how-to-schedule-pipeline-job, "Query triggered jobs from a schedule").
 */
function triggeredDisplayName(scheduleName: string, ms: number): string {
  return `${scheduleName}-${isoTime(ms).replace(/[-:]|\.\d+/g, '')}`;
}

/** Creates the schedule's job for the due time `at`, as the schedule's creator. */
function trigger(ctx: ServiceContext, schedule: ArmResource, at: number, executor: JobExecutor | undefined): void {
  const workspaceIdOf = schedule.id.slice(0, schedule.id.toLowerCase().lastIndexOf('/schedules/'));
  const [resourceGroupName, workspaceName] = [workspaceIdOf.split('/')[4], workspaceIdOf.split('/')[8]];
  const workspace = findWorkspace(ctx, resourceGroupName, workspaceName);
  const name = `${schedule.name}-${stamp(at)}`;
  if (getResource(ctx, 'jobs', `${workspace.id}/jobs/${name}`)) return;
  const creator: Principal = { objectId: '', appId: schedule.systemData?.createdBy ?? '', tenantId: ctx.facts.tenantId, audience: '' };
  try {
    const definition = jobDefinitionOf(ctx, workspace, schedule.properties.action.jobDefinition);
    createJob(ctx, workspace, name, { ...definition, displayName: triggeredDisplayName(schedule.name, at) }, creator, executor);
    ctx.log(`schedule ${schedule.name}: created job ${name} for ${isoTime(at)}`);
  } catch (e) {
    ctx.log(`schedule ${schedule.name}: its job for ${isoTime(at)} could not be created: ${(e as Error).message}`);
  }
}

/** Creates the jobs of enabled schedules that have come due since they were last looked at. */
export function triggerDueSchedules(ctx: ServiceContext, executor: JobExecutor | undefined): void {
  const now = ctx.now();
  for (const { value: schedule } of ctx.store.list<ArmResource>('arm.schedules')) {
    const key = schedule.id.toLowerCase();
    const checkedUntil = ctx.store.get<{ checkedUntil: number }>(CURSORS, key)?.checkedUntil ?? now;
    if (checkedUntil >= now) continue;
    ctx.store.put(CURSORS, key, { checkedUntil: now });
    if (!schedule.properties.isEnabled || !['Succeeded', 'Updating'].includes(schedule.properties.provisioningState)) continue;
    const createdAt = Date.parse(schedule.systemData?.createdAt ?? isoTime(checkedUntil));
    const due = latestFiring(schedule.properties.trigger, checkedUntil, now, createdAt);
    if (due !== undefined) trigger(ctx, schedule, due, executor);
  }
}

export const scheduleRoutes: Route[] = [
  { method: 'GET', pattern: `${WS}/schedules`, provider: 'ml', resourceType: TYPE, handle: list },
  { method: 'GET', pattern: SCHEDULE, provider: 'ml', resourceType: TYPE, handle: (call) => jsonResponse(findResource(call.ctx, 'schedules', scheduleId(call))) },
  { method: 'PUT', pattern: SCHEDULE, provider: 'ml', resourceType: TYPE, handle: createOrUpdate },
  { method: 'DELETE', pattern: SCHEDULE, provider: 'ml', resourceType: TYPE, handle: remove },
];
