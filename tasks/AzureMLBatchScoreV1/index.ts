// AzureMLBatchScore@1: invokes a batch endpoint on an input, waits for the scoring job with live logs, cancels it on stop.
import { connectAzure } from "../common/azure/azureSession";
import { runBatchScoreTask } from "../common/batchScore/runBatchScoreTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";
import { runAzureTask } from "../common/azure/azureTask";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async (task) => {
  const connectionId = host.getInput("azureSubscription", true);
  const session = await connectAzure(host, connectionId, { ...readTaskIdentity(__dirname), cancellation: task.cancellation });
  task.defer(() => session.dispose());
  await runBatchScoreTask(host, task, session);
});
