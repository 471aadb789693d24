// Runs official Azure SDK clients the way users run them against the emulator: in a separate
// process with HTTPS_PROXY and NODE_EXTRA_CA_CERTS set (Node reads extra CAs only at start-up).
// Usage: clientProbe.ts '<JSON array of probes>'; prints one JSON object of results.
import { createSign } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { newRsaKeyPem, selfSignedCertificate } from '../../emulator/src/ca';
import type { ConnectionInfo } from '../../emulator/src/connection';

export type Probe =
  | { probe: 'token'; identity: 'secret' | 'certificate' | 'federated' | 'managedIdentity' | 'reader'; scope?: string; secret?: string; subject?: string; clientId?: string; assertionLifetimeSeconds?: number; foreignCertificate?: boolean }
  | { probe: 'blob'; container: string; blobName: string; content: string }
  | { probe: 'blobRead'; container: string; blobName: string }
  | { probe: 'workspace'; maxRetries?: number }
  | { probe: 'onlineDeployment'; endpoint: string; authMode: string; deployment: string; deploymentProperties: Record<string, unknown>; traffic?: Record<string, number> }
  | { probe: 'endpointRules'; endpoint: string; deployment: string };

export type ProbeResult = { ok: true; value: any } | { ok: false; error: string };

const connection = JSON.parse(fs.readFileSync(process.env.EMULATOR_CONNECTION!, 'utf8')) as ConnectionInfo;

/** The pipeline's OIDC token, minted as Azure DevOps would (and as the local runner does). */
function pipelineOidcToken(subject: string, lifetimeSeconds = 600): string {
  const { federated } = connection;
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: federated.keyId })}.${encode({ iss: federated.issuer, sub: subject, aud: federated.audience, iat: now, nbf: Math.min(now, now + lifetimeSeconds), exp: now + lifetimeSeconds })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(fs.readFileSync(federated.signingKeyFile, 'utf8')).toString('base64url')}`;
}

/** A certificate the app registration does not know. */
function foreignCertificateFile(): string {
  const keyPem = newRsaKeyPem();
  const file = path.join(os.tmpdir(), `foreign-certificate-${process.pid}.pem`);
  fs.writeFileSync(file, selfSignedCertificate('not-registered', keyPem, false) + keyPem);
  process.once('exit', () => fs.rmSync(file, { force: true }));
  return file;
}

function credential(probe: Extract<Probe, { probe: 'token' }>): TokenCredential {
  const { tenantId } = connection;
  switch (probe.identity) {
    case 'secret':
    case 'reader':
      return new ClientSecretCredential(tenantId, connection[probe.identity].clientId, probe.secret ?? connection[probe.identity].clientSecret);
    case 'certificate':
      return new ClientCertificateCredential(tenantId, connection.certificate.clientId, { certificatePath: probe.foreignCertificate ? foreignCertificateFile() : connection.certificate.certificateFile });
    case 'federated':
      return new ClientAssertionCredential(tenantId, connection.federated.clientId, async () => pipelineOidcToken(probe.subject ?? connection.federated.subject, probe.assertionLifetimeSeconds));
    case 'managedIdentity':
      process.env.IDENTITY_ENDPOINT = connection.managedIdentity.endpoint;
      process.env.IDENTITY_HEADER = connection.managedIdentity.header;
      return probe.clientId ? new ManagedIdentityCredential(probe.clientId) : new ManagedIdentityCredential();
  }
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function token(probe: Extract<Probe, { probe: 'token' }>): Promise<unknown> {
  const result = (await credential(probe).getToken(probe.scope ?? 'https://management.azure.com/.default'))!;
  return { claims: claimsOf(result.token), expiresOnTimestamp: result.expiresOnTimestamp, token: result.token };
}

function blobService(): BlobServiceClient {
  const account = connection.storageAccountName;
  return new BlobServiceClient(`https://${account}.blob.core.windows.net`, new StorageSharedKeyCredential(account, process.env.STORAGE_ACCOUNT_KEY!));
}

async function blob(probe: Extract<Probe, { probe: 'blob' }>): Promise<unknown> {
  const container = blobService().getContainerClient(probe.container);
  await container.createIfNotExists();
  await container.getBlockBlobClient(probe.blobName).upload(probe.content, Buffer.byteLength(probe.content));
  const listed: string[] = [];
  for await (const item of container.listBlobsFlat()) listed.push(item.name);
  return { listed, downloaded: await blobRead({ probe: 'blobRead', container: probe.container, blobName: probe.blobName }) };
}

async function blobRead(probe: Extract<Probe, { probe: 'blobRead' }>): Promise<string> {
  return (await blobService().getContainerClient(probe.container).getBlobClient(probe.blobName).downloadToBuffer()).toString('utf8');
}

async function workspace(probe: Extract<Probe, { probe: 'workspace' }>): Promise<unknown> {
  const client = new AzureMachineLearningWorkspaces(new ClientSecretCredential(connection.tenantId, connection.secret.clientId, connection.secret.clientSecret), connection.subscriptionId, {
    retryOptions: { maxRetries: probe.maxRetries ?? 3 },
  });
  const ws = await client.workspaces.get(connection.resourceGroupName, connection.workspaceName);
  return { name: ws.name, location: ws.location };
}

/** An endpoint and a deployment created with the SDK's pollers, traffic set, then keys or token and the deployment's logs. */
async function onlineDeployment(probe: Extract<Probe, { probe: 'onlineDeployment' }>): Promise<unknown> {
  const client = new AzureMachineLearningWorkspaces(new ClientSecretCredential(connection.tenantId, connection.secret.clientId, connection.secret.clientSecret), connection.subscriptionId, { updateIntervalInMs: 200 } as object);
  const { resourceGroupName: rg, workspaceName: ws, location } = connection;
  const endpoint = { location, properties: { authMode: probe.authMode } };
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, probe.endpoint, endpoint, { updateIntervalInMs: 200 });
  let provisioningState: string | undefined;
  try {
    const deployment = await client.onlineDeployments.beginCreateOrUpdateAndWait(rg, ws, probe.endpoint, probe.deployment, { location, sku: { name: 'Default', capacity: 1 }, properties: probe.deploymentProperties as never }, { updateIntervalInMs: 200 });
    provisioningState = deployment.properties.provisioningState;
  } catch (e) {
    provisioningState = `error: ${(e as Error).message}`;
  }
  if (probe.traffic) await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, probe.endpoint, { ...endpoint, properties: { ...endpoint.properties, traffic: probe.traffic } }, { updateIntervalInMs: 200 });
  const got = await client.onlineEndpoints.get(rg, ws, probe.endpoint);
  const credentials = probe.authMode === 'Key' ? await client.onlineEndpoints.listKeys(rg, ws, probe.endpoint) : await client.onlineEndpoints.getToken(rg, ws, probe.endpoint);
  const logs = await client.onlineDeployments.getLogs(rg, ws, probe.endpoint, probe.deployment, { containerType: 'InferenceServer' });
  const storageLogs = await client.onlineDeployments.getLogs(rg, ws, probe.endpoint, probe.deployment, { containerType: 'StorageInitializer' });
  return { provisioningState, scoringUri: got.properties.scoringUri, swaggerUri: got.properties.swaggerUri, credentials, logs: logs.content, storageLogs: storageLogs.content };
}

/** Azure ML's endpoint rules as the SDK meets them: each refused request's status, code and message. */
async function endpointRules(probe: Extract<Probe, { probe: 'endpointRules' }>): Promise<unknown> {
  const client = new AzureMachineLearningWorkspaces(new ClientSecretCredential(connection.tenantId, connection.secret.clientId, connection.secret.clientSecret), connection.subscriptionId);
  const { resourceGroupName: rg, workspaceName: ws, location } = connection;
  const refusal = async (attempt: () => Promise<unknown>) => {
    try {
      await attempt();
      return 'accepted';
    } catch (e) {
      const error = e as { statusCode?: number; code?: string; message: string };
      return { statusCode: error.statusCode, code: error.code, message: error.message };
    }
  };
  const endpoint = (traffic: Record<string, number>) => ({ location, properties: { authMode: 'Key', traffic } });
  const poll = { updateIntervalInMs: 200 };
  return {
    badName: await refusal(() => client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, '9-lives', endpoint({}), poll)),
    trafficSum: await refusal(() => client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, probe.endpoint, endpoint({ [probe.deployment]: 60 }), poll)),
    missingDeployment: await refusal(() => client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, probe.endpoint, endpoint({ [probe.deployment]: 50, ghost: 50 }), poll)),
    wrongKind: await refusal(() =>
      client.onlineDeployments.beginCreateOrUpdateAndWait(rg, ws, probe.endpoint, 'kube', { location, properties: { endpointComputeType: 'Kubernetes', instanceType: 'defaultinstancetype' } as never }, poll),
    ),
    deleteWithTraffic: await refusal(() => client.onlineDeployments.beginDeleteAndWait(rg, ws, probe.endpoint, probe.deployment, poll)),
  };
}

async function run(probe: Probe): Promise<ProbeResult> {
  try {
    switch (probe.probe) {
      case 'token':
        return { ok: true, value: await token(probe) };
      case 'blob':
        return { ok: true, value: await blob(probe) };
      case 'blobRead':
        return { ok: true, value: await blobRead(probe) };
      case 'workspace':
        return { ok: true, value: await workspace(probe) };
      case 'onlineDeployment':
        return { ok: true, value: await onlineDeployment(probe) };
      case 'endpointRules':
        return { ok: true, value: await endpointRules(probe) };
    }
  } catch (e) {
    return { ok: false, error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

async function main(): Promise<void> {
  const probes = JSON.parse(process.argv[2]) as Probe[];
  const results: ProbeResult[] = [];
  for (const probe of probes) results.push(await run(probe));
  process.stdout.write(JSON.stringify(results));
}

void main();
