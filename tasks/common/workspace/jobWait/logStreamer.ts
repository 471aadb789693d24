// Live logs while a job runs: the files azure-ai-ml streams, read from run history a byte range at a time,
// printed a complete line at a time.
import { StringDecoder } from "node:string_decoder";
import type { RunDetails, RunHistoryApi } from "../runHistory";

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
  /** Bytes read so far per log: the next range starts there. */
  private readonly offsets = new Map<string, number>();
  /** One UTF-8 decoder per log, carried across reads: a character split between two ranges stays whole. */
  private readonly decoders = new Map<string, StringDecoder>();
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
      let decoder = this.decoders.get(key);
      if (!decoder) this.decoders.set(key, (decoder = new StringDecoder("utf8")));
      const text = (this.partial.get(key) ?? "") + decoder.write(chunk) + (final ? decoder.end() : "");
      const lines = text.split(/\r?\n/);
      // Hold back an unfinished last line until it is complete or the run is over.
      const rest = final ? "" : (lines.pop() ?? "");
      if (final && lines[lines.length - 1] === "") lines.pop();
      this.partial.set(key, rest);
      for (const line of lines) this.print(`${prefix}${line}`);
    }
  }
}
