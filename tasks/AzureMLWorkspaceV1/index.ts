// AzureMLWorkspace@1: proves the pipeline can use an Azure ML workspace and publishes its details.
import { connectAzure } from "../common/azure/azureSession";
import { createTaskLibHost } from "../common/platform/taskLibHost";
import { runAzureTask } from "../common/azure/azureTask";
import { checkWorkspaceConfigPath, getVerifiedWorkspace, writeWorkspaceConfig } from "../common/workspace/workspace";
import { readTaskIdentity } from "../common/platform/product";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async ({ cancellation, defer }) => {
  const connectionId = host.getInput("azureSubscription", true);
  const resourceGroup = host.getInput("resourceGroupName", true);
  const workspaceName = host.getInput("workspaceName", true);
  const configFile = host.getPathInput("configFile");
  if (configFile) checkWorkspaceConfigPath(configFile);
  const session = await connectAzure(host, connectionId, { ...readTaskIdentity(__dirname), cancellation });
  defer(() => session.dispose());

  const workspace = await getVerifiedWorkspace(session, { subscriptionId: session.subscriptionId, resourceGroup, workspace: workspaceName });
  host.setVariable("workspaceId", workspace.armId, { isOutput: true });
  host.setVariable("location", workspace.location, { isOutput: true });
  host.setVariable("discoveryUrl", workspace.discoveryUrl, { isOutput: true });
  host.setVariable("mlflowTrackingUri", workspace.mlflowTrackingUri, { isOutput: true });
  host.setVariable("studioUrl", workspace.studioUrl, { isOutput: true });
  if (configFile) {
    host.log(`Wrote Azure ML config ${writeWorkspaceConfig(configFile, workspace)}`);
  }
  host.log(`Workspace '${workspace.workspace}' (${workspace.location}) in resource group '${resourceGroup}', subscription '${session.connection.subscriptionName ?? session.subscriptionId}' is reachable as ${session.identityDescription}. Studio: ${workspace.studioUrl}`);
  host.setResult("Succeeded", `Azure ML workspace ${workspace.workspace} is ready.`);
});
