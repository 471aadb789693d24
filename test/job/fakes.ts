// Test doubles for the job task: a workspace API whose jobs follow a scripted status timeline on a
// virtual clock, an in-memory blob store, and a run-history API serving in-memory logs.
import * as sinon from 'sinon';
import { ArmRequestError } from '../../tasks/common/azure/armErrors';
import type { BlobStore } from '../../tasks/common/workspace/datastores';
import type { RunHistoryApi, RunDetails, ChildRun } from '../../tasks/common/workspace/runHistory';
import type { JobRead, JobResource, WorkspaceApi } from '../../tasks/common/workspace/workspaceApi';
import type { WorkspaceScope } from '../../tasks/common/workspace/scope';

export const SCOPE: WorkspaceScope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', workspace: 'ws' };

/**
 * Virtual time: sleepers wait on virtual timers; once every pending promise has settled (the fakes answer in
 * microtasks), the clock jumps to the earliest timer and wakes it, one at a time, so concurrent loops (status
 * reads and log polls) interleave as they would in real time. An aborted sleep rejects with the signal's reason.
 */
export class FakeClock {
  time = 0;
  private timers: Array<{ at: number; order: number; wake: () => void }> = [];
  private order = 0;
  private ticking = false;
  readonly now = (): number => this.time;
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      const timer = {
        at: this.time + Math.max(0, ms),
        order: this.order++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.tick();
    });

  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      const next = this.timers.sort((a, b) => a.at - b.at || a.order - b.order).shift();
      if (!next) return;
      this.time = Math.max(this.time, next.at);
      next.wake();
      if (this.timers.length > 0) this.tick();
    });
  }
}

/** A read that never answers until its signal aborts (a black-holed connection). */
export const NO_ANSWER = new Error('no answer (fake)');

export function throttled(status = 429): ArmRequestError {
  return new ArmRequestError({ status, code: 'TooManyRequests', message: `HTTP ${status}`, details: [] });
}

export interface FakeApiOptions {
  clock: FakeClock;
  /** [time ms, status]: the job's status from that time on. */
  timeline?: Array<[number, string]>;
  /** Errors thrown by getJob, one per read, before reads succeed again (undefined = success; NO_ANSWER = hangs until aborted). */
  readFailures?: Array<Error | undefined>;
  existing?: JobResource;
}

export function jobResource(name: string, status: string, extra: Partial<JobResource['properties']> = {}): JobResource {
  return { id: `/subscriptions/x/jobs/${name}`, name, properties: { jobType: 'Command', status, ...extra } };
}

export type FakeApi = WorkspaceApi & { [K in keyof Omit<WorkspaceApi, 'scope'>]: sinon.SinonStub };

export function fakeWorkspaceApi(options: FakeApiOptions): FakeApi {
  const timeline = options.timeline ?? [[0, 'Completed']];
  const failures = [...(options.readFailures ?? [])];
  let created: JobResource | undefined = options.existing;
  const statusAt = (t: number) => [...timeline].reverse().find(([at]) => t >= at)?.[1] ?? 'NotStarted';
  return {
    scope: SCOPE,
    getJob: sinon.stub().callsFake(async (name: string, signal?: AbortSignal): Promise<JobRead> => {
      const failure = failures.shift();
      if (failure === NO_ANSWER) {
        await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
      }
      if (failure) throw failure;
      if (!created) return {};
      return { job: { ...created, name, properties: { ...created.properties, status: options.existing ? created.properties.status : statusAt(options.clock.time) } } };
    }),
    createJob: sinon.stub().callsFake(async (name: string, body: { properties: Record<string, unknown> }) => {
      created = { id: `/jobs/${name}`, name, properties: { ...body.properties, status: 'NotStarted' } };
      return created;
    }),
    cancelJob: sinon.stub().resolves(true),
    putAssetVersion: sinon.stub().callsFake(async (type: string, name: string, version: string) => ({ id: `${type}/${name}/versions/${version}` })),
    latestVersion: sinon.stub().resolves('7'),
    defaultDatastore: sinon.stub().rejects(new Error('not used')),
    getDatastore: sinon.stub().rejects(new Error('not used')),
    datastoreSecrets: sinon.stub().rejects(new Error('not used')),
  } as FakeApi;
}

/** Blob container in memory: uploads are recorded, metadata kept per blob. */
export class MemoryBlobStore implements BlobStore {
  readonly containerUrl = 'https://acct.blob.core.windows.net/azureml-blobstore-1';
  readonly datastoreName = 'workspaceblobstore';
  readonly blobs = new Map<string, Record<string, string>>();
  readonly uploads: string[] = [];
  async getMetadata(blobName: string) {
    return this.blobs.get(blobName);
  }
  async uploadFile(blobName: string) {
    this.uploads.push(blobName);
    this.blobs.set(blobName, {});
  }
  async setMetadata(blobName: string, metadata: Record<string, string>) {
    if (!this.blobs.has(blobName)) throw Object.assign(new Error('BlobNotFound'), { statusCode: 404 });
    this.blobs.set(blobName, metadata);
  }
}

/** Run history serving log files whose content tests append to. */
export class FakeRunHistory implements RunHistoryApi {
  /** Log URL → its content so far (a Buffer can end inside a character, as a growing log file can). */
  readonly logs = new Map<string, string | Buffer>();
  readonly runs = new Map<string, { status?: string; files: Record<string, string>; error?: RunDetails['error'] }>();
  readonly childRuns = new Map<string, ChildRun[]>();
  async details(runId: string): Promise<RunDetails | undefined> {
    const run = this.runs.get(runId);
    return run && { runId, status: run.status, logFiles: run.files, error: run.error };
  }
  async children(runId: string): Promise<ChildRun[]> {
    return this.childRuns.get(runId) ?? [];
  }
  async readLog(url: string, offset: number): Promise<Buffer> {
    return Buffer.from(this.logs.get(url) ?? '').subarray(offset);
  }
}
