// The record of every scored request: when, which endpoint and deployment, the status code the
// client got, the latency and whether it was a mirrored copy. The source of the endpoint's Azure
// Monitor metrics (requests per minute by deployment and status code class, latency percentiles).
// Kept in memory (bounded) and appended to <state dir>/scoring.log, whose tail is reloaded at start.
import * as fs from 'node:fs';

export interface ScoringRecord {
  time: string;
  /** The endpoint's ARM id. */
  endpointId: string;
  endpoint: string;
  /** The deployment that served (or would have served) the request; empty when none was chosen. */
  deployment: string;
  statusCode: number;
  latencyMs: number;
  mirrored: boolean;
}

export interface ScoringQuery {
  since?: string;
  endpoint?: string;
  deployment?: string;
}

/** Records kept; older ones are dropped (the log file keeps them all). */
export const MAX_SCORING_RECORDS = 100_000;

export class ScoringRecords {
  private records: ScoringRecord[] = [];

  constructor(private readonly file: string) {
    if (fs.existsSync(file)) {
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-MAX_SCORING_RECORDS);
      for (const line of lines) {
        try {
          this.records.push(JSON.parse(line) as ScoringRecord);
        } catch {
          // A line cut short by a killed emulator.
        }
      }
    }
  }

  append(record: ScoringRecord): void {
    this.records.push(record);
    if (this.records.length > MAX_SCORING_RECORDS) this.records = this.records.slice(-MAX_SCORING_RECORDS);
    fs.appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }

  list(query: ScoringQuery = {}): ScoringRecord[] {
    const same = (a: string, b: string | undefined) => b === undefined || a.toLowerCase() === b.toLowerCase();
    return this.records.filter((r) => (!query.since || r.time >= query.since) && same(r.endpoint, query.endpoint) && same(r.deployment, query.deployment));
  }
}
