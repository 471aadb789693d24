// AzureMLCompute@1: is the compute the next job needs usable? Creates, rescales, starts or stops it when asked.
import { connectAzure } from "../common/azure/azureSession";
import { serverlessAssessment } from "../common/compute/assess";
import { runComputeAction } from "../common/compute/computeAction";
import { createComputeApi } from "../common/compute/computeApi";
import { readComputeInputs } from "../common/compute/inputs";
import { publishAssessment } from "../common/compute/publish";
import { loadComputeSpec } from "../common/compute/specFile";
import { readTaskIdentity } from "../common/platform/product";
import { createTaskLibHost } from "../common/platform/taskLibHost";
import { runAzureTask } from "../common/azure/azureTask";
import { getVerifiedWorkspace } from "../common/workspace/workspace";

const host = createTaskLibHost();

void runAzureTask(host, __dirname, async ({ cancellation, defer }) => {
  const connectionId = host.getInput("azureSubscription", true);
  const inputs = readComputeInputs(host);
  const session = await connectAzure(host, connectionId, { ...readTaskIdentity(__dirname), cancellation });
  defer(() => session.dispose());
  const scope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  const spec = inputs.specFile ? loadComputeSpec(inputs.specFile, scope) : undefined;
  spec?.secrets.forEach((secret) => host.setSecret(secret));
  const name = inputs.computeName ?? spec?.name;
  const summary = { action: inputs.action, workspace: inputs.workspaceName, actions: [] as string[] };
  if (!name) {
    publishAssessment(host, serverlessAssessment(), summary, inputs.onUnavailable);
    return;
  }
  const workspace = await getVerifiedWorkspace(session, scope);
  const { assessment, actions } = await runComputeAction({
    api: createComputeApi(session, scope),
    name,
    workspaceName: workspace.workspace,
    location: workspace.location,
    action: inputs.action,
    spec,
    requiredNodes: inputs.requiredNodes,
    waitMs: inputs.waitMinutes * 60_000,
    log: (message) => host.log(message),
    signal: cancellation.signal,
  });
  publishAssessment(host, assessment, { ...summary, actions }, inputs.onUnavailable);
});
