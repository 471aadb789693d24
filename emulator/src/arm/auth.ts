// Authentication (Entra ID bearer tokens for ARM's audiences) and Azure RBAC authorization of the
// action a request performs, with ARM's 401 and 403 responses.
import type { BuiltInRole, Principal, ServiceContext } from '../contract';
import { ArmError } from './errors';

const ARM_AUDIENCES = ['https://management.azure.com', 'https://management.core.windows.net'];

export function authenticate(ctx: ServiceContext, authorization: string | undefined): Principal {
  const check = ctx.tokens.verify(authorization, ARM_AUDIENCES);
  if (check.ok) return check.principal;
  throw new ArmError(check.status, check.code, check.message, { headers: { 'WWW-Authenticate': check.wwwAuthenticate } });
}

/** Role definitions as Actions/NotActions patterns ('*' matches any run of characters). */
const ROLE_DEFINITIONS: Record<BuiltInRole, { actions: string[]; notActions: string[] }> = {
  Owner: { actions: ['*'], notActions: [] },
  Contributor: { actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write'] },
  Reader: { actions: ['*/read'], notActions: [] },
  'AzureML Data Scientist': {
    actions: [
      'Microsoft.MachineLearningServices/workspaces/read',
      'Microsoft.MachineLearningServices/workspaces/*/read',
      'Microsoft.MachineLearningServices/workspaces/*/action',
      'Microsoft.MachineLearningServices/workspaces/*/delete',
      'Microsoft.MachineLearningServices/workspaces/*/write',
    ],
    notActions: [
      'Microsoft.MachineLearningServices/workspaces/delete',
      'Microsoft.MachineLearningServices/workspaces/write',
      'Microsoft.MachineLearningServices/workspaces/computes/write',
      'Microsoft.MachineLearningServices/workspaces/computes/delete',
      'Microsoft.MachineLearningServices/workspaces/computes/*/write',
      'Microsoft.MachineLearningServices/workspaces/computes/*/delete',
      'Microsoft.MachineLearningServices/workspaces/computes/listKeys/action',
      'Microsoft.MachineLearningServices/workspaces/listKeys/action',
    ],
  },
};

function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return regex.test(action);
}

function roleAllows(role: BuiltInRole, action: string): boolean {
  const definition = ROLE_DEFINITIONS[role];
  return definition.actions.some((p) => matches(p, action)) && !definition.notActions.some((p) => matches(p, action));
}

function scopeCovers(assignmentScope: string, scope: string): boolean {
  const parent = assignmentScope.replace(/\/+$/, '').toLowerCase();
  const child = scope.toLowerCase();
  return parent === '' || parent === '/' || child === parent || child.startsWith(`${parent}/`);
}

export function isAuthorized(ctx: ServiceContext, principal: Principal, action: string, scope: string): boolean {
  return ctx.roleAssignments().some((a) => a.principalId === principal.objectId && scopeCovers(a.scope, scope) && roleAllows(a.role, action));
}

/** Throws ARM's 403 AuthorizationFailed unless a role assignment of the caller grants `action` on `scope`. */
export function authorize(ctx: ServiceContext, principal: Principal, action: string, scope: string): void {
  if (isAuthorized(ctx, principal, action, scope)) return;
  throw new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${principal.appId}' with object id '${principal.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/**
 * The RBAC action and scope of a request, derived from its path the way ARM does:
 * /providers/<Namespace>/<type>/<name>/<type>/<name>[/<action>]; without a provider segment the
 * path is Microsoft.Resources' own (/subscriptions/{id}/resourceGroups/{name}).
 */
export function actionOf(method: string, path: string): { action: string; scope: string } {
  const segments = path.split('/').filter(Boolean);
  const providerAt = segments.findIndex((s) => s.toLowerCase() === 'providers');
  const hasProvider = providerAt >= 0 && segments.length > providerAt + 1;
  const namespace = hasProvider ? segments[providerAt + 1] : 'Microsoft.Resources';
  const prefixLength = hasProvider ? providerAt + 2 : 0;
  const rest = segments.slice(prefixLength);
  const types = rest.filter((_, i) => i % 2 === 0);
  const upper = method.toUpperCase();
  const postAction = upper === 'POST' && rest.length % 2 === 1 && rest.length > 1 ? types.pop() : undefined;
  const verb = postAction ? `${postAction}/action` : upper === 'GET' || upper === 'HEAD' ? 'read' : upper === 'DELETE' ? 'delete' : 'write';
  // The scope is the deepest named resource; a provider-level list is scoped to its parent.
  const named = rest.length - (rest.length % 2);
  const scopeSegments = named > 0 ? segments.slice(0, prefixLength + named) : segments.slice(0, Math.max(0, providerAt));
  return { action: `${namespace}/${[...types, verb].join('/')}`, scope: `/${scopeSegments.join('/')}` };
}
