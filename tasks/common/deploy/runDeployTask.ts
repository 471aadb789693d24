// AzureMLDeploy@1 from inputs to result (batch files go to batchDeploy.ts): translate both files, (dry run: print and stop), check what fails
// fast (kind, Kubernetes compute, instance type, scoring script, first-deployment rule), create or update the
// endpoint, upload and register what the deployment references, PUT it at 0% traffic and wait, explain a
// failure with the service's error and the container logs, smoke-test the new deployment alone, and only then
// (trafficAfterDeploy: all) give it the endpoint's traffic.
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { AzureSession } from "../azure/azureSession";
import { checkDeploymentKind, finalizeEndpoint, translateDeploymentFile, translateEndpointFile, type DeploymentTranslation, type EndpointTranslation, type OnlineKind } from "../deploySpec";
import type { TaskHost } from "../platform/taskHost";
import type { TaskRun } from "../platform/taskRunner";
import { errorMessage, UserError } from "../platform/userError";
import { createBatchEndpointsApi } from "../workspace/batchEndpoints";
import { createRunHistoryApi } from "../workspace/runHistory";
import { openDefaultBlobStore, type BlobStore } from "../workspace/datastores";
import { scoringAuthorization } from "../workspace/endpointScoring";
import { createOnlineEndpointsApi, endpointWriteBody, type OnlineDeploymentResource, type OnlineEndpointResource, type OnlineEndpointsApi } from "../workspace/onlineEndpoints";
import { workspaceArmId, type WorkspaceScope } from "../workspace/scope";
import { amlApiHost, getVerifiedWorkspace, jobStudioUrl } from "../workspace/workspace";
import { createWorkspaceApi, type WorkspaceApi } from "../workspace/workspaceApi";
import { checkScoringScript, prepareDeploymentAssets } from "./assets";
import { runBatchDeployTask, type BatchDeployServices } from "./batchDeploy";
import { createBatchSmokeInvoker } from "./batchSmoke";
import { deleteFailedDeployment } from "./cleanup";
import { printFailureDiagnostics, serviceErrorLines } from "./diagnostics";
import { deployDryRunReport, LOCATION_PLACEHOLDER } from "./dryRun";
import { endpointProvisioning, ensureEndpoint } from "./endpoint";
import type { DeployInputs } from "./inputs";
import { setOutputs } from "./outputs";
import { checkKubernetesCompute } from "./kubernetesChecks";
import { swaggerReadinessProbe } from "./readinessProbe";
import { runSmokeTest } from "./smokeTest";
import { waitForProvisioning, type ProvisioningOutcome } from "./waitForProvisioning";

/** What the task talks to; tests replace any of it. */
export interface DeployServices {
  location: string;
  endpoints: OnlineEndpointsApi;
  workspace: WorkspaceApi;
  openStore: () => Promise<BlobStore>;
  httpClient: HttpClient;
  credential: TokenCredential;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** How long the smoke test retries a deployment that does not answer yet (less when timeoutMinutes leaves less). */
export const SMOKE_TEST_LIMIT_MS = 120_000;

async function defaultServices(host: TaskHost, session: AzureSession, scope: WorkspaceScope): Promise<DeployServices> {
  const workspace = await getVerifiedWorkspace(session, scope);
  const api = createWorkspaceApi(session, scope);
  return {
    location: workspace.location,
    endpoints: createOnlineEndpointsApi(session, scope),
    workspace: api,
    openStore: () => openDefaultBlobStore(api, { httpClient: session.httpClient, credential: session.credential, maskSecret: (secret) => host.setSecret(secret) }),
    httpClient: session.httpClient,
    credential: session.credential,
  };
}

interface Translations {
  endpoint?: EndpointTranslation;
  deployment: DeploymentTranslation;
}

function translate(inputs: DeployInputs, scope: WorkspaceScope): Translations {
  const endpoint = inputs.endpointFile ? translateEndpointFile(inputs.endpointFile, { scope, endpointName: inputs.endpointName }) : undefined;
  const deployment = translateDeploymentFile(inputs.deploymentFile, { scope, overrides: inputs.overrides, model: inputs.model, endpointName: inputs.endpointName ?? endpoint?.name });
  checkScoringScript(deployment);
  return { endpoint, deployment };
}

const kindOf = (endpoint: OnlineEndpointResource): OnlineKind => (endpoint.properties.compute ? "kubernetes" : "managed");

/** Everything that can be refused before anything is created or uploaded. */
async function checkBeforeDeploying(services: DeployServices, inputs: DeployInputs, t: Translations, existing: OnlineEndpointResource | undefined, log: (m: string) => void): Promise<void> {
  const { deployment } = t;
  const endpointName = deployment.endpointName;
  const kind = existing ? kindOf(existing) : t.endpoint?.kind;
  const compute = existing ? existing.properties.compute : t.endpoint?.body.properties.compute;
  if (kind) checkDeploymentKind(deployment, kind, endpointName);
  if (kind === "kubernetes" && compute) await checkKubernetesCompute(services.endpoints, compute, deployment, log);
  if (inputs.trafficAfterDeploy === "all" && existing) {
    const others = (await services.endpoints.listDeployments(endpointName)).map((d) => d.name).filter((name) => name.toLowerCase() !== deployment.name);
    if (others.length > 0) {
      throw new UserError(`Input trafficAfterDeploy: 'all' is only allowed for an endpoint's first deployment; endpoint '${endpointName}' already has ${others.map((n) => `'${n}'`).join(", ")}. Use 'none' and shift traffic with a rollout.`);
    }
  }
}

async function defaultBatchServices(host: TaskHost, session: AzureSession, scope: WorkspaceScope): Promise<BatchDeployServices> {
  const workspace = await getVerifiedWorkspace(session, scope);
  const api = createWorkspaceApi(session, scope);
  const maskSecret = (secret: string) => host.setSecret(secret);
  const openStore = () => openDefaultBlobStore(api, { httpClient: session.httpClient, credential: session.credential, maskSecret });
  const endpoints = createBatchEndpointsApi(session, scope, maskSecret);
  return {
    location: workspace.location,
    endpoints,
    workspace: api,
    openStore,
    invokeSmokeTest: createBatchSmokeInvoker({
      host,
      batch: endpoints,
      workspace: api,
      runHistory: createRunHistoryApi(session, amlApiHost(session.cloud, workspace.location, workspace.discoveryUrl), scope),
      openStore,
      studioUrl: (jobName) => jobStudioUrl(workspace, session.cloud, jobName, session.tenantId),
      baseDirectory: process.cwd(),
    }),
  };
}

export interface DeployTaskOptions {
  services?: (scope: WorkspaceScope) => Promise<DeployServices>;
  batchServices?: (scope: WorkspaceScope) => Promise<BatchDeployServices>;
}

/** Batch files go to the batch flow; the endpoint file must be of the deployment file's family. */
export async function runDeployTask(host: TaskHost, task: TaskRun, session: AzureSession, inputs: DeployInputs, options: DeployTaskOptions = {}): Promise<void> {
  const scope: WorkspaceScope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  if (inputs.family === "batch") {
    await runBatchDeployTask(host, task, scope, inputs, options.batchServices ?? ((s) => defaultBatchServices(host, session, s)));
    return;
  }
  const t = translate(inputs, scope);
  const { deployment } = t;
  const endpointName = deployment.endpointName;
  const deploymentName = deployment.name;
  setOutputs(host, { endpointName, deploymentName });
  const endpointPath = `${workspaceArmId(scope)}/onlineEndpoints/${endpointName}`;
  if (inputs.dryRun) {
    const endpointDryRun = t.endpoint && {
      warnings: t.endpoint.warnings,
      createBody: finalizeEndpoint(t.endpoint, LOCATION_PLACEHOLDER),
      existingNote: "an existing one gets its mutable fields merged, traffic untouched",
    };
    for (const line of deployDryRunReport(endpointPath, endpointDryRun, deployment)) host.log(line);
    setOutputs(host, { provisioningState: "NotDeployed" });
    host.setResult("Succeeded", `Dry run of deployment '${deploymentName}' to endpoint '${endpointName}': the files are valid; nothing was changed.`);
    return;
  }
  const services = await (options.services ?? ((s) => defaultServices(host, session, s)))(scope);
  const { endpoints } = services;
  const log = (message: string) => host.log(message);
  const signal = task.cancellation.signal;
  const waitBase = { signal, log, debug: (m: string) => host.debug(m), now: services.now, sleep: services.sleep };
  const startedAt = (services.now ?? Date.now)();
  const timeoutMs = inputs.timeoutMinutes * 60_000;
  const remainingMs = () => (timeoutMs ? Math.max(0, startedAt + timeoutMs - (services.now ?? Date.now)()) : undefined);

  const existing = (await endpoints.getEndpoint(endpointName)).resource;
  const trafficBefore = existing?.properties.traffic ?? {};
  setOutputs(host, { trafficBefore: JSON.stringify(trafficBefore) });
  await checkBeforeDeploying(services, inputs, t, existing, log);

  const { endpoint } = await ensureEndpoint({ api: endpoints, name: endpointName, existing, translation: t.endpoint, location: services.location, wait: { ...waitBase, timeoutMs: remainingMs() } });
  const plan = await prepareDeploymentAssets({ api: services.workspace, translation: deployment, location: services.location, openStore: services.openStore, log });

  const mask = (secret: string) => host.setSecret(secret);
  const authorization = await scoringAuthorization(endpoints, endpointName, endpoint.properties.authMode, services.credential, mask).catch((error: unknown) => {
    host.debug(`No scoring credential for the readiness probe: ${errorMessage(error)}`);
    return undefined;
  });

  // Said on cancellation: the wait stops, traffic is left as it was, the deployment keeps provisioning.
  let lastState = "not sent yet";
  const unregister = task.cancellation.onCancel(() => {
    host.log(`Cancelled: stopped waiting. Deployment '${deploymentName}' of endpoint '${endpointName}' was ${lastState}; it is left as it is (Azure ML keeps provisioning it) and the endpoint's traffic is untouched (${JSON.stringify(trafficBefore)}).`);
  });
  try {
    log(`${existing && (await endpoints.getDeployment(endpointName, deploymentName)).resource ? "Updating" : "Creating"} ${deployment.kind} deployment '${deploymentName}' on endpoint '${endpointName}' (no traffic until it is provisioned${inputs.trafficAfterDeploy === "all" ? " and smoke-tested" : ""}).`);
    const started = await endpoints.putDeployment(endpointName, deploymentName, plan.body, plan.apiVersion);
    lastState = "Creating";
    const outcome: ProvisioningOutcome<OnlineDeploymentResource> = await waitForProvisioning({
      ...waitBase,
      timeoutMs: remainingMs(),
      what: `Deployment '${deploymentName}'`,
      read: async (s) => {
        const read = await endpoints.getDeployment(endpointName, deploymentName, s);
        lastState = `in provisioning state ${read.resource?.properties.provisioningState ?? "unknown"}`;
        return { resource: read.resource, state: read.resource?.properties.provisioningState, retryAfterMs: read.retryAfterMs };
      },
      probe: authorization && endpoint.properties.swaggerUri ? swaggerReadinessProbe(services.httpClient, endpoint.properties.swaggerUri, deploymentName, authorization) : undefined,
    });
    setOutputs(host, { provisioningState: outcome.state });
    if (outcome.ended === "cancelled") return;
    if (outcome.ended === "timedOut") {
      await printFailureDiagnostics(endpoints, endpointName, deploymentName, undefined, log, signal);
      host.setResult("Failed", `Deployment '${deploymentName}' did not finish provisioning within ${inputs.timeoutMinutes} minute(s) (timeoutMinutes; state ${outcome.state}). It is left as it is and the endpoint's traffic is untouched.`);
      return;
    }
    if (outcome.state !== "Succeeded") {
      const error = await printFailureDiagnostics(endpoints, endpointName, deploymentName, started.operationUrl, log, signal);
      const cleanup = inputs.onFailure === "delete" ? await deleteFailedDeployment(endpoints, endpointName, deploymentName, log, signal) : undefined;
      const reason = serviceErrorLines(error)[0] ?? "the service gave no error; see the container logs above";
      host.setResult("Failed", `Deployment '${deploymentName}' provisioning ended ${outcome.state}: ${reason}.${cleanup === "deleted" ? " The deployment was deleted (onFailure: delete)." : ""} The endpoint's traffic is untouched.`);
      return;
    }
  } finally {
    unregister();
  }

  const ready = (await endpoints.getEndpoint(endpointName)).resource ?? endpoint;
  setOutputs(host, { scoringUri: ready.properties.scoringUri, swaggerUri: ready.properties.swaggerUri });
  log(`Deployment '${deploymentName}' is provisioned. Scoring URI: ${ready.properties.scoringUri ?? "(none)"}`);

  if (inputs.smokeTest) {
    if (!ready.properties.scoringUri) throw new UserError(`Endpoint '${endpointName}' reports no scoring URI, so the smoke test cannot be sent.`);
    const result = await runSmokeTest({
      httpClient: services.httpClient,
      scoringUri: ready.properties.scoringUri,
      deployment: deploymentName,
      authorization: authorization ?? (await scoringAuthorization(endpoints, endpointName, ready.properties.authMode, services.credential, mask)),
      test: inputs.smokeTest,
      limitMs: Math.min(SMOKE_TEST_LIMIT_MS, remainingMs() ?? SMOKE_TEST_LIMIT_MS),
      log,
      signal,
      now: services.now,
      sleep: services.sleep,
    });
    if (!result.passed) {
      await printFailureDiagnostics(endpoints, endpointName, deploymentName, undefined, log, signal);
      host.setResult("Failed", `Smoke test of deployment '${deploymentName}' failed: ${result.reason}. The deployment is kept and the endpoint's traffic is untouched (${JSON.stringify(ready.properties.traffic ?? {})}).`);
      return;
    }
    log(`Smoke test passed (${result.status}, ${result.attempts} attempt(s)).`);
  }

  if (inputs.trafficAfterDeploy === "all") {
    log(`trafficAfterDeploy is all: endpoint '${endpointName}' sends 100% of its traffic to '${deploymentName}'.`);
    await endpoints.putEndpoint(endpointName, endpointWriteBody(ready, { traffic: { [deploymentName]: 100 } }));
    const outcome = await waitForProvisioning({ ...waitBase, what: `Endpoint '${endpointName}'`, read: endpointProvisioning(endpoints, endpointName) });
    if (outcome.ended === "cancelled") return;
    if (outcome.state !== "Succeeded") {
      host.setResult("Failed", `Moving endpoint '${endpointName}' traffic to '${deploymentName}' ended ${outcome.state}.`);
      return;
    }
  }
  host.setResult("Succeeded", `Deployment '${deploymentName}' of endpoint '${endpointName}' is provisioned${inputs.smokeTest ? " and passed its smoke test" : ""}; traffic ${inputs.trafficAfterDeploy === "all" ? `100% to '${deploymentName}'` : `untouched (${JSON.stringify(trafficBefore)})`}.`);
}
