// The workspace part of data-plane paths: /subscriptions/<id>/resourceGroups/<rg>/providers/
// Microsoft.MachineLearningServices/workspaces/<name> (three capture groups, matched case-insensitively).
import type { ServiceContext } from '../contract';
import { getResource, workspaceId } from '../arm/resources';

export const WORKSPACE_PATH = '/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.MachineLearningServices/workspaces/([^/]+)';

/** The stored workspace's ARM id for groups 1-3 of a match, or undefined when there is none. */
export function workspaceFromMatch(ctx: ServiceContext, match: RegExpExecArray): string | undefined {
  const [subscription, resourceGroup, workspace] = match.slice(1, 4).map(decodeURIComponent);
  if (subscription.toLowerCase() !== ctx.facts.subscriptionId.toLowerCase()) return undefined;
  return getResource(ctx, 'workspaces', workspaceId(ctx, resourceGroup, workspace))?.id;
}
