// References from one resource to another (a job's compute, environment and code, a deployment's
// model): each must be an ARM id of the right type or, for assets, an azureml:// registry URI, as
// Azure ML requires (ARM's 400 otherwise); those in the same workspace must exist, while ids
// outside it (registries, other workspaces) pass unchecked.
import type { ServiceContext } from '../contract';
import { userError } from './errors';
import { getResource } from './resources';

interface ReferenceKind {
  noun: string;
  /** The id's tail below the workspace, e.g. environments/<name>/versions/<version>. */
  tail: string;
  /** Assets may also come from a registry (azureml://registries/<registry>/<tail>). */
  inRegistries: boolean;
}

/** What each reference property names, by its last path segment. */
const REFERENCE_KINDS: Record<string, ReferenceKind> = {
  computeId: { noun: 'compute', tail: 'computes/<name>', inRegistries: false },
  compute: { noun: 'compute', tail: 'computes/<name>', inRegistries: false },
  componentId: { noun: 'component', tail: 'components/<name>/versions/<version>', inRegistries: true },
  environmentId: { noun: 'environment', tail: 'environments/<name>/versions/<version>', inRegistries: true },
  codeId: { noun: 'code', tail: 'codes/<name>/versions/<version>', inRegistries: true },
  model: { noun: 'model', tail: 'models/<name>/versions/<version>', inRegistries: true },
  modelId: { noun: 'model', tail: 'models/<name>/versions/<version>', inRegistries: true },
};

const WORKSPACE_ID = '/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<workspace>';

/** A template with <placeholders> as a case-insensitive pattern; a version tail may also be a label (registries). */
function templatePattern(template: string, prefix: string): RegExp {
  const source = template
    .split(/<[a-z]+>/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${prefix}${source}$`, 'i');
}

function isReferenceOfKind(id: string, kind: ReferenceKind): boolean {
  if (templatePattern(`${WORKSPACE_ID}/${kind.tail}`, '(azureml:)?').test(id)) return true;
  return kind.inRegistries && [kind.tail, kind.tail.replace('/versions/', '/labels/')].some((tail) => templatePattern(`azureml://registries/<registry>/${tail}`, '').test(id));
}

/**
 * Throws ARM's 400 naming `path` when `id` is not a reference of the kind the property takes, or when it
 * is a compute or asset of `workspace` that does not exist.
 */
export function checkReference(ctx: ServiceContext, workspace: { id: string; name: string }, id: unknown, path: string): void {
  if (id === undefined || id === null) return;
  const kind = REFERENCE_KINDS[path.slice(path.lastIndexOf('.') + 1)];
  if (kind && (typeof id !== 'string' || !isReferenceOfKind(id, kind))) {
    const forms = `an ARM id (${WORKSPACE_ID}/${kind.tail})${kind.inRegistries ? ` or a registry URI (azureml://registries/<registry>/${kind.tail})` : ''}`;
    throw userError(`'${path}' is not a valid ${kind.noun} reference: '${typeof id === 'string' ? id : JSON.stringify(id)}'. It must be ${forms}.`, path);
  }
  if (typeof id !== 'string') return;
  const armId = id.replace(/^azureml:/i, '');
  if (!armId.toLowerCase().startsWith(`${workspace.id.toLowerCase()}/`)) return;
  const collection = /\/computes\//i.test(armId) ? 'computes' : 'assets';
  if (!getResource(ctx, collection, armId)) throw userError(`The resource '${id}' referenced by '${path}' was not found in workspace '${workspace.name}'.`, path);
}
