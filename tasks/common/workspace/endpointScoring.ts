// Scoring an online endpoint, for every feature that sends it requests (deploy's smoke test and readiness
// probe, rollout's load test, gate's checks): the Authorization header by the endpoint's auth mode (a key from
// listKeys, an Azure ML token from getToken, or a Microsoft Entra token for Azure ML), each secret masked the
// moment it is read, and the request itself, to the endpoint (its traffic split decides the deployment) or to
// one deployment alone by the azureml-model-deployment header (which bypasses the traffic split and is never
// mirrored).
import type { TokenCredential } from "@azure/core-auth";
import { createHttpHeaders, createPipelineRequest, type PipelineRequest } from "@azure/core-rest-pipeline";
import { UserError } from "../platform/userError";
import type { OnlineEndpointsApi } from "./onlineEndpoints";

export const DEPLOYMENT_HEADER = "azureml-model-deployment";
export const AZURE_ML_SCOPE = "https://ml.azure.com/.default";
/** Azure ML's answer when the model itself failed (the scoring script raised or answered non-200). */
export const MODEL_ERROR_STATUS = 424;

/**
 * Whether an answer is the endpoint's failure: a 5xx, or 424 (the model failed), though a 4xx. Other 4xx are the
 * caller's (bad body, auth, a throttled 429).
 */
export function isEndpointFailure(status: number): boolean {
  return status >= 500 || status === MODEL_ERROR_STATUS;
}

export async function scoringAuthorization(api: Pick<OnlineEndpointsApi, "listKeys" | "getToken">, endpoint: string, authMode: string | undefined, credential: TokenCredential, mask: (secret: string) => void): Promise<string> {
  switch ((authMode ?? "Key").toLowerCase()) {
    case "key": {
      const keys = await api.listKeys(endpoint);
      for (const key of [keys.primaryKey, keys.secondaryKey]) if (key) mask(key);
      if (!keys.primaryKey) throw new UserError(`Endpoint '${endpoint}' returned no key from listKeys.`);
      return `Bearer ${keys.primaryKey}`;
    }
    case "amltoken": {
      const token = await api.getToken(endpoint);
      if (token.accessToken) mask(token.accessToken);
      if (!token.accessToken) throw new UserError(`Endpoint '${endpoint}' returned no token from getToken.`);
      return `Bearer ${token.accessToken}`;
    }
    case "aadtoken": {
      const token = await credential.getToken(AZURE_ML_SCOPE);
      if (!token?.token) throw new UserError(`No Microsoft Entra token for Azure ML (${AZURE_ML_SCOPE}) could be obtained for endpoint '${endpoint}'.`);
      mask(token.token);
      return `Bearer ${token.token}`;
    }
    default:
      throw new UserError(`Endpoint '${endpoint}' uses auth mode '${authMode}', which the task cannot score with.`);
  }
}

export interface ScoringTarget {
  /** The endpoint's scoring URI (or its swagger URI for a GET). */
  uri: string;
  /** From scoringAuthorization. */
  authorization: string;
  /** One deployment alone (the header); absent: the endpoint's traffic split decides, as for users' requests. */
  deployment?: string;
}

/** A request to an endpoint: POST of a JSON body to score, or GET (the swagger route). */
export function scoringRequest(target: ScoringTarget, options: { method?: "POST" | "GET"; body?: string; signal?: AbortSignal; timeoutMs?: number } = {}): PipelineRequest {
  const method = options.method ?? "POST";
  const headers = createHttpHeaders({ authorization: target.authorization, ...(method === "POST" ? { "content-type": "application/json" } : {}), ...(target.deployment ? { [DEPLOYMENT_HEADER]: target.deployment } : {}) });
  // A Kubernetes online endpoint without TLS has an http scoring URI (Azure ML gives it so): it is the endpoint's own.
  const allowInsecureConnection = /^http:/i.test(target.uri);
  return createPipelineRequest({ url: target.uri, method, headers, body: options.body, abortSignal: options.signal, timeout: options.timeoutMs ?? 0, allowInsecureConnection });
}
