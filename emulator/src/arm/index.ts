// ARM for Microsoft.MachineLearningServices (placeholder until the ARM handlers land).
import type { HostHandler, ServiceContext } from '../contract';

/** Handles every request to management.azure.com. */
export function createArmHandler(_ctx: ServiceContext): HostHandler {
  return async () => ({ status: 404, body: { error: { code: 'NotImplemented', message: 'ARM is not emulated yet.' } } });
}

/** Writes the seeded workspace, datastore, computes and quotas into an empty store. */
export function seedState(_ctx: ServiceContext): void {}
