// AzureMLDeploy@1: deploys a model to a managed or Kubernetes online endpoint from az ml YAML, at 0% traffic, smoke-tested.
import { connectAzure } from "../common/azure/azureSession";
import { runAzureTask } from "../common/azure/azureTask";
import { readDeployInputs } from "../common/deploy/inputs";
import { runDeployTask } from "../common/deploy/runDeployTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async (task) => {
  const inputs = readDeployInputs(host);
  const session = await connectAzure(host, inputs.connectionId, { ...readTaskIdentity(__dirname), cancellation: task.cancellation });
  task.defer(() => session.dispose());
  await runDeployTask(host, task, session, inputs);
});
