// AzureMLRollout@1: moves an online endpoint's traffic to a new deployment in steps, with analysis between
// steps and the exact prior traffic restored on trouble; resumable and pausable.
import { connectAzure } from "../common/azure/azureSession";
import { runAzureTask } from "../common/azure/azureTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";
import { readRolloutInputs } from "../common/rollout/inputs";
import { runRolloutTask } from "../common/rollout/rolloutTask";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async ({ cancellation, defer }) => {
  const inputs = readRolloutInputs(host);
  const session = await connectAzure(host, inputs.connectionId, { ...readTaskIdentity(__dirname), cancellation });
  defer(() => session.dispose());
  await runRolloutTask(host, session, inputs, cancellation);
});
