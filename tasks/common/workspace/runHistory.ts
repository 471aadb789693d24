// The workspace's run-history service (https://<region>.api.azureml.ms/history/v1.0/...), which is what
// `az ml job stream` reads: run details (status, warnings, error, and SAS URLs of the log files) and
// child runs (pipeline steps). Log files are read from their SAS URLs with byte ranges, so each poll
// downloads only what was appended since the last one.
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { armSend, type ArmContext } from "../azure/arm";
import { workspaceArmId, type WorkspaceScope } from "../jobSpec";

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

export function createRunHistoryApi(context: ArmContext, apiHost: string, scope: WorkspaceScope): RunHistoryApi {
  const runUrl = (runId: string, what: string) => `https://${apiHost}/history/v1.0${workspaceArmId(scope)}/runs/${encodeURIComponent(runId)}/${what}`;
  const getJson = async <T>(url: string, signal?: AbortSignal): Promise<T | undefined> => {
    const { response } = await armSend(context, url, "GET", undefined, signal ?? context.signal);
    if (response.status === 404) return undefined;
    if (response.status >= 400) throw new Error(`GET ${url.split("?")[0]} returned HTTP ${response.status}`);
    return JSON.parse(response.bodyAsText || "{}") as T;
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
      const response = await context.httpClient.sendRequest(request);
      if (response.status === 416 || response.status === 404) return Buffer.alloc(0);
      if (response.status >= 400) throw new Error(`GET log file returned HTTP ${response.status}`);
      const body = Buffer.from(response.bodyAsText ?? "", "utf8");
      // A server that ignores Range sends the whole file again.
      return response.status === 200 && offset > 0 ? body.subarray(offset) : body;
    },
  };
}

// Which log files to stream, as azure-ai-ml chooses them: the common runtime's std_log of the primary
// process, else the legacy per-job-type files.
const STREAMABLE = /^user_logs\/std_log[\D]*[0]*(?:_ps)?\.txt$/;
const LEGACY: Record<string, RegExp> = {
  command: /^azureml-logs\/\d{2}.+\.txt$/,
  pipeline: /^logs\/azureml\/executionlogs\.txt$/,
  sweep: /^azureml-logs\/hyperdrive\.txt$/,
};

export function streamableLogs(names: string[], jobType: string): string[] {
  const current = names.filter((n) => STREAMABLE.test(n));
  const legacy = LEGACY[jobType.toLowerCase()];
  return (current.length > 0 ? current : legacy ? names.filter((n) => legacy.test(n)) : []).sort();
}

/** Prints new complete lines of a run's logs on each poll; for pipelines, each step's logs with its name. */
export class LogStreamer {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly api: RunHistoryApi,
    private readonly jobType: string,
    private readonly print: (line: string) => void,
  ) {}

  /** Reads the run (and its children for pipelines), prints what is new, returns run history's status. */
  async poll(runId: string, final = false, signal?: AbortSignal): Promise<string | undefined> {
    const details = await this.api.details(runId, signal);
    if (!details) return undefined;
    await this.printLogs(runId, "", details, this.jobType, final, signal);
    if (this.jobType.toLowerCase() === "pipeline") {
      for (const child of await this.api.children(runId, signal)) {
        const childDetails = await this.api.details(child.runId, signal);
        if (childDetails) await this.printLogs(child.runId, `[${child.displayName ?? child.name ?? child.runId}] `, childDetails, "command", final, signal);
      }
    }
    return details.status;
  }

  private async printLogs(runId: string, prefix: string, details: RunDetails, jobType: string, final: boolean, signal?: AbortSignal): Promise<void> {
    const files = details.logFiles ?? {};
    for (const name of streamableLogs(Object.keys(files), jobType)) {
      const key = `${runId}/${name}`;
      const offset = this.offsets.get(key) ?? 0;
      const chunk = await this.api.readLog(files[name], offset, signal);
      if (chunk.length === 0 && !final) continue;
      if (offset === 0 && chunk.length > 0) this.print(`${prefix}Streaming ${name}`);
      this.offsets.set(key, offset + chunk.length);
      const text = (this.partial.get(key) ?? "") + chunk.toString("utf8");
      const lines = text.split(/\r?\n/);
      // Hold back an unfinished last line until it is complete or the run is over.
      const rest = final ? "" : (lines.pop() ?? "");
      if (final && lines[lines.length - 1] === "") lines.pop();
      this.partial.set(key, rest);
      for (const line of lines) this.print(`${prefix}${line}`);
    }
  }
}
