// AzureMLSchedule@1 from inputs to result. createOrUpdate translates the az ml schedule file, prepares the job it
// creates the way AzureMLJob@1 prepares a job (uploads, @latest, anonymous environments and components), and
// PUTs the schedule unless Azure ML already holds exactly that; enable and disable write the schedule back with
// isEnabled changed; delete removes it; show prints it. Every action outputs the schedule's next run times.
import type { AzureSession } from "../azure/azureSession";
import { finalizeTranslation, translateScheduleFile, triggerFromRest, type ScheduleTranslation, type ScheduleTrigger } from "../jobSpec";
import type { TaskHost } from "../platform/taskHost";
import type { TaskRun } from "../platform/taskRunner";
import { errorMessage, UserError } from "../platform/userError";
import { openDefaultBlobStore, type BlobStore } from "../workspace/datastores";
import { createJobAssets, describePending, resolvePending, sourcesRootOf } from "../workspace/pendingUploads";
import { createSchedulesApi, SCHEDULES_API_VERSION, type ScheduleResource, type SchedulesApi } from "../workspace/schedules";
import { workspaceArmId, type WorkspaceScope } from "../workspace/scope";
import { readPipelineRun, runLineage } from "../workspace/lineage";
import { getVerifiedWorkspace } from "../workspace/workspace";
import { createWorkspaceApi, type WorkspaceApi } from "../workspace/workspaceApi";
import { readScheduleInputs, type ScheduleInputs } from "./inputs";
import { nextRunTimes } from "./nextRunTimes";
import { isUnchanged, writeBackBody } from "./scheduleState";

/** What the task talks to; tests replace any of it. */
export interface ScheduleTaskServices {
  api: WorkspaceApi;
  schedules: SchedulesApi;
  openStore: () => Promise<BlobStore>;
  now?: () => number;
}

export interface ScheduleTaskOptions {
  /** Checks the workspace exists (default: getVerifiedWorkspace). */
  verifyWorkspace?: (session: AzureSession, scope: WorkspaceScope) => Promise<unknown>;
  services?: (session: AzureSession, scope: WorkspaceScope) => ScheduleTaskServices;
}

function defaultServices(session: AzureSession, scope: WorkspaceScope, host: TaskHost): ScheduleTaskServices {
  const api = createWorkspaceApi(session, scope);
  return {
    api,
    schedules: createSchedulesApi(session, scope),
    openStore: () => openDefaultBlobStore(api, { httpClient: session.httpClient, credential: session.credential, maskSecret: (secret) => host.setSecret(secret) }),
  };
}

const scheduleUrlPath = (scope: WorkspaceScope, name: string): string => `${workspaceArmId(scope)}/schedules/${name}?api-version=${SCHEDULES_API_VERSION}`;

/** Sets the outputs and logs the run times: none while the schedule is disabled or gone. */
function publish(host: TaskHost, name: string, isEnabled: boolean | undefined, trigger: ScheduleTrigger | undefined, count: number, now: number): string[] {
  const runs = isEnabled && trigger ? nextRunTimes(trigger, new Date(now), count).map((d) => d.toISOString()) : [];
  host.setVariable("scheduleName", name, { isOutput: true });
  host.setVariable("isEnabled", isEnabled === undefined ? "" : String(isEnabled), { isOutput: true });
  host.setVariable("nextRunTimes", runs.join(","), { isOutput: true });
  if (isEnabled === false) host.log(`Schedule '${name}' is disabled: it starts no runs until it is enabled.`);
  else if (runs.length > 0) host.log([`Next run(s) of '${name}' (UTC; trigger time zone ${trigger?.timeZone}):`, ...runs.map((run) => `  ${run}`)].join("\n"));
  else if (trigger && count > 0) host.warning(`Schedule '${name}' has no run after now: its end_time has passed or nothing matches its trigger within the next decades.`);
  return runs;
}

function dryRunReport(translation: ScheduleTranslation, body: unknown, urlPath: string): string[] {
  const lines = [`Dry run: nothing is uploaded, created or changed.`, `Schedule '${translation.name}': ${translation.createJob}`];
  if (translation.pending.length > 0) lines.push("Resolved before the schedule is sent:", ...translation.pending.map((item) => `  ${describePending(item)}`));
  for (const environment of translation.environments) lines.push(`PUT environments/${environment.name}/versions/${environment.version}`, JSON.stringify(environment.body, null, 2));
  for (const template of translation.components) {
    lines.push(`PUT components/azureml_anonymous/versions/<content hash> (${template.origin})`, JSON.stringify({ properties: { componentSpec: template.spec, ...template.properties } }, null, 2));
  }
  lines.push(`PUT ${urlPath}`, JSON.stringify(body, null, 2));
  return lines;
}

async function createOrUpdate(host: TaskHost, task: TaskRun, session: AzureSession, inputs: ScheduleInputs, scope: WorkspaceScope, options: ScheduleTaskOptions): Promise<void> {
  // The schedule records the pipeline run that deployed its definition (tags given as inputs win).
  const tags = { ...runLineage(readPipelineRun((name) => host.getVariable(name))), ...inputs.tags };
  const translation = translateScheduleFile(inputs.scheduleFile as string, { scope, name: inputs.scheduleName, tags });
  const { name } = translation;
  for (const warning of translation.warnings) host.warning(warning);
  const withState = (properties: Record<string, unknown>) => ({ properties: { ...properties, isEnabled: inputs.enabled } });
  if (inputs.dryRun) {
    for (const line of dryRunReport(translation, withState(translation.body.properties), scheduleUrlPath(scope, name))) host.log(line);
    publish(host, name, inputs.enabled, translation.trigger, inputs.nextRunCount, Date.now());
    host.setResult("Succeeded", `Dry run of schedule '${name}': the schedule file is valid; nothing was changed.`);
    return;
  }
  await (options.verifyWorkspace ?? getVerifiedWorkspace)(session, scope);
  const services = options.services?.(session, scope) ?? defaultServices(session, scope, host);
  const signal = task.cancellation.signal;
  const sourcesRoot = sourcesRootOf(inputs.scheduleFile as string, host.getVariable("Build.SourcesDirectory"));
  const resolved = await resolvePending(translation.pending, services.api, services.openStore, (m) => host.log(m), { sourcesRoot, warn: (m) => host.warning(m) });
  const plan = finalizeTranslation(translation, resolved, scope);
  const body = withState(plan.body.properties);
  const existing = await services.schedules.get(name, signal);
  const now = (services.now ?? Date.now)();
  if (existing && isUnchanged(body, existing)) {
    publish(host, name, inputs.enabled, translation.trigger, inputs.nextRunCount, now);
    host.setResult("Succeeded", `Schedule '${name}' is unchanged: Azure ML already holds this definition (${translation.createJob}); nothing was sent.`);
    return;
  }
  await createJobAssets(services.api, plan);
  const saved = await services.schedules.put(name, body, signal);
  publish(host, name, saved.properties.isEnabled ?? inputs.enabled, translation.trigger, inputs.nextRunCount, now);
  host.setResult("Succeeded", `Schedule '${name}' ${existing ? "updated" : "created"}${inputs.enabled ? "" : " (disabled)"}: ${translation.createJob}.`);
}

/** The schedule, or a UserError naming it and the workspace. */
async function existingSchedule(schedules: SchedulesApi, name: string, signal: AbortSignal): Promise<ScheduleResource> {
  const schedule = await schedules.get(name, signal);
  if (!schedule) throw new UserError(`Workspace '${schedules.scope.workspace}' has no schedule named '${name}' (input scheduleName). Create it with action createOrUpdate first.`);
  return schedule;
}

/** The trigger of a schedule Azure ML returned; one this task cannot read (a newer shape) only costs the run times. */
function triggerOf(host: TaskHost, schedule: ScheduleResource): ScheduleTrigger | undefined {
  if (!schedule.properties.trigger) return undefined;
  try {
    return triggerFromRest(schedule.properties.trigger, `trigger of schedule '${schedule.name}' as Azure ML returned it`);
  } catch (error) {
    host.warning(`The next run times of schedule '${schedule.name}' cannot be computed: ${errorMessage(error)}`);
    return undefined;
  }
}

async function setEnabled(host: TaskHost, services: ScheduleTaskServices, inputs: ScheduleInputs, enable: boolean, signal: AbortSignal): Promise<void> {
  const name = inputs.scheduleName as string;
  const schedule = await existingSchedule(services.schedules, name, signal);
  const now = (services.now ?? Date.now)();
  const verb = enable ? "enabled" : "disabled";
  if ((schedule.properties.isEnabled ?? true) === enable) {
    publish(host, name, enable, triggerOf(host, schedule), inputs.nextRunCount, now);
    host.setResult("Succeeded", `Schedule '${name}' is already ${verb}: unchanged.`);
    return;
  }
  const body = writeBackBody(schedule, enable);
  if (inputs.dryRun) {
    host.log(`Dry run: nothing is changed.\nPUT ${scheduleUrlPath(services.schedules.scope, name)}\n${JSON.stringify(body, null, 2)}`);
    publish(host, name, schedule.properties.isEnabled ?? true, triggerOf(host, schedule), inputs.nextRunCount, now);
    host.setResult("Succeeded", `Dry run: schedule '${name}' would be ${verb}.`);
    return;
  }
  const saved = await services.schedules.put(name, body, signal);
  publish(host, name, saved.properties.isEnabled ?? enable, triggerOf(host, saved) ?? triggerOf(host, schedule), inputs.nextRunCount, now);
  host.setResult("Succeeded", `Schedule '${name}' ${verb}.`);
}

async function remove(host: TaskHost, services: ScheduleTaskServices, inputs: ScheduleInputs, signal: AbortSignal): Promise<void> {
  const name = inputs.scheduleName as string;
  const schedule = await services.schedules.get(name, signal);
  if (!schedule) {
    publish(host, name, undefined, undefined, 0, 0);
    host.setResult("Succeeded", `Workspace '${services.schedules.scope.workspace}' has no schedule named '${name}': nothing to delete.`);
    return;
  }
  // Azure ML refuses to delete an enabled schedule ("disable it first"), so the task disables it first.
  const disableFirst = schedule.properties.isEnabled ?? true;
  const disable = disableFirst ? writeBackBody(schedule, false) : undefined;
  if (inputs.dryRun) {
    const disabling = disable ? `PUT ${scheduleUrlPath(services.schedules.scope, name)}\n${JSON.stringify(disable, null, 2)}\n` : "";
    host.log(`Dry run: nothing is changed.\n${disabling}DELETE ${scheduleUrlPath(services.schedules.scope, name)}`);
    host.setResult("Succeeded", `Dry run: schedule '${name}' would be ${disable ? "disabled, then " : ""}deleted.`);
    return;
  }
  if (disable) {
    host.log(`Schedule '${name}' is enabled: disabling it first, as Azure ML deletes only a disabled schedule.`);
    await services.schedules.put(name, disable, signal);
  }
  const existed = await services.schedules.delete(name, signal);
  publish(host, name, undefined, undefined, 0, 0);
  // Jobs the schedule already started are not touched: they keep running and stay in the workspace.
  host.setResult("Succeeded", existed ? `Schedule '${name}' deleted; jobs it started are kept.` : `Workspace '${services.schedules.scope.workspace}' has no schedule named '${name}': nothing to delete.`);
}

async function show(host: TaskHost, services: ScheduleTaskServices, inputs: ScheduleInputs, signal: AbortSignal): Promise<void> {
  const name = inputs.scheduleName as string;
  const schedule = await existingSchedule(services.schedules, name, signal);
  const { isEnabled, provisioningState, trigger, action, displayName, description } = schedule.properties;
  const job = action?.jobDefinition;
  host.log(JSON.stringify({ name, displayName, description, isEnabled: isEnabled ?? true, provisioningState, trigger, job: job ? { jobType: job.jobType, displayName: job.displayName, sourceJobId: job.sourceJobId } : undefined }, null, 2));
  publish(host, name, isEnabled ?? true, triggerOf(host, schedule), inputs.nextRunCount, (services.now ?? Date.now)());
  host.setResult("Succeeded", `Schedule '${name}' is ${(isEnabled ?? true) ? "enabled" : "disabled"}.`);
}

export async function runScheduleTask(host: TaskHost, task: TaskRun, session: AzureSession, options: ScheduleTaskOptions = {}): Promise<void> {
  const inputs = readScheduleInputs(host);
  const scope: WorkspaceScope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  if (inputs.action === "createOrUpdate") {
    await createOrUpdate(host, task, session, inputs, scope, options);
    return;
  }
  await (options.verifyWorkspace ?? getVerifiedWorkspace)(session, scope);
  const services = options.services?.(session, scope) ?? defaultServices(session, scope, host);
  const signal = task.cancellation.signal;
  if (inputs.action === "delete") await remove(host, services, inputs, signal);
  else if (inputs.action === "show") await show(host, services, inputs, signal);
  else await setEnabled(host, services, inputs, inputs.action === "enable", signal);
}
