// AzureMLJob@1: submits an Azure ML job from its YAML file, waits with live logs and metrics, cancels it on stop.
import { connectAzure } from "../common/azure/azureSession";
import { runJobTask } from "../common/job/runJobTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";
import { runAzureTask } from "../common/azure/azureTask";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async (task) => {
  const connectionId = host.getInput("azureSubscription", true);
  const session = await connectAzure(host, connectionId, { ...readTaskIdentity(__dirname), cancellation: task.cancellation });
  task.defer(() => session.dispose());
  await runJobTask(host, task, session);
});
