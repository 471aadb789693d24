// AzureMLGate@1: release gate checks on Azure ML (a model's metric, champion against challenger, endpoint
// health, a load test) with one verdict; fails the step or only sets outputs for a condition to decide.
import { connectAzure } from "../common/azure/azureSession";
import { runAzureTask } from "../common/azure/azureTask";
import { readGateInputs } from "../common/gate/inputs";
import { runGateTask } from "../common/gate/gateTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async ({ cancellation, defer }) => {
  const inputs = readGateInputs(host);
  const session = await connectAzure(host, inputs.connectionId, { ...readTaskIdentity(__dirname), cancellation });
  defer(() => session.dispose());
  await runGateTask(host, session, inputs, cancellation.signal);
});
