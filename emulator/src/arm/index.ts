// ARM for Microsoft.MachineLearningServices: every request to https://management.azure.com.
import type { HostHandler, HostResponse, ServiceContext } from '../contract';
import { assetRoutes } from './assets';
import { batchDeploymentRoutes } from './batchDeployments';
import { batchEndpointRoutes } from './batchEndpoints';
import { computeRoutes } from './computes';
import { datastoreRoutes } from './datastores';
import { deploymentRoutes } from './deployments';
import { endpointRoutes } from './endpoints';
import { ArmError } from './errors';
import { type JobExecutor, jobRoutes } from './jobs';
import { locationRoutes } from './locations';
import { type MetricsSource, metricRoutes } from './metrics';
import { operationRoutes, settleOperations } from './lro';
import { providerRoutes } from './providers';
import { scheduleRoutes, triggerDueSchedules } from './schedules';
import { type Route, Router } from './router';
import { registryArmRoutes } from '../registries/arm';
import { workspaceRoutes } from './workspaces';

export type { JobExecutor, JobStatus } from './jobs';
/** Writes the seeded workspace, datastores, computes and quotas into an empty store. */
export { seedArmState as seedState, seedMissingWorkspaces } from './seed';
export { TERMINAL_JOB_STATUSES, createJob, setJobStatus } from './jobs';
export { triggerDueSchedules } from './schedules';
export { acquireNodes, releaseNodes, type NodeAllocation } from './computeNodes';
export { setFamilyLimit } from './vmSizes';

export interface ArmOptions {
  /** Runs submitted jobs (startEmulator installs the local executor unless a test passes its own). */
  jobExecutor?: JobExecutor;
  /** Runs online deployments' containers; told after every request, as deployments may have changed. */
  deploymentRuntime?: { reconcile(): void };
  /** The scored requests behind online endpoints' Azure Monitor metrics. */
  metrics?: MetricsSource;
}

/** Handles every request to management.azure.com. */
export function createArmHandler(ctx: ServiceContext, options: ArmOptions = {}): HostHandler {
  const router = new Router();
  const served: Route[] = [...workspaceRoutes, ...locationRoutes, ...operationRoutes, ...computeRoutes, ...datastoreRoutes, ...assetRoutes, ...jobRoutes(options.jobExecutor), ...endpointRoutes, ...deploymentRoutes, ...batchEndpointRoutes, ...batchDeploymentRoutes, ...scheduleRoutes, ...registryArmRoutes];
  router.add(...served, ...metricRoutes(options.metrics), ...providerRoutes(served));
  return async (req) => {
    let response: HostResponse;
    try {
      settleOperations(ctx);
      triggerDueSchedules(ctx, options.jobExecutor);
      response = await router.dispatch(ctx, req);
    } catch (e) {
      if (!(e instanceof ArmError)) throw e;
      response = { status: e.status, body: e.body, headers: e.extra.headers };
    } finally {
      options.deploymentRuntime?.reconcile();
    }
    // The correlation id is the dispatcher's (HostDispatcher.stampIds), derived from the client's ids.
    return { ...response, headers: { ...response.headers, 'x-ms-request-id': req.requestId } };
  };
}
