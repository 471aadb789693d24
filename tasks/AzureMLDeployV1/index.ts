// AzureMLDeploy@1: deploys a model to a managed or Kubernetes online endpoint from az ml YAML, at 0% traffic, smoke-tested.
import { connectAzure } from "../common/azure/azureSession";
import { runAzureTask } from "../common/azure/azureTask";
import { runDeployTask } from "../common/deploy/runDeployTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";

const host = createTaskLibHost();

void runAzureTask(host, async (task) => {
  const connectionId = host.getInput("azureSubscription", true);
  const session = await connectAzure(host, connectionId, { ...readTaskIdentity(__dirname), cancellation: task.cancellation });
  task.defer(() => session.dispose());
  await runDeployTask(host, task, session);
});
