// Jobs run for real: the executor behind ARM's jobs API, and the run-history and MLflow routes of
// the data plane that show their progress, logs and metrics.
import type { ServiceContext } from '../contract';
import type { DataplaneRoute } from '../dataplane';
import { artifactRoutes } from '../dataplane/artifacts';
import { mlflowRoutes } from '../dataplane/mlflow';
import { runHistoryRoutes } from '../dataplane/runHistory';
import type { HostAccess } from './environment';
import { LocalJobExecutor } from './executor';
import { ProcessGuard } from './processGuard';
import { JobStorage } from './storage';

export { LocalJobExecutor } from './executor';
export { createBatchInvocationHandler } from './batchInvocation';
export type { HostAccess } from './environment';

export interface JobServiceOptions {
  /** Azurite's blob endpoint, path-style on loopback. */
  blobServiceUrl: string;
  /** Parent of the jobs' working directories. */
  workRoot: string;
  /** Between SIGTERM and SIGKILL when a job is cancelled (default 5 s). */
  killGraceMs?: number;
}

const DEFAULT_KILL_GRACE_MS = 5000;

/** Run history, artifacts and MLflow on the data plane; log and artifact URLs are SAS URLs of the emulator's blobs. */
export function jobDataplaneRoutes(ctx: ServiceContext, storage: JobStorage): DataplaneRoute[] {
  return [...runHistoryRoutes(ctx, (location) => storage.readUrl(location)), ...artifactRoutes(ctx, storage), ...mlflowRoutes(ctx)];
}

/** Gives the executor what jobs need once the emulator's proxy and CA are known. */
export function attachExecutor(executor: LocalJobExecutor, ctx: ServiceContext, storage: JobStorage, access: HostAccess, options: JobServiceOptions): void {
  executor.attach({ ctx, storage, access, workRoot: options.workRoot, killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS, guard: new ProcessGuard() });
}

export { JobStorage };
