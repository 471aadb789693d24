// The endpoint a deployment joins: created from the endpoint file when missing, its mutable fields updated
// when it exists (traffic never: it moves only on purpose), or, with only a name, required to exist.
import { finalizeEndpoint, mergeEndpointUpdate, type EndpointTranslation } from "../deploySpec";
import { UserError } from "../platform/userError";
import type { OnlineEndpointResource, OnlineEndpointsApi, ResourceRead } from "../workspace/onlineEndpoints";
import { waitForProvisioning, type ProvisioningWait } from "./waitForProvisioning";

export interface EndpointRequest {
  api: OnlineEndpointsApi;
  name: string;
  /** The endpoint as read before (undefined: it does not exist). */
  existing?: OnlineEndpointResource;
  /** The endpoint file's translation, when one was given. */
  translation?: EndpointTranslation;
  location: string;
  wait: Omit<ProvisioningWait<OnlineEndpointResource>, "what" | "read">;
}

export interface EnsuredEndpoint {
  endpoint: OnlineEndpointResource;
  created: boolean;
}

/** What the provisioning wait needs of an endpoints API (online or batch). */
interface EndpointReader<T> {
  getEndpoint(name: string, signal?: AbortSignal): Promise<ResourceRead<T>>;
}
type Provisionable = { properties: { provisioningState?: string } };

/** The provisioning read of an endpoint (online or batch), for waitForProvisioning. */
export function endpointProvisioning<T extends Provisionable>(api: EndpointReader<T>, name: string): ProvisioningWait<T>["read"] {
  return async (signal) => {
    const read = await api.getEndpoint(name, signal);
    return { resource: read.resource, state: read.resource?.properties.provisioningState, retryAfterMs: read.retryAfterMs };
  };
}

/** Waits for an endpoint PUT to finish; anything but Succeeded is a clear error. */
export async function endpointProvisioned<T extends Provisionable>(
  api: EndpointReader<T>,
  name: string,
  wait: Omit<ProvisioningWait<T>, "what" | "read">,
  what = `Endpoint '${name}'`,
): Promise<T> {
  const outcome = await waitForProvisioning({ ...wait, what, read: endpointProvisioning(api, name) });
  if (outcome.ended === "cancelled") throw new UserError(`The task was cancelled while ${what} was provisioning (state ${outcome.state}).`);
  if (outcome.ended === "timedOut") throw new UserError(`${what} did not finish provisioning within timeoutMinutes (state ${outcome.state}).`);
  if (outcome.state !== "Succeeded") throw new UserError(`${what} provisioning ended ${outcome.state}. See the endpoint in Azure ML studio for the service's error.`);
  return outcome.resource as T;
}

export async function ensureEndpoint(request: EndpointRequest): Promise<EnsuredEndpoint> {
  const { api, name, translation, wait, existing } = request;
  const what = `Endpoint '${name}'`;
  if (!existing) {
    if (!translation) throw new UserError(`Online endpoint '${name}' does not exist in workspace '${api.scope.workspace}'. Give an endpointFile to create it, or check endpointName (and the deployment file's endpoint_name).`);
    for (const warning of translation.warnings) wait.log(`Warning: ${warning}`);
    wait.log(`Creating ${translation.kind} online endpoint '${name}'.`);
    await api.putEndpoint(name, finalizeEndpoint(translation, request.location));
    return { endpoint: await endpointProvisioned(api, name, wait, what), created: true };
  }
  if (!translation) return { endpoint: existing, created: false };
  const update = mergeEndpointUpdate(existing, translation);
  for (const warning of [...translation.warnings, ...update.warnings]) wait.log(`Warning: ${warning}`);
  if (update.changed.length === 0) return { endpoint: existing, created: false };
  wait.log(`Updating endpoint '${name}' (${update.changed.join(", ")}); its traffic stays ${JSON.stringify(existing.properties.traffic ?? {})}.`);
  await api.putEndpoint(name, update.body);
  return { endpoint: await endpointProvisioned(api, name, wait, what), created: false };
}
