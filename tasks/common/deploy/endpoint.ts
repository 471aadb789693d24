// The endpoint a deployment joins: created from the endpoint file when missing, its mutable fields updated
// when it exists (traffic never: it moves only on purpose), or, with only a name, required to exist.
import { finalizeEndpoint, mergeEndpointUpdate, type EndpointTranslation } from "../deploySpec";
import { UserError } from "../platform/userError";
import type { OnlineEndpointResource, OnlineEndpointsApi } from "../workspace/onlineEndpoints";
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

/** The provisioning read of an endpoint, for waitForProvisioning. */
export function endpointProvisioning(api: OnlineEndpointsApi, name: string): ProvisioningWait<OnlineEndpointResource>["read"] {
  return async (signal) => {
    const read = await api.getEndpoint(name, signal);
    return { resource: read.resource, state: read.resource?.properties.provisioningState, retryAfterMs: read.retryAfterMs };
  };
}

async function provisioned(request: EndpointRequest, what: string): Promise<OnlineEndpointResource> {
  const outcome = await waitForProvisioning({ ...request.wait, what, read: endpointProvisioning(request.api, request.name) });
  if (outcome.ended === "cancelled") throw new UserError(`The task was cancelled while ${what} was provisioning (state ${outcome.state}).`);
  if (outcome.ended === "timedOut") throw new UserError(`${what} did not finish provisioning within timeoutMinutes (state ${outcome.state}).`);
  if (outcome.state !== "Succeeded") throw new UserError(`${what} provisioning ended ${outcome.state}. See the endpoint in Azure ML studio for the service's error.`);
  return outcome.resource as OnlineEndpointResource;
}

export async function ensureEndpoint(request: EndpointRequest): Promise<EnsuredEndpoint> {
  const { api, name, translation, wait, existing } = request;
  const what = `Endpoint '${name}'`;
  if (!existing) {
    if (!translation) throw new UserError(`Online endpoint '${name}' does not exist in workspace '${api.scope.workspace}'. Give an endpointFile to create it, or check endpointName (and the deployment file's endpoint_name).`);
    for (const warning of translation.warnings) wait.log(`Warning: ${warning}`);
    wait.log(`Creating ${translation.kind} online endpoint '${name}'.`);
    await api.putEndpoint(name, finalizeEndpoint(translation, request.location));
    return { endpoint: await provisioned(request, what), created: true };
  }
  if (!translation) return { endpoint: existing, created: false };
  const update = mergeEndpointUpdate(existing, translation);
  for (const warning of [...translation.warnings, ...update.warnings]) wait.log(`Warning: ${warning}`);
  if (update.changed.length === 0) return { endpoint: existing, created: false };
  wait.log(`Updating endpoint '${name}' (${update.changed.join(", ")}); its traffic stays ${JSON.stringify(existing.properties.traffic ?? {})}.`);
  await api.putEndpoint(name, update.body);
  return { endpoint: await provisioned(request, what), created: false };
}
