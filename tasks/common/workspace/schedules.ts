// The workspace's schedules (Microsoft.MachineLearningServices/workspaces/schedules, api-version 2023-04-01)
// through the one workspace REST path. PUT and DELETE are long-running: the schedule is read until its
// provisioningState ends (or it is gone), the way azure-ai-ml's poller waits for begin_create_or_update.
import type { ArmContext } from "../azure/arm";
import { workspaceArmId, type WorkspaceScope } from "./scope";
import { armUrl, callWorkspace } from "./workspaceRest";

export const SCHEDULES_API_VERSION = "2023-04-01";

export interface ScheduleResource {
  id?: string;
  name: string;
  properties: {
    displayName?: string;
    description?: string;
    tags?: Record<string, string>;
    properties?: Record<string, string>;
    isEnabled?: boolean;
    provisioningState?: string;
    trigger?: Record<string, unknown>;
    action?: { actionType?: string; jobDefinition?: Record<string, unknown>; [key: string]: unknown };
    [key: string]: unknown;
  };
  systemData?: Record<string, unknown>;
}

export interface SchedulesApi {
  readonly scope: WorkspaceScope;
  /** Undefined when the workspace has no schedule of that name. */
  get(name: string, signal?: AbortSignal): Promise<ScheduleResource | undefined>;
  /** Create or replace; returns the schedule once its provisioning has ended. */
  put(name: string, body: unknown, signal?: AbortSignal): Promise<ScheduleResource>;
  /** False when there was no such schedule; returns once it is gone. */
  delete(name: string, signal?: AbortSignal): Promise<boolean>;
}

const PROVISIONING_ENDED = ["succeeded", "failed", "canceled"];
/** Between reads of a schedule being provisioned when the service names no wait (azure-ai-ml polls every 5 s). */
const DEFAULT_POLL_MS = 5_000;
/** Longest wait for a schedule's PUT or DELETE to end: schedules provision in seconds; past this something is wrong. */
export const SCHEDULE_OPERATION_LIMIT_MS = 10 * 60_000;

export interface SchedulesApiOptions {
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

export function createSchedulesApi(context: ArmContext, scope: WorkspaceScope, options: SchedulesApiOptions = {}): SchedulesApi {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const url = (name: string) => armUrl(context, `${workspaceArmId(scope)}/schedules/${encodeURIComponent(name)}?api-version=${SCHEDULES_API_VERSION}`);
  const read = async (name: string, signal?: AbortSignal) => callWorkspace<ScheduleResource>(context, url(name), { signal: signal ?? context.signal });

  /** Reads until `done` says the operation has ended; fails after SCHEDULE_OPERATION_LIMIT_MS. */
  async function until(name: string, what: string, done: (schedule: ScheduleResource | undefined) => boolean, firstWaitMs: number | undefined, signal?: AbortSignal): Promise<ScheduleResource | undefined> {
    const deadline = now() + SCHEDULE_OPERATION_LIMIT_MS;
    let wait = firstWaitMs ?? DEFAULT_POLL_MS;
    for (;;) {
      await sleep(wait, signal ?? context.signal);
      const reply = await read(name, signal);
      if (done(reply.body)) return reply.body;
      if (now() > deadline) throw new Error(`Schedule '${name}' in workspace '${scope.workspace}' did not finish ${what} within ${SCHEDULE_OPERATION_LIMIT_MS / 60_000} minutes (provisioningState ${reply.body?.properties.provisioningState ?? "unknown"}).`);
      wait = reply.retryAfterMs ?? DEFAULT_POLL_MS;
    }
  }

  const ended = (schedule: ScheduleResource | undefined): boolean => !schedule || PROVISIONING_ENDED.includes((schedule.properties.provisioningState ?? "Succeeded").toLowerCase());

  return {
    scope,
    get: async (name, signal) => (await read(name, signal)).body,
    async put(name, body, signal) {
      const reply = await callWorkspace<ScheduleResource>(context, url(name), { method: "PUT", body, notFoundIsError: true, signal: signal ?? context.signal });
      let schedule = reply.body;
      if (!schedule || !ended(schedule) || reply.asyncOperationUrl) {
        schedule = (await until(name, "provisioning", ended, reply.retryAfterMs, signal)) ?? schedule;
      }
      if (!schedule) throw new Error(`Schedule '${name}' was accepted but cannot be read back from workspace '${scope.workspace}'.`);
      if (schedule.properties.provisioningState && schedule.properties.provisioningState.toLowerCase() !== "succeeded") {
        throw new Error(`Schedule '${name}' ended provisioning ${schedule.properties.provisioningState} in workspace '${scope.workspace}'.`);
      }
      return schedule;
    },
    async delete(name, signal) {
      const reply = await callWorkspace<unknown>(context, url(name), { method: "DELETE", signal: signal ?? context.signal });
      // ARM answers a DELETE of a resource that does not exist with 204 (or 404).
      if (reply.status === 404 || reply.status === 204) return false;
      if (reply.status === 202) await until(name, "deleting", (schedule) => schedule === undefined, reply.retryAfterMs, signal);
      return true;
    },
  };
}
