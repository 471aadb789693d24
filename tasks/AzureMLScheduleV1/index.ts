// AzureMLSchedule@1: creates, updates, enables, disables, deletes or shows an Azure ML job schedule.
import { connectAzure } from "../common/azure/azureSession";
import { runAzureTask } from "../common/azure/azureTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";
import { runScheduleTask } from "../common/schedule/runScheduleTask";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async (task) => {
  const connectionId = host.getInput("azureSubscription", true);
  const session = await connectAzure(host, connectionId, { ...readTaskIdentity(__dirname), cancellation: task.cancellation });
  task.defer(() => session.dispose());
  await runScheduleTask(host, task, session);
});
