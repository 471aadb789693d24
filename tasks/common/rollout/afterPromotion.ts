// What happens to the old deployment(s) once the new one takes all live traffic (afterPromotion):
// - keep (default): nothing; they stay provisioned (and billed) until you remove them.
// - scaleDown: after the fast-rollback window, each is scaled to 1 instance: Azure ML's managed online
//   deployments need instance_count ≥ 1 even with no traffic (there is no scale to zero), so 1 is the cheapest
//   state from which traffic can still be moved back at once (a PATCH back up is quick; a new deployment is not).
// - delete: after the window, each is deleted (cheapest; a rollback then means deploying it again).
// The window (afterPromotionDelayMinutes) is a wait in the task, after the promotion has been published in the
// log: during it, the old deployments are as they were, so `action: abort` (or a traffic change by hand) can
// still send traffic back to them at once. The task holds its agent for the window; to avoid that, set it to 0
// and run a later AzureMLRollout@1 `action: promote` with afterPromotion in a stage behind an approval or a
// delay. A cancelled wait leaves everything as it is.
// Only deployments that served live traffic before the rollout are touched, never the new one nor a mirror
// target, and each is checked again just before: one that has live or mirror traffic is left alone (Azure ML
// refuses to delete it anyway), as is one the endpoint no longer has.
import { errorMessage } from "../platform/userError";
import type { OnlineEndpointsApi } from "../workspace/onlineEndpoints";

export type AfterPromotion = "keep" | "scaleDown" | "delete";

export interface AfterPromotionPolicy {
  action: AfterPromotion;
  delayMs: number;
}

/** The instance count of a deployment kept for a fast rollback: Azure ML's minimum for a managed online deployment. */
export const SCALED_DOWN_INSTANCES = 1;

export interface RetireRequest {
  api: Pick<OnlineEndpointsApi, "getEndpoint" | "listDeployments" | "scaleDeployment" | "deleteDeployment">;
  endpointName: string;
  candidate: string;
  /** The deployments that served live traffic before the rollout. */
  previous: readonly string[];
  policy: AfterPromotionPolicy;
  log: (message: string) => void;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

export interface RetireResult {
  retired: string[];
  /** Deployment → why it was left alone. */
  skipped: Record<string, string>;
}

export async function retireOldDeployments(request: RetireRequest): Promise<RetireResult> {
  const { api, endpointName, policy, log } = request;
  const result: RetireResult = { retired: [], skipped: {} };
  const old = request.previous.filter((name) => name.toLowerCase() !== request.candidate.toLowerCase());
  if (policy.action === "keep" || !old.length) return result;
  const verb = policy.action === "delete" ? "delete" : `scale down to ${SCALED_DOWN_INSTANCES} instance`;
  if (policy.delayMs > 0) {
    log(`Fast-rollback window: ${old.map((n) => `'${n}'`).join(", ")} stay as they are for ${Math.round(policy.delayMs / 60_000)} minute(s), then afterPromotion will ${verb} them.`);
    try {
      await request.sleep(policy.delayMs, request.signal);
    } catch {
      log(`Cancelled during the fast-rollback window: ${old.map((n) => `'${n}'`).join(", ")} left as they are.`);
      for (const name of old) result.skipped[name] = "cancelled during the fast-rollback window";
      return result;
    }
  }
  const endpoint = (await api.getEndpoint(endpointName, request.signal)).resource;
  const existing = new Set((await api.listDeployments(endpointName, request.signal)).map((d) => d.name.toLowerCase()));
  const share = (map: Record<string, number> | undefined, name: string) => Object.entries(map ?? {}).find(([d]) => d.toLowerCase() === name.toLowerCase())?.[1] ?? 0;
  for (const name of old) {
    const live = share(endpoint?.properties.traffic, name);
    const mirrored = share(endpoint?.properties.mirrorTraffic, name);
    const why = !existing.has(name.toLowerCase()) ? "the endpoint no longer has it" : live > 0 ? `it takes ${live}% of live traffic again` : mirrored > 0 ? `it receives ${mirrored}% mirror traffic` : undefined;
    if (why) {
      result.skipped[name] = why;
      log(`afterPromotion: '${name}' left as it is: ${why}.`);
      continue;
    }
    try {
      if (policy.action === "delete") await api.deleteDeployment(endpointName, name, request.signal);
      else await api.scaleDeployment(endpointName, name, SCALED_DOWN_INSTANCES, request.signal);
      result.retired.push(name);
      log(policy.action === "delete" ? `afterPromotion: deleting deployment '${name}' (Azure ML finishes it in the background).` : `afterPromotion: scaling deployment '${name}' down to ${SCALED_DOWN_INSTANCES} instance (kept for a quick rollback).`);
    } catch (error) {
      result.skipped[name] = errorMessage(error);
      log(`afterPromotion: could not ${verb} '${name}': ${errorMessage(error)}`);
    }
  }
  return result;
}
