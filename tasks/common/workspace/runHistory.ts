// The workspace's run-history service (https://<region>.api.azureml.ms/history/v1.0/...), which is what
// `az ml job stream` reads: run details (status, warnings, error, and SAS URLs of the log files) and
// child runs (pipeline steps). Log files are read from their SAS URLs with byte ranges, so each poll
// downloads only what was appended since the last one.
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import type { ArmContext } from "../azure/arm";
import { ArmRequestError, armFailureFromResponse } from "../azure/armErrors";
import { workspaceArmId, type WorkspaceScope } from "./scope";
import { callWorkspace } from "./workspaceRest";

export interface RunDetails {
  runId?: string;
  status?: string;
  /** Log file name (e.g. user_logs/std_log.txt) → SAS URL. */
  logFiles?: Record<string, string>;
  warnings?: Array<{ message?: string }>;
  error?: { error?: { code?: string; message?: string } };
}

export interface ChildRun {
  runId: string;
  status?: string;
  displayName?: string;
  name?: string;
}

export interface RunHistoryApi {
  /** Undefined while run history does not know the run yet (404). */
  details(runId: string, signal?: AbortSignal): Promise<RunDetails | undefined>;
  children(runId: string, signal?: AbortSignal): Promise<ChildRun[]>;
  /** The log's bytes from `offset` on (empty when nothing was appended). */
  readLog(url: string, offset: number, signal?: AbortSignal): Promise<Buffer>;
}

async function responseBytes(response: PipelineResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (response.readableStreamBody) {
    for await (const chunk of response.readableStreamBody) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  } else if (response.bodyAsText) {
    chunks.push(Buffer.from(response.bodyAsText, "utf8"));
  }
  return Buffer.concat(chunks);
}

export function createRunHistoryApi(context: ArmContext, apiHost: string, scope: WorkspaceScope): RunHistoryApi {
  const runUrl = (runId: string, what: string) => `https://${apiHost}/history/v1.0${workspaceArmId(scope)}/runs/${encodeURIComponent(runId)}/${what}`;
  const getJson = async <T>(url: string, signal?: AbortSignal): Promise<T | undefined> => {
    const { status, body } = await callWorkspace<T>(context, url, { signal });
    return status === 404 ? undefined : (body ?? ({} as T));
  };
  return {
    details: (runId, signal) => getJson<RunDetails>(runUrl(runId, "details"), signal),
    async children(runId, signal) {
      const page = await getJson<{ value?: ChildRun[] }>(runUrl(runId, "children"), signal);
      return page?.value ?? [];
    },
    async readLog(url, offset, signal) {
      // SAS URLs carry their own authorization: no bearer token.
      const request = createPipelineRequest({ url, method: "GET", headers: createHttpHeaders(offset > 0 ? { range: `bytes=${offset}-` } : {}), abortSignal: signal ?? context.signal });
      // The bytes as sent: a range can end inside a character, which decoding here would replace (and so
      // change the byte count the next offset is built from).
      request.streamResponseStatusCodes = new Set([200, 206]);
      const response = await context.httpClient.sendRequest(request);
      if (response.status === 416 || response.status === 404) return Buffer.alloc(0);
      if (response.status >= 400) {
        // The SAS signature stays out of the failure: only the blob's address is named.
        throw new ArmRequestError(armFailureFromResponse(response.status, response.bodyAsText ?? undefined, response.headers, { method: "GET", url: url.split("?")[0], headers: request.headers }));
      }
      const body = await responseBytes(response);
      // A server that ignores Range sends the whole file again.
      return response.status === 200 && offset > 0 ? body.subarray(offset) : body;
    },
  };
}
