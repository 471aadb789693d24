// Explaining why a workspace cannot be used: what the identity can see instead (wrong subscription or
// resource group), and whether a private-only workspace is reachable from this agent.
import { armList, armSend } from "../azure/arm";
import type { AzureSession } from "../azure/azureSession";
import { UserError, errorMessage } from "../platform/userError";
import type { WorkspaceScope } from "./scope";
import type { WorkspaceInfo } from "./workspace";

interface Named {
  id?: string;
  name?: string;
}

interface Subscription {
  subscriptionId?: string;
  displayName?: string;
}

const listLimit = 20;
const otherSubscriptionsSearched = 10;

function listed(items: string[]): string {
  if (items.length === 0) {
    return "none";
  }
  const shown = items.slice(0, listLimit).join(", ");
  return items.length > listLimit ? `${shown} and ${items.length - listLimit} more` : shown;
}

function resourceGroupOf(id: string | undefined): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id ?? "")?.[1] ?? "?";
}

function listWorkspaces(session: AzureSession, subscriptionId: string): Promise<Named[]> {
  return armList<Named>(session, { path: `/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`, apiVersion: "2022-10-01" });
}

/** Lines describing the subscriptions, resource groups and workspaces the identity can see. */
export async function describeWhatIdentitySees(session: AzureSession, scope: WorkspaceScope): Promise<string[]> {
  const lines: string[] = [];
  const subscriptions = await armList<Subscription>(session, { path: "/subscriptions", apiVersion: "2022-12-01" });
  const target = subscriptions.find((s) => s.subscriptionId?.toLowerCase() === scope.subscriptionId.toLowerCase());
  if (!target) {
    lines.push(`The identity cannot see subscription '${scope.subscriptionId}'. Subscriptions it can see: ${listed(subscriptions.map((s) => `${s.displayName} (${s.subscriptionId})`))}.`);
  } else {
    const groups = await armList<Named>(session, { path: `/subscriptions/${scope.subscriptionId}/resourcegroups`, apiVersion: "2021-04-01" });
    if (!groups.some((g) => g.name?.toLowerCase() === scope.resourceGroup.toLowerCase())) {
      lines.push(`Resource group '${scope.resourceGroup}' is not visible in subscription '${target.displayName}'. Resource groups the identity can see there: ${listed(groups.map((g) => g.name ?? "?"))}.`);
    }
    const workspaces = await listWorkspaces(session, scope.subscriptionId);
    lines.push(`Azure ML workspaces the identity can see in subscription '${target.displayName}': ${listed(workspaces.map((w) => `${w.name} (resource group ${resourceGroupOf(w.id)})`))}.`);
  }
  // The same workspace name elsewhere usually means the connection points at the wrong subscription.
  for (const other of subscriptions.filter((s) => s !== target).slice(0, otherSubscriptionsSearched)) {
    const matches = (await listWorkspaces(session, other.subscriptionId ?? "").catch(() => [])).filter((w) => w.name?.toLowerCase() === scope.workspace.toLowerCase());
    for (const match of matches) {
      lines.push(`A workspace named '${match.name}' exists in subscription '${other.displayName}' (${other.subscriptionId}), resource group '${resourceGroupOf(match.id)}': use a service connection for that subscription.`);
    }
  }
  return lines;
}

/** The workspace-specific data-plane host, which private endpoints (privatelink.api.azureml.ms) resolve. */
function privateHost(workspace: WorkspaceInfo, session: AzureSession): string {
  return workspace.workspaceGuid ? `${workspace.workspaceGuid}.workspace.${workspace.location}.${session.cloud.amlApiDomain}` : new URL(workspace.discoveryUrl).host;
}

/**
 * A workspace with public network access disabled only answers through its private endpoint. Probe its
 * data plane (the MLflow API, with the ARM token it accepts) and explain what to change when it is unreachable.
 */
export async function checkPrivateEndpointReachable(session: AzureSession, workspace: WorkspaceInfo, timeoutMs = 30_000): Promise<void> {
  const host = privateHost(workspace, session);
  const url = `https://${host}/mlflow/v1.0${workspace.armId}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`;
  const signal = session.signal ? AbortSignal.any([session.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  let problem: string | undefined;
  try {
    const { response } = await armSend(session, url, "GET", undefined, signal);
    const text = response.bodyAsText ?? "";
    if (response.status === 403 && /private|network|public access/i.test(text)) {
      problem = `the service refused the call: ${text.slice(0, 300)}`;
    }
  } catch (error) {
    if (session.signal?.aborted) {
      throw error;
    }
    problem = errorMessage(error);
  }
  if (!problem) {
    session.debug?.(`Workspace data plane ${host} is reachable from this agent.`);
    return;
  }
  const endpoints = (workspace.raw.privateEndpointConnections ?? []).map((c) => `${c.name} (${c.privateLinkServiceConnectionState?.status ?? "unknown"})`);
  throw new UserError([
    `Azure ML workspace '${workspace.workspace}' has public network access disabled, and this agent cannot reach it through a private endpoint (${host}: ${problem}).`,
    `Private endpoint connections: ${listed(endpoints)}.`,
    "Run the pipeline on a self-hosted agent (or Managed DevOps Pool) inside a virtual network that reaches the workspace's private endpoint, with the privatelink.api.azureml.ms and privatelink.notebooks.azure.net DNS zones linked; or enable public network access on the workspace.",
  ].join("\n"));
}
