// onFailure: delete. A deployment that failed to provision is removed, but never one the endpoint sends any
// traffic or mirror traffic to (read fresh: a rollout may have moved traffic while this step ran).
import { errorMessage } from "../platform/userError";
import type { OnlineEndpointsApi } from "../workspace/onlineEndpoints";

export type CleanupResult = "deleted" | "keptServing" | "failed";

export async function deleteFailedDeployment(api: OnlineEndpointsApi, endpoint: string, deployment: string, log: (message: string) => void, signal?: AbortSignal): Promise<CleanupResult> {
  try {
    const current = (await api.getEndpoint(endpoint, signal)).resource;
    const traffic = current?.properties.traffic?.[deployment] ?? 0;
    const mirror = current?.properties.mirrorTraffic?.[deployment] ?? 0;
    if (traffic > 0 || mirror > 0) {
      log(`onFailure is delete, but deployment '${deployment}' is not deleted: endpoint '${endpoint}' sends it ${traffic}% of its traffic${mirror > 0 ? ` and mirrors ${mirror}% to it` : ""}. Move its traffic away first.`);
      return "keptServing";
    }
    await api.deleteDeployment(endpoint, deployment, signal);
    log(`onFailure is delete: deletion of the failed deployment '${deployment}' was requested.`);
    return "deleted";
  } catch (error) {
    log(`Could not delete the failed deployment '${deployment}': ${errorMessage(error)}`);
    return "failed";
  }
}
