// What run history knows about a job beyond its ARM document: when it started and ended, its
// parent (pipeline steps), its log files and its error. Every job is a run whose id is the job name.
import type { ServiceContext } from '../contract';
import type { BlobLocation } from './storage';

export interface RunError {
  code: string;
  message: string;
}

export interface RunRecord {
  runId: string;
  workspaceId: string;
  experimentName: string;
  parentRunId?: string;
  createdUtc: string;
  startTimeUtc?: string;
  endTimeUtc?: string;
  /** Log file name as run history lists it (user_logs/std_log.txt) → its blob. */
  logFiles: Record<string, BlobLocation>;
  error?: RunError;
  warnings: Array<{ source: string; message: string }>;
}

const COLLECTION = 'jobs.runs';
const key = (workspaceId: string, runId: string) => `${workspaceId}/jobs/${runId}`.toLowerCase();

export function getRunRecord(ctx: ServiceContext, workspaceId: string, runId: string): RunRecord | undefined {
  return ctx.store.get<RunRecord>(COLLECTION, key(workspaceId, runId));
}

export function createRunRecord(ctx: ServiceContext, record: Omit<RunRecord, 'createdUtc' | 'logFiles' | 'warnings'>): RunRecord {
  const created: RunRecord = { ...record, createdUtc: new Date(ctx.now()).toISOString(), logFiles: {}, warnings: [] };
  ctx.store.put(COLLECTION, key(record.workspaceId, record.runId), created);
  return created;
}

/** Applies a change to a run's record (no-op for unknown runs). */
export function updateRunRecord(ctx: ServiceContext, workspaceId: string, runId: string, change: (record: RunRecord) => void): void {
  const record = getRunRecord(ctx, workspaceId, runId);
  if (!record) return;
  change(record);
  ctx.store.put(COLLECTION, key(workspaceId, runId), record);
}

/** The runs whose parent is `runId`, in creation order. */
export function childRunRecords(ctx: ServiceContext, workspaceId: string, runId: string): RunRecord[] {
  return ctx.store
    .list<RunRecord>(COLLECTION)
    .map(({ value }) => value)
    .filter((r) => r.workspaceId.toLowerCase() === workspaceId.toLowerCase() && r.parentRunId === runId)
    .sort((a, b) => a.createdUtc.localeCompare(b.createdUtc));
}

export const nowIso = (ctx: ServiceContext) => new Date(ctx.now()).toISOString();
