// The request log: every request any emulated host served and every fault injected, kept in
// memory for GET /requests and appended to <stateDir>/requests.log as JSON lines.
import * as fs from 'node:fs';

export interface RequestLogEntry {
  type: 'request';
  time: string;
  requestId: string;
  host: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** objectId (appId) of the caller's token, when it carried one. */
  principal?: string;
  /** The injected fault that shaped this response. */
  fault?: { id: string; kind: string };
}

export interface FaultLogEntry {
  type: 'fault';
  time: string;
  id: string;
  kind: string;
  method: string;
  host: string;
  path: string;
}

export type LogEntry = RequestLogEntry | FaultLogEntry;

/** Entries kept in memory; the file keeps everything. */
const MEMORY_LIMIT = 10_000;

export class RequestLog {
  private readonly entries: LogEntry[] = [];
  private readonly stream: fs.WriteStream;

  /** `now` is the emulator's clock: entries carry its time, so GET /requests?since= agrees after POST /time/advance. */
  constructor(
    file: string,
    readonly now: () => number,
  ) {
    this.stream = fs.createWriteStream(file, { flags: 'a' });
  }

  /** The current time on the log's clock, as entries record it. */
  time(): string {
    return new Date(this.now()).toISOString();
  }

  append(entry: LogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MEMORY_LIMIT) this.entries.splice(0, this.entries.length - MEMORY_LIMIT);
    this.stream.write(`${JSON.stringify(entry)}\n`);
  }

  list(): LogEntry[] {
    return [...this.entries];
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
