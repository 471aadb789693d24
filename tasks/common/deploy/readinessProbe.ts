// A data-plane sign that a provisioning deployment answers: its swagger route, addressed to it alone, answers
// 200. Not ARM, so it can be asked every second; ARM stays the authority on the provisioning state.
import { createHttpHeaders, createPipelineRequest, type HttpClient } from "@azure/core-rest-pipeline";
import { DEPLOYMENT_HEADER } from "./smokeTest";

export function swaggerReadinessProbe(httpClient: HttpClient, swaggerUri: string, deployment: string, authorization: string): (signal?: AbortSignal) => Promise<boolean> {
  return async (signal) => {
    const response = await httpClient.sendRequest(
      createPipelineRequest({ url: swaggerUri, method: "GET", headers: createHttpHeaders({ authorization, [DEPLOYMENT_HEADER]: deployment }), abortSignal: signal, timeout: 5_000 }),
    );
    return response.status === 200;
  };
}
