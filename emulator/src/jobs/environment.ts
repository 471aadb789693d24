// The process environment Azure ML's common runtime gives a job: run and workspace identity, the
// workspace's MLflow tracking endpoint with a token, input/output paths, the job's own variables,
// and (the emulator's part) the proxy and CA that make the emulated hosts reachable and trusted.
import type { ServiceContext } from '../contract';
import type { ArmResource } from '../arm/resources';

export interface HostAccess {
  proxyUrl: string;
  caCertFile: string;
  /** An access token for the job's identity that the data plane accepts (audience https://ml.azure.com). */
  issueToken(job: ArmResource): string;
}

/** Host variables a process cannot do without; the host's proxies and credentials are not passed on. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL'];

/** The host's variables a process on the "node" or in a container gets (INHERITED only). */
export function hostVariables(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

export function jobEnvironment(
  ctx: ServiceContext,
  job: ArmResource,
  details: { workspaceId: string; experimentId: string; inputs: Record<string, string>; outputs: Record<string, string>; access: HostAccess },
): NodeJS.ProcessEnv {
  const { subscriptionId, location } = ctx.facts;
  // The job's own workspace: /subscriptions/<s>/resourceGroups/<rg>/providers/<ns>/workspaces/<ws>.
  const [resourceGroupName, workspaceName] = [details.workspaceId.split('/')[4], details.workspaceId.split('/')[8]];
  const api = `https://${location}.api.azureml.ms`;
  const env = hostVariables();
  const experimentName: string = job.properties.experimentName ?? 'Default';
  Object.assign(env, {
    AZUREML_RUN_ID: job.name,
    AZUREML_ROOT_RUN_ID: job.properties.properties?.['azureml.rootRunId'] ?? job.name,
    AZUREML_EXPERIMENT_NAME: experimentName,
    AZUREML_ARM_SUBSCRIPTION: subscriptionId,
    AZUREML_ARM_RESOURCEGROUP: resourceGroupName,
    AZUREML_ARM_WORKSPACE_NAME: workspaceName,
    AZUREML_ARM_PROJECT_NAME: experimentName,
    AZUREML_SERVICE_ENDPOINT: api,
    AZUREML_DISCOVERY_SERVICE_ENDPOINT: `${api}/discovery`,
    MLFLOW_TRACKING_URI: `${api}/mlflow/v1.0${details.workspaceId}`,
    MLFLOW_TRACKING_TOKEN: details.access.issueToken(job),
    MLFLOW_RUN_ID: job.name,
    MLFLOW_EXPERIMENT_ID: details.experimentId,
    MLFLOW_EXPERIMENT_NAME: experimentName,
    HTTPS_PROXY: details.access.proxyUrl,
    https_proxy: details.access.proxyUrl,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
    SSL_CERT_FILE: details.access.caCertFile,
    REQUESTS_CA_BUNDLE: details.access.caCertFile,
    NODE_EXTRA_CA_CERTS: details.access.caCertFile,
  });
  for (const [name, value] of Object.entries(details.inputs)) env[`AZURE_ML_INPUT_${name}`] = value;
  for (const [name, value] of Object.entries(details.outputs)) env[`AZURE_ML_OUTPUT_${name}`] = value;
  for (const [name, value] of Object.entries(job.properties.environmentVariables ?? {})) env[name] = String(value);
  return env;
}
