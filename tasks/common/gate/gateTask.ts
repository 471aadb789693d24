// AzureMLGate@1 on a connected session: the gate's port on the workspace layer's clients, then its outputs.
import * as fs from "node:fs";
import type { AzureSession } from "../azure/azureSession";
import { readMetricSeries } from "../azure/monitorMetrics";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";
import { readDeploymentMetrics } from "../workspace/endpointMetrics";
import { scoringAuthorization } from "../workspace/endpointScoring";
import { generateLoad } from "../workspace/loadGenerator";
import { summarizeLoad } from "../workspace/loadStatistics";
import { readFinalMetrics } from "../workspace/mlflow";
import { createModelRegistryApi } from "../workspace/modelRegistry";
import { createOnlineEndpointsApi } from "../workspace/onlineEndpoints";
import { workspaceArmId, type WorkspaceScope } from "../workspace/scope";
import { amlApiHost, getVerifiedWorkspace } from "../workspace/workspace";
import { runGate } from "./gate";
import type { GatePort } from "./gatePort";
import { isRefused, MODEL_ERROR_STATUS } from "./loadTestCheck";
import type { GateInputs } from "./inputs";
import { publishGate } from "./publish";

export function createGatePort(host: TaskHost, session: AzureSession, scope: WorkspaceScope): GatePort {
  const endpoints = createOnlineEndpointsApi(session, scope);
  // MLflow lives on each workspace's regional API host: looked up once per workspace, when a check first needs it
  // (a promoted model's job is in the workspace it was promoted from).
  const apiHosts = new Map<string, Promise<string>>();
  const mlflowHost = (workspace: WorkspaceScope) => {
    const key = workspaceArmId(workspace).toLowerCase();
    if (!apiHosts.has(key)) apiHosts.set(key, getVerifiedWorkspace(session, workspace).then((w) => amlApiHost(session.cloud, w.location, w.discoveryUrl)));
    return apiHosts.get(key)!;
  };
  return {
    scope,
    getModelVersion: (name, version, _signal, workspace) => createModelRegistryApi(session, workspace ?? scope).getVersion(name, version),
    readJobMetrics: async (jobName, signal, workspace) => readFinalMetrics(session, await mlflowHost(workspace ?? scope), workspace ?? scope, jobName, signal),
    getEndpoint: async (name, signal) => (await endpoints.getEndpoint(name, signal)).resource,
    listDeployments: (endpoint, signal) => endpoints.listDeployments(endpoint, signal),
    readMetrics: (query, signal) => readDeploymentMetrics((request, s) => readMetricSeries(session, request, s), query, signal),
    async runLoad(settings, signal) {
      const endpoint = (await endpoints.getEndpoint(settings.endpointName, signal)).resource;
      if (!endpoint?.properties.scoringUri) throw new UserError(`Input endpointName: online endpoint '${settings.endpointName}' was not found in workspace '${scope.workspace}' (or has no scoring URI yet)`);
      const deployments = await endpoints.listDeployments(settings.endpointName, signal);
      if (!deployments.some((d) => d.name.toLowerCase() === settings.deploymentName.toLowerCase())) {
        throw new UserError(`Input deploymentName: endpoint '${settings.endpointName}' has no deployment '${settings.deploymentName}' (it has: ${deployments.map((d) => d.name).join(", ") || "none"})`);
      }
      const authorization = await scoringAuthorization(endpoints, settings.endpointName, endpoint.properties.authMode, session.credential, (secret) => host.setSecret(secret));
      let body: string;
      try {
        body = fs.readFileSync(settings.requestFile, "utf8");
      } catch (error) {
        throw new UserError(`Input requestFile: cannot read '${settings.requestFile}': ${(error as Error).message}`);
      }
      const run = await generateLoad(session.httpClient, { target: { uri: endpoint.properties.scoringUri, authorization, deployment: settings.deploymentName }, body, ratePerSecond: settings.ratePerSecond, maxConcurrency: settings.concurrency, durationMs: settings.durationMs }, { signal });
      const count = (test: (status: number | undefined) => boolean) => run.samples.filter((sample) => test(sample.status)).length;
      return { ...summarizeLoad(run), cancelled: run.cancelled, modelErrors: count((status) => status === MODEL_ERROR_STATUS), refused: count(isRefused) };
    },
    now: Date.now,
    log: (message) => host.log(message),
  };
}

export async function runGateTask(host: TaskHost, session: AzureSession, inputs: GateInputs, signal: AbortSignal): Promise<void> {
  const scope = { subscriptionId: session.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspaceName };
  const outcome = await runGate(createGatePort(host, session, scope), inputs, signal);
  publishGate(host, outcome);
}
