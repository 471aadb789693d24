// AzureMLRollout@1 on a connected session: the Azure port, cancellation wired to the rollback, the outputs
// (result, finalTraffic, stepVerdicts) and the summary tab.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AzureSession } from "../azure/azureSession";
import { abortableSleep } from "../azure/retry";
import type { Cancellation } from "../platform/cancellation";
import type { TaskHost } from "../platform/taskHost";
import { errorMessage } from "../platform/userError";
import { createOnlineEndpointsApi } from "../workspace/onlineEndpoints";
import { retireOldDeployments } from "./afterPromotion";
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
  const policy = inputs.afterPromotion;
  const retireOld: RetireOld | undefined =
    policy.action === "keep" ? undefined : (previous, signal) => retireOldDeployments({ api, endpointName: inputs.endpointName, candidate: inputs.request.deployment, previous, policy, log, sleep: abortableSleep, signal });
  await runRolloutOnPort(host, port, inputs, cancellation, retireOld);
}

/** The rollout with cancellation wired to its rollback, then its outputs; on SIGINT the outputs come from the cleanup hook. */
/** What afterPromotion does with the deployments that served live traffic before the rollout, once it is promoted. */
export type RetireOld = (previous: string[], signal: AbortSignal) => Promise<unknown>;

export async function runRolloutOnPort(host: TaskHost, port: RolloutPort, inputs: RolloutInputs, cancellation: Pick<Cancellation, "signal" | "onCancel">, retireOld?: RetireOld): Promise<void> {
  // After SIGINT the rollback gets what is left of the agent's window (the cancellation's cleanup deadline).
  const cleanup = new AbortController();
  let running: Promise<RolloutOutcome> | undefined;
  const unregister = cancellation.onCancel(async (deadline) => {
    deadline.addEventListener("abort", () => cleanup.abort(), { once: true });
    const outcome = await running?.catch(() => undefined);
    if (outcome) publish(host, inputs, outcome);
  });
  try {
    // The live deployments before this run (for afterPromotion when no rollout record holds the snapshot).
    const before = retireOld ? await port.readEndpoint(cancellation.signal) : undefined;
    running = runRollout(port, inputs.request, { cancel: cancellation.signal, cleanup: cleanup.signal });
    const outcome = await running;
    if (retireOld && outcome.result === "promoted") {
      const live = (traffic: Record<string, number> | undefined) => Object.entries(traffic ?? {}).filter(([, w]) => w > 0).map(([name]) => name);
      const previous = [...new Set([...live(outcome.snapshot?.traffic), ...live(before?.traffic)])];
      await retireOld(previous, cancellation.signal).catch((error: unknown) => host.warning(`afterPromotion: ${errorMessage(error)}`));
    }
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
