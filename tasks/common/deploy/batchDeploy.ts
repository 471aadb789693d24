// AzureMLDeploy@1 for batch endpoints: translate both files (dry run: print and stop), create the batch endpoint
// or update its mutable fields (never its default deployment), upload and register what the deployment
// references, PUT it and wait, then run the smoke invocation on a small input and, only when its job completed
// (setDefault), make the new deployment the endpoint's default. A failed smoke invocation leaves the default as
// it was.
import {
  finalizeBatchEndpoint,
  mergeBatchEndpointUpdate,
  translateBatchDeploymentFile,
  translateBatchEndpointFile,
  type BatchDeploymentTranslation,
  type BatchEndpointTranslation,
} from "../deploySpec";
import type { Cancellation } from "../platform/cancellation";
import type { TaskHost } from "../platform/taskHost";
import type { TaskRun } from "../platform/taskRunner";
import { errorMessage, UserError } from "../platform/userError";
import { batchEndpointWriteBody, type BatchDeploymentResource, type BatchEndpointResource, type BatchEndpointsApi } from "../workspace/batchEndpoints";
import type { BlobStore } from "../workspace/datastores";
import { workspaceArmId, type WorkspaceScope } from "../workspace/scope";
import type { WorkspaceApi } from "../workspace/workspaceApi";
import { checkScoringScript, prepareDeploymentAssets } from "./assets";
import { serviceErrorLines } from "./diagnostics";
import { deployDryRunReport, LOCATION_PLACEHOLDER } from "./dryRun";
import { endpointProvisioned, endpointProvisioning } from "./endpoint";
import type { DeployInputs } from "./inputs";
import { setOutputs } from "./outputs";
import { waitForProvisioning, type ProvisioningOutcome } from "./waitForProvisioning";

/** What the smoke invocation reports once its job ended (or the wait stopped). */
export interface BatchSmokeOutcome {
  jobName: string;
  /** The job's last status: Completed, Failed, Canceled... */
  status: string;
  /** True only when the job completed. */
  passed: boolean;
  /** Why it did not pass (the job's error, a timeout, cancellation). */
  reason?: string;
  outputLocation?: string;
}

export interface BatchSmokeRequest {
  endpoint: string;
  /** Invoked by name, so the endpoint's default is not used. */
  deployment: string;
  /** A local file or folder, azureml:<data>:<version> or a URI. */
  input: string;
  signal: AbortSignal;
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
  log: (message: string) => void;
  /** Registers what to do when the step is cancelled (cancel the job); returns its unregistration. */
  onCancel?: Cancellation["onCancel"];
}

/** Invokes a batch deployment on an input and waits for the job it starts (the batch invocation client). */
export type BatchSmokeInvoker = (request: BatchSmokeRequest) => Promise<BatchSmokeOutcome>;

/** What the batch deploy talks to; tests replace any of it. */
export interface BatchDeployServices {
  location: string;
  endpoints: BatchEndpointsApi;
  workspace: WorkspaceApi;
  openStore: () => Promise<BlobStore>;
  invokeSmokeTest: BatchSmokeInvoker;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface BatchTranslations {
  endpoint?: BatchEndpointTranslation;
  deployment: BatchDeploymentTranslation;
}

export function translateBatch(inputs: DeployInputs, scope: WorkspaceScope): BatchTranslations {
  const endpoint = inputs.endpointFile ? translateBatchEndpointFile(inputs.endpointFile, { scope, endpointName: inputs.endpointName }) : undefined;
  const deployment = translateBatchDeploymentFile(inputs.deploymentFile, { scope, overrides: inputs.overrides, model: inputs.model, endpointName: inputs.endpointName ?? endpoint?.name });
  checkScoringScript(deployment);
  return { endpoint, deployment };
}

export async function runBatchDeployTask(host: TaskHost, task: TaskRun, scope: WorkspaceScope, inputs: DeployInputs, services: (scope: WorkspaceScope) => Promise<BatchDeployServices>): Promise<void> {
  const log = (message: string) => host.log(message);
  if (inputs.onFailure === "delete") log("Warning: onFailure 'delete' applies to online deployments only; a failed batch deployment is kept.");
  const t = translateBatch(inputs, scope);
  const { deployment } = t;
  const endpointName = deployment.endpointName;
  const deploymentName = deployment.name;
  setOutputs(host, { endpointName, deploymentName });
  const endpointPath = `${workspaceArmId(scope)}/batchEndpoints/${endpointName}`;
  if (inputs.dryRun) {
    const endpointDryRun = t.endpoint && {
      warnings: t.endpoint.warnings,
      createBody: finalizeBatchEndpoint(t.endpoint, LOCATION_PLACEHOLDER, { withoutDefault: true }),
      existingNote: "an existing one gets description, tags and properties merged; its default deployment is untouched",
    };
    for (const line of deployDryRunReport(endpointPath, endpointDryRun, deployment)) log(line);
    if (inputs.smokeTestInput) log(`Then: invoke deployment '${deploymentName}' on ${inputs.smokeTestInput} and wait for its job${inputs.setDefault ? `; once it completes, make '${deploymentName}' the endpoint's default` : ""}.`);
    setOutputs(host, { provisioningState: "NotDeployed" });
    host.setResult("Succeeded", `Dry run of batch deployment '${deploymentName}' to endpoint '${endpointName}': the files are valid; nothing was changed.`);
    return;
  }

  const s = await services(scope);
  const { endpoints } = s;
  const signal = task.cancellation.signal;
  const waitBase = { signal, log, debug: (m: string) => host.debug(m), now: s.now, sleep: s.sleep };
  const startedAt = (s.now ?? Date.now)();
  const timeoutMs = inputs.timeoutMinutes * 60_000;
  const remainingMs = () => (timeoutMs ? Math.max(0, startedAt + timeoutMs - (s.now ?? Date.now)()) : undefined);

  const existing = (await endpoints.getEndpoint(endpointName)).resource;
  const defaultBefore = existing?.properties.defaults?.deploymentName ?? "";
  setOutputs(host, { defaultDeploymentBefore: defaultBefore });
  if (defaultBefore.toLowerCase() === deploymentName) {
    log(`Warning: '${deploymentName}' is the endpoint's default deployment: updating it in place changes what invocations without a deployment name run as soon as it is provisioned, before any smoke invocation. Deploy under a new name and use setDefault to switch safely.`);
  }
  const endpoint = await ensureBatchEndpoint(s, endpointName, existing, t.endpoint, { ...waitBase, timeoutMs: remainingMs() });
  const plan = await prepareDeploymentAssets({ api: s.workspace, translation: deployment, location: s.location, openStore: s.openStore, log });

  let lastState = "not sent yet";
  const unregister = task.cancellation.onCancel(() => {
    log(`Cancelled: stopped waiting. Batch deployment '${deploymentName}' of endpoint '${endpointName}' was ${lastState}; it is left as it is (Azure ML keeps provisioning it) and the endpoint's default deployment is untouched (${defaultBefore ? `'${defaultBefore}'` : "none"}).`);
  });
  try {
    const exists = existing && (await endpoints.getDeployment(endpointName, deploymentName)).resource;
    log(`${exists ? "Updating" : "Creating"} ${deployment.kind} batch deployment '${deploymentName}' on endpoint '${endpointName}' (the default deployment is not changed${inputs.setDefault ? " until it passes its smoke invocation" : ""}).`);
    const started = await endpoints.putDeployment(endpointName, deploymentName, plan.body, plan.apiVersion);
    lastState = "Creating";
    const outcome: ProvisioningOutcome<BatchDeploymentResource> = await waitForProvisioning({
      ...waitBase,
      timeoutMs: remainingMs(),
      what: `Batch deployment '${deploymentName}'`,
      read: async (sig) => {
        const read = await endpoints.getDeployment(endpointName, deploymentName, sig);
        lastState = `in provisioning state ${read.resource?.properties.provisioningState ?? "unknown"}`;
        return { resource: read.resource, state: read.resource?.properties.provisioningState, retryAfterMs: read.retryAfterMs };
      },
    });
    setOutputs(host, { provisioningState: outcome.state });
    if (outcome.ended === "cancelled") return;
    if (outcome.ended === "timedOut") {
      host.setResult("Failed", `Batch deployment '${deploymentName}' did not finish provisioning within ${inputs.timeoutMinutes} minute(s) (timeoutMinutes; state ${outcome.state}). It is left as it is and the endpoint's default is untouched.`);
      return;
    }
    if (outcome.state !== "Succeeded") {
      const error = started.operationUrl ? await endpoints.operationError(started.operationUrl, signal).catch((e: unknown) => void log(`The deployment operation's error could not be read: ${errorMessage(e)}`)) : undefined;
      const lines = serviceErrorLines(error ?? undefined);
      for (const line of lines) log(line);
      host.setResult("Failed", `Batch deployment '${deploymentName}' provisioning ended ${outcome.state}: ${lines[0] ?? "the service gave no error"}. The endpoint's default is untouched.`);
      return;
    }
  } finally {
    unregister();
  }
  log(`Batch deployment '${deploymentName}' is provisioned. Scoring URI: ${endpoint.properties.scoringUri ?? "(none)"}`);
  setOutputs(host, { scoringUri: endpoint.properties.scoringUri });

  if (inputs.smokeTestInput) {
    log(`Smoke test: invoking '${deploymentName}' on ${inputs.smokeTestInput}.`);
    const kept = `The deployment is kept and the endpoint's default stays ${defaultBefore ? `'${defaultBefore}'` : "unset"}.`;
    let smoke: BatchSmokeOutcome;
    try {
      smoke = await s.invokeSmokeTest({ endpoint: endpointName, deployment: deploymentName, input: inputs.smokeTestInput, signal, timeoutMs: remainingMs(), log, onCancel: (hook) => task.cancellation.onCancel(hook) });
    } catch (error) {
      if (signal.aborted) return;
      host.setResult("Failed", `Smoke invocation of batch deployment '${deploymentName}' could not run: ${errorMessage(error)} ${kept}`);
      return;
    }
    setOutputs(host, { smokeJobName: smoke.jobName });
    if (signal.aborted) return;
    if (!smoke.passed) {
      host.setResult("Failed", `Smoke invocation of batch deployment '${deploymentName}' (job ${smoke.jobName}) ended ${smoke.status}${smoke.reason ? `: ${smoke.reason}` : ""}. ${kept}`);
      return;
    }
    log(`Smoke test passed: job ${smoke.jobName} completed${smoke.outputLocation ? `; output at ${smoke.outputLocation}` : ""}.`);
  }

  if (inputs.setDefault) {
    if (defaultBefore.toLowerCase() === deploymentName) {
      log(`'${deploymentName}' is already the default deployment of endpoint '${endpointName}'.`);
    } else {
      log(`setDefault: endpoint '${endpointName}' now runs '${deploymentName}' by default (was ${defaultBefore ? `'${defaultBefore}'` : "unset"}).`);
      const current = (await endpoints.getEndpoint(endpointName)).resource ?? endpoint;
      await endpoints.putEndpoint(endpointName, batchEndpointWriteBody(current, deploymentName));
      const outcome = await waitForProvisioning({ ...waitBase, what: `Endpoint '${endpointName}'`, read: endpointProvisioning(endpoints, endpointName) });
      if (outcome.ended === "cancelled") return;
      if (outcome.state !== "Succeeded") {
        host.setResult("Failed", `Making '${deploymentName}' the default deployment of endpoint '${endpointName}' ended ${outcome.state}.`);
        return;
      }
    }
  }
  const smoked = inputs.smokeTestInput ? " and passed its smoke invocation" : "";
  const defaultNow = inputs.setDefault ? `it is now the endpoint's default` : `the endpoint's default is untouched (${defaultBefore ? `'${defaultBefore}'` : "unset"})`;
  host.setResult("Succeeded", `Batch deployment '${deploymentName}' of endpoint '${endpointName}' is provisioned${smoked}; ${defaultNow}.`);
}

/** The batch endpoint: created from the file when missing (without a default), its mutable fields merged when it exists. */
async function ensureBatchEndpoint(
  s: BatchDeployServices,
  name: string,
  existing: BatchEndpointResource | undefined,
  translation: BatchEndpointTranslation | undefined,
  wait: Parameters<typeof endpointProvisioned<BatchEndpointResource>>[2],
): Promise<BatchEndpointResource> {
  const api = s.endpoints;
  if (!existing) {
    if (!translation) throw new UserError(`Batch endpoint '${name}' does not exist in workspace '${api.scope.workspace}'. Give an endpointFile to create it, or check endpointName (and the deployment file's endpoint_name).`);
    for (const warning of translation.warnings) wait.log(`Warning: ${warning}`);
    if (translation.body.properties.defaults) {
      wait.log(`Warning: ${translation.fields.defaults}: defaults.deployment_name is not sent; a deployment becomes the default only through setDefault, after its smoke invocation passed.`);
    }
    wait.log(`Creating batch endpoint '${name}'.`);
    await api.putEndpoint(name, finalizeBatchEndpoint(translation, s.location, { withoutDefault: true }));
    return endpointProvisioned(api, name, wait);
  }
  if (!translation) return existing;
  const update = mergeBatchEndpointUpdate(existing, translation);
  for (const warning of [...translation.warnings, ...update.warnings]) wait.log(`Warning: ${warning}`);
  if (update.changed.length === 0) return existing;
  wait.log(`Updating batch endpoint '${name}' (${update.changed.join(", ")}); its default deployment stays ${existing.properties.defaults?.deploymentName ? `'${existing.properties.defaults.deploymentName}'` : "unset"}.`);
  await api.putEndpoint(name, update.body);
  return endpointProvisioned(api, name, wait);
}
