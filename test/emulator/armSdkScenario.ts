// Run as a separate process, the way a user's tool runs: only HTTPS_PROXY and NODE_EXTRA_CA_CERTS
// point it at the emulator. Drives ARM with @azure/identity and @azure/arm-machinelearning and
// prints what it saw as one JSON line. Usage: armSdkScenario.ts <scenario> <connection.json>
import * as fs from 'node:fs';
import { type AmlCompute, AzureMachineLearningWorkspaces, type ComputeInstance } from '@azure/arm-machinelearning';
import { ClientSecretCredential } from '@azure/identity';

interface Connection {
  tenantId: string;
  subscriptionId: string;
  resourceGroupName: string;
  workspaceName: string;
  location: string;
  secret: { clientId: string; clientSecret: string };
  reader: { clientId: string; clientSecret: string };
}

const [scenario, connectionFile] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(connectionFile, 'utf8')) as Connection;
const identity = scenario === 'reader' ? c.reader : c.secret;
// MAX_RETRIES=0 shows what a client that does not retry sees.
const retryOptions = process.env.MAX_RETRIES === undefined ? {} : { retryOptions: { maxRetries: Number(process.env.MAX_RETRIES) } };
const client = new AzureMachineLearningWorkspaces(new ClientSecretCredential(c.tenantId, identity.clientId, identity.clientSecret), c.subscriptionId, retryOptions);
const { resourceGroupName: rg, workspaceName: ws, location } = c;

function errorOf(e: unknown) {
  const error = e as { statusCode?: number; code?: string; message?: string };
  return { statusCode: error.statusCode, code: error.code, message: error.message };
}

const scenarios: Record<string, () => Promise<unknown>> = {
  async compute() {
    const created = await client.computeOperations.beginCreateOrUpdateAndWait(rg, ws, 'e2e-cluster', {
      location,
      properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 2 } } },
    });
    const seeded = await client.computeOperations.get(rg, ws, 'cpu-cluster');
    await client.computeOperations.beginDeleteAndWait(rg, ws, 'e2e-cluster', 'Delete');
    const names: string[] = [];
    for await (const compute of client.computeOperations.list(rg, ws)) names.push(compute.name ?? '');
    return { created: created.properties?.provisioningState, seededMax: (seeded.properties as AmlCompute).properties?.scaleSettings?.maxNodeCount, names };
  },
  async endpoint() {
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, 'e2e-endpoint', { location, properties: { authMode: 'Key' } });
    const deployment = await client.onlineDeployments.beginCreateOrUpdateAndWait(rg, ws, 'e2e-endpoint', 'blue', {
      location,
      sku: { name: 'Default', capacity: 1 },
      properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' },
    });
    const routed = await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, 'e2e-endpoint', { location, properties: { authMode: 'Key', traffic: { blue: 100 } } });
    return { deployment: deployment.properties.provisioningState, traffic: routed.properties.traffic };
  },
  async failedOperation() {
    try {
      await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, 'e2e-failing', { location, properties: { authMode: 'Key' } });
      return { failed: false };
    } catch (e) {
      const endpoint = await client.onlineEndpoints.get(rg, ws, 'e2e-failing');
      return { failed: true, error: errorOf(e), provisioningState: endpoint.properties.provisioningState };
    }
  },
  async workspace() {
    return { name: (await client.workspaces.get(rg, ws)).name };
  },
  async assets() {
    const body = { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/models/e2e/' } };
    const first = await client.modelVersions.createOrUpdate(rg, ws, 'e2e-model', '1', body);
    await client.modelVersions.createOrUpdate(rg, ws, 'e2e-model', '2', body);
    const container = await client.modelContainers.get(rg, ws, 'e2e-model');
    const versions: string[] = [];
    for await (const version of client.modelVersions.list(rg, ws, 'e2e-model')) versions.push(version.name ?? '');
    return { modelUri: first.properties.modelUri, latestVersion: container.properties.latestVersion, nextVersion: container.properties.nextVersion, versions: versions.sort() };
  },
  async datastoreSecrets() {
    const secrets = (await client.datastores.listSecrets(rg, ws, 'workspaceblobstore')) as { secretsType: string; key?: string };
    return { secretsType: secrets.secretsType, keyLength: secrets.key?.length ?? 0 };
  },
  async computeStartStop() {
    const stateOf = async () => ((await client.computeOperations.get(rg, ws, 'dev-instance')).properties as ComputeInstance).properties?.state;
    const before = await stateOf();
    await client.computeOperations.beginStartAndWait(rg, ws, 'dev-instance');
    const started = await stateOf();
    await client.computeOperations.beginStopAndWait(rg, ws, 'dev-instance');
    const nodes: string[] = [];
    for await (const node of client.computeOperations.listNodes(rg, ws, 'cpu-cluster')) nodes.push(node.nodeId ?? '');
    return { before, started, stopped: await stateOf(), nodes };
  },
  async allocationStates() {
    const states: string[] = [];
    for (let i = 0; i < 3; i++) states.push(((await client.computeOperations.get(rg, ws, 'cpu-cluster')).properties as AmlCompute).properties?.allocationState ?? '');
    return { states };
  },
  async unhealthyDeployment() {
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, 'e2e-sick', { location, properties: { authMode: 'Key' } });
    let failed = false;
    try {
      await client.onlineDeployments.beginCreateOrUpdateAndWait(rg, ws, 'e2e-sick', 'blue', { location, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' } });
    } catch {
      failed = true;
    }
    const deployment = await client.onlineDeployments.get(rg, ws, 'e2e-sick', 'blue');
    const logs = await client.onlineDeployments.getLogs(rg, ws, 'e2e-sick', 'blue', { containerType: 'InferenceServer' });
    return { failed, provisioningState: deployment.properties.provisioningState, logs: logs.content };
  },
  async deploymentLogsAndDelete() {
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, 'e2e-logs', { location, properties: { authMode: 'Key' } });
    await client.onlineDeployments.beginCreateOrUpdateAndWait(rg, ws, 'e2e-logs', 'blue', { location, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' } });
    const logs = await client.onlineDeployments.getLogs(rg, ws, 'e2e-logs', 'blue', { containerType: 'InferenceServer', tail: 2 });
    await client.onlineDeployments.beginDeleteAndWait(rg, ws, 'e2e-logs', 'blue');
    const left: string[] = [];
    for await (const deployment of client.onlineDeployments.list(rg, ws, 'e2e-logs')) left.push(deployment.name ?? '');
    return { logLines: logs.content?.split('\n').length, left };
  },
  async reader() {
    const workspace = await client.workspaces.get(rg, ws);
    try {
      await client.computeOperations.beginCreateOrUpdateAndWait(rg, ws, 'reader-cluster', { properties: { computeType: 'AmlCompute' } });
      return { workspace: workspace.name, denied: false };
    } catch (e) {
      return { workspace: workspace.name, denied: true, error: errorOf(e) };
    }
  },
};

scenarios[scenario]().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (e) => {
    process.stdout.write(`${JSON.stringify({ unexpected: errorOf(e) })}\n`);
    process.exitCode = 1;
  },
);
