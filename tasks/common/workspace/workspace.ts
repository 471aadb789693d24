// Finding an Azure ML workspace and proving it is usable: exists, provisioned, readable, reachable.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Workspace } from "@azure/arm-machinelearning";
import { createMachineLearningClient } from "../azure/arm";
import { describeArmError, parseArmFailure } from "../azure/armErrors";
import type { AzureSession } from "../azure/azureSession";
import type { CloudEndpoints } from "../azure/clouds";
import { checkPrivateEndpointReachable, describeWhatIdentitySees } from "./diagnostics";
import { workspaceArmId, type WorkspaceScope } from "./scope";
import type { JobResource } from "./workspaceApi";
import { UserError, errorMessage } from "../platform/userError";
import { checkOutputFile, writeOutputFile } from "../platform/outputFile";

export interface WorkspaceInfo extends WorkspaceScope {
  /** ARM resource id: /subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/… */
  armId: string;
  /** The workspace's own GUID (properties.workspaceId). */
  workspaceGuid?: string;
  location: string;
  discoveryUrl: string;
  mlflowTrackingUri: string;
  studioUrl: string;
  publicNetworkAccess?: string;
  raw: Workspace;
}

/** The regional Azure ML API host (e.g. eastus.api.azureml.ms), from the discovery URL when the workspace has one. */
export function amlApiHost(cloud: CloudEndpoints, location: string, discoveryUrl?: string): string {
  if (discoveryUrl) {
    try {
      return new URL(discoveryUrl).host;
    } catch {
      // Fall through to the cloud's convention.
    }
  }
  return `${location}.${cloud.amlApiDomain}`;
}

/**
 * A job's page in studio: the one the service names in the job's services.Studio, else built from its name (also
 * before the job exists).
 */
export function jobStudioUrl(workspace: Pick<WorkspaceInfo, "armId">, cloud: Pick<CloudEndpoints, "studioUrl">, jobName: string, tenantId: string | undefined, job?: Pick<JobResource, "properties">): string {
  const url = job?.properties.services?.Studio?.endpoint ?? `${cloud.studioUrl}runs/${encodeURIComponent(jobName)}?wsid=${workspace.armId}`;
  return withTenant(url, tenantId);
}

/**
 * A studio link that opens in the connection's tenant (as azure-ai-ml appends `&tid=`): without it studio opens
 * the user's home tenant, where a guest's workspace is not found. The service's own job links lack it.
 */
export function withTenant(studioUrl: string, tenantId: string | undefined): string {
  if (!tenantId || /[?&]tid=/.test(studioUrl)) return studioUrl;
  return `${studioUrl}${studioUrl.includes("?") ? "&" : "?"}tid=${encodeURIComponent(tenantId)}`;
}

/** Workspace URLs as azure-ai-ml reports them; MLflow's URI is the service's own value when present. */
export function workspaceUrls(cloud: CloudEndpoints, workspace: Workspace, armId: string, tenantId?: string): Pick<WorkspaceInfo, "discoveryUrl" | "mlflowTrackingUri" | "studioUrl"> {
  const location = workspace.location ?? "";
  const apiHost = amlApiHost(cloud, location, workspace.discoveryUrl);
  const discoveryUrl = workspace.discoveryUrl || `https://${apiHost}/discovery`;
  const mlflowTrackingUri = workspace.mlFlowTrackingUri || `azureml://${apiHost}/mlflow/v1.0${armId}`;
  const studioUrl = withTenant(`${cloud.studioUrl}?wsid=${armId}`, tenantId);
  return { discoveryUrl, mlflowTrackingUri, studioUrl };
}

async function readWorkspace(session: AzureSession, scope: WorkspaceScope): Promise<Workspace> {
  const client = createMachineLearningClient(session, scope.subscriptionId);
  const operation = { action: "Microsoft.MachineLearningServices/workspaces/read", scope: workspaceArmId(scope) };
  try {
    return await client.workspaces.get(scope.resourceGroup, scope.workspace, { abortSignal: session.signal });
  } catch (error) {
    const failure = parseArmFailure(error);
    if (!failure || session.signal?.aborted || (failure.status !== 404 && failure.status !== 403 && failure.status !== 401)) {
      throw error;
    }
    const sees = await describeWhatIdentitySees(session, scope).catch((listError: unknown) => [`(Could not list what the identity can see: ${errorMessage(listError)})`]);
    const headline = failure.status === 404
      ? `Azure ML workspace '${scope.workspace}' was not found in resource group '${scope.resourceGroup}' of subscription '${scope.subscriptionId}'.`
      : `Cannot read Azure ML workspace '${scope.workspace}' in resource group '${scope.resourceGroup}' of subscription '${scope.subscriptionId}' as ${session.identityDescription}.`;
    throw new UserError([headline, describeArmError(error, operation), ...sees].join("\n"));
  }
}

/** Reads the workspace and fails with an actionable message unless it is provisioned and reachable. */
export async function getVerifiedWorkspace(session: AzureSession, scope: WorkspaceScope): Promise<WorkspaceInfo> {
  const workspace = await readWorkspace(session, scope);
  const armId = workspace.id ?? workspaceArmId(scope);
  const state = workspace.provisioningState ?? "Unknown";
  if (state !== "Succeeded") {
    throw new UserError(`Azure ML workspace '${scope.workspace}' is in provisioning state '${state}', not 'Succeeded'. ${state === "Failed" ? "Repair or recreate it in the Azure portal" : "Wait for the operation on it to finish"}, then re-run.`);
  }
  const info: WorkspaceInfo = {
    ...scope,
    workspace: workspace.name ?? scope.workspace,
    armId,
    workspaceGuid: workspace.workspaceId,
    location: workspace.location ?? "",
    publicNetworkAccess: workspace.publicNetworkAccess,
    raw: workspace,
    ...workspaceUrls(session.cloud, workspace, armId, session.tenantId),
  };
  if (workspace.publicNetworkAccess?.toLowerCase() === "disabled") {
    await checkPrivateEndpointReachable(session, info);
  }
  return info;
}

/** The file the configFile input names: a directory gets config.json inside it. */
export function workspaceConfigPath(target: string): string {
  const isDirectory = /[\\/]$/.test(target) || (fs.existsSync(target) && fs.statSync(target).isDirectory());
  return isDirectory ? path.join(target, "config.json") : target;
}

/** Fails unless the config file can be written (call it before anything else). */
export function checkWorkspaceConfigPath(target: string): void {
  checkOutputFile(workspaceConfigPath(target), "configFile");
}

/** Writes the Azure ML config.json the Python SDK and CLI read; a directory gets config.json inside it. */
export function writeWorkspaceConfig(target: string, scope: WorkspaceScope): string {
  const file = workspaceConfigPath(target);
  const config = { subscription_id: scope.subscriptionId, resource_group: scope.resourceGroup, workspace_name: scope.workspace };
  writeOutputFile(file, "configFile", `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
