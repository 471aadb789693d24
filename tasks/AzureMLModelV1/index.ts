// AzureMLModel@1: registers a model from a job output, a local folder, a URI or another workspace, versioned, traced to the run, safe to re-run.
import { connectAzure } from "../common/azure/azureSession";
import { readModelInputs } from "../common/model/inputs";
import { runModelTask } from "../common/model/modelTask";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";
import { runAzureTask } from "../common/azure/azureTask";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async ({ cancellation, defer }) => {
  const inputs = readModelInputs(host);
  const session = await connectAzure(host, inputs.connectionId, { ...readTaskIdentity(__dirname), cancellation });
  defer(() => session.dispose());
  await runModelTask(host, session, inputs);
});
