// The one way the core names an Azure ML workspace: subscription, resource group and workspace name, and the
// ARM ids built from them.

export interface WorkspaceScope {
  subscriptionId: string;
  resourceGroup: string;
  /** The workspace's name. */
  workspace: string;
}

export type AssetType = "codes" | "components" | "data" | "environments" | "models";

/** /subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/… */
export function workspaceArmId(scope: WorkspaceScope): string {
  return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${scope.workspace}`;
}

export function assetVersionArmId(scope: WorkspaceScope, type: AssetType, name: string, version: string): string {
  return `${workspaceArmId(scope)}/${type}/${name}/versions/${version}`;
}

/** The same workspace: ARM compares subscription, resource group and name case-insensitively. */
export function isSameWorkspace(a: WorkspaceScope, b: WorkspaceScope): boolean {
  return a.subscriptionId.toLowerCase() === b.subscriptionId.toLowerCase() && a.resourceGroup.toLowerCase() === b.resourceGroup.toLowerCase() && a.workspace.toLowerCase() === b.workspace.toLowerCase();
}
