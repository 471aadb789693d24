// AzureMLRollout@1 on a connected session: the Azure port, cancellation wired to the rollback, the outputs
// (result, finalTraffic, stepVerdicts) and the summary tab.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AzureSession } from "../azure/azureSession";
import type { Cancellation } from "../platform/cancellation";
import type { TaskHost } from "../platform/taskHost";
import { createOnlineEndpointsApi } from "../workspace/onlineEndpoints";
import { createAzurePort, monitorReader } from "./azurePort";
import { runCustomCheck } from "./customCheck";
import { createLoadSender } from "./loadTest";
import type { RolloutInputs } from "./inputs";
import { runRollout, type RolloutOutcome, type RolloutPort } from "./rollout";
import { rolloutSummary, stepVerdicts } from "./summary";

export async function runRolloutTask(host: TaskHost, session: AzureSession, inputs: RolloutInputs, cancellation: Cancellation): Promise<void> {
  const scope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  const log = (message: string) => host.log(message);
  const api = createOnlineEndpointsApi(session, scope);
  const port = createAzurePort({ api, readSeries: monitorReader(session), endpointName: inputs.endpointName, log });
  const check = inputs.customCheck;
  if (check) port.customCheck = (signal) => runCustomCheck(check, session.httpClient, log, signal);
  if (inputs.loadTest) {
    port.sendLoad = createLoadSender({ api, endpointName: inputs.endpointName, httpClient: session.httpClient, credential: session.credential, mask: (secret) => host.setSecret(secret), test: inputs.loadTest, log });
  }
  await runRolloutOnPort(host, port, inputs, cancellation);
}

/** The rollout with cancellation wired to its rollback, then its outputs; on SIGINT the outputs come from the cleanup hook. */
export async function runRolloutOnPort(host: TaskHost, port: RolloutPort, inputs: RolloutInputs, cancellation: Pick<Cancellation, "signal" | "onCancel">): Promise<void> {
  // After SIGINT the rollback gets what is left of the agent's window (the cancellation's cleanup deadline).
  const cleanup = new AbortController();
  let running: Promise<RolloutOutcome> | undefined;
  const unregister = cancellation.onCancel(async (deadline) => {
    deadline.addEventListener("abort", () => cleanup.abort(), { once: true });
    const outcome = await running?.catch(() => undefined);
    if (outcome) publish(host, inputs, outcome);
  });
  try {
    running = runRollout(port, inputs.request, { cancel: cancellation.signal, cleanup: cleanup.signal });
    const outcome = await running;
    if (!cancellation.signal.aborted) publish(host, inputs, outcome);
  } finally {
    if (!cancellation.signal.aborted) unregister();
  }
}

function publish(host: TaskHost, inputs: RolloutInputs, outcome: RolloutOutcome): void {
  host.setVariable("result", outcome.result, { isOutput: true });
  host.setVariable("finalTraffic", JSON.stringify(outcome.finalTraffic?.traffic ?? {}), { isOutput: true });
  host.setVariable("finalMirrorTraffic", JSON.stringify(outcome.finalTraffic?.mirror ?? {}), { isOutput: true });
  host.setVariable("stepVerdicts", JSON.stringify(stepVerdicts(outcome)), { isOutput: true });
  const file = path.join(host.getVariable("Agent.TempDirectory") ?? os.tmpdir(), `azureml-rollout-${inputs.endpointName}-${Date.now()}.md`);
  fs.writeFileSync(file, rolloutSummary(inputs.endpointName, inputs.request.deployment, outcome));
  host.uploadSummary(file);
  host.log(outcome.message);
  host.setResult(outcome.failed ? "Failed" : "Succeeded", outcome.message);
}
