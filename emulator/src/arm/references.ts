// References from one resource to another in the same workspace (a job's compute, a deployment's
// model), which must exist; ids outside the workspace (registries, other workspaces) pass unchecked.
import type { ServiceContext } from '../contract';
import { userError } from './errors';
import { getResource } from './resources';

/** Throws ARM's 400 naming `path` when `id` is a compute or asset of `workspace` that does not exist. */
export function checkReference(ctx: ServiceContext, workspace: { id: string; name: string }, id: unknown, path: string): void {
  if (typeof id !== 'string' || !id.toLowerCase().startsWith(`${workspace.id.toLowerCase()}/`)) return;
  const collection = /\/computes\//i.test(id) ? 'computes' : 'assets';
  if (!getResource(ctx, collection, id)) throw userError(`The resource '${id}' referenced by '${path}' was not found in workspace '${workspace.name}'.`, path);
}
