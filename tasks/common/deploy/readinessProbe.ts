// A data-plane sign that a provisioning deployment answers: its swagger route, addressed to it alone, answers
// 200. Not ARM, so it can be asked every second; ARM stays the authority on the provisioning state.
import type { HttpClient } from "@azure/core-rest-pipeline";
import { scoringRequest } from "../workspace/endpointScoring";

export function swaggerReadinessProbe(httpClient: HttpClient, swaggerUri: string, deployment: string, authorization: string): (signal?: AbortSignal) => Promise<boolean> {
  return async (signal) => {
    const response = await httpClient.sendRequest(
      scoringRequest({ uri: swaggerUri, authorization, deployment }, { method: "GET", signal, timeoutMs: 5_000 }),
    );
    return response.status === 200;
  };
}
