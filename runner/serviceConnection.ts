// The AzureRM service connection the runner hands to tasks, in the exact shape the agent puts in
// a task's environment (Handler.AddEndpointsToEnvironment) and task-lib/azure-arm-rest read back:
// ENDPOINT_URL_<id>, ENDPOINT_AUTH_<id> ({"parameters":{...},"scheme":...}),
// ENDPOINT_AUTH_SCHEME_<id>, ENDPOINT_AUTH_PARAMETER_<id>_<KEY>, ENDPOINT_DATA_<id>[_<KEY>].
// The target is the emulator (connection.json) or real Azure (a service principal from env).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { ConnectionInfo } from '../emulator/src/index';
import { UserError } from './errors';
import { envName } from './variables';

/** connection.json, as the emulator writes it (its programmatic API's type; a type-only import). */
export type EmulatorConnection = ConnectionInfo;

export const AUTH_CHOICES = ['secret', 'certificate', 'federated', 'managedIdentity', 'imds', 'imdsUserAssigned', 'reader'] as const;
export type AuthChoice = (typeof AUTH_CHOICES)[number];

export interface FederationIssuer {
  issuer: string;
  subject: string;
  audience: string;
  signingKeyPem: string;
  keyId: string;
}

/** Where tasks are sent and as whom. */
export interface AzureTarget {
  kind: 'emulator' | 'azure';
  auth: AuthChoice;
  tenantId: string;
  subscriptionId: string;
  subscriptionName: string;
  /** For the YAML's variables and the report: the emulator's seeded names. */
  resourceGroupName?: string;
  workspaceName?: string;
  scheme: 'ServicePrincipal' | 'ManagedServiceIdentity' | 'WorkloadIdentityFederation';
  authParameters: Record<string, string>;
  /** Values that are secrets wherever they appear. */
  secrets: string[];
  /** The emulator's loopback proxy and CA; none for real Azure. */
  proxy?: { url: string; caCertFile: string };
  /** The machine's own environment, e.g. the managed identity endpoint of the agent's host. */
  machineEnvironment: Record<string, string>;
  /** Data keys of the service connection beyond the cloud's, e.g. a user-assigned identity's msiclientId. */
  endpointData?: Record<string, string>;
  federation?: FederationIssuer;
}

export interface ServiceEndpoint {
  id: string;
  name: string;
  url: string;
  scheme: AzureTarget['scheme'];
  parameters: Record<string, string>;
  data: Record<string, string>;
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export function readConnectionFile(file: string): EmulatorConnection {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(file, 'the connection file'));
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`--connection ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const c = parsed as Partial<EmulatorConnection>;
  const missing = ['proxyUrl', 'caCertFile', 'tenantId', 'subscriptionId', 'secret'].filter((k) => !(k in (c ?? {})));
  if (missing.length) throw new UserError(`--connection ${file} is not an emulator connection file: missing ${missing.join(', ')}`);
  return c as EmulatorConnection;
}

export function emulatorTarget(connection: EmulatorConnection, auth: AuthChoice): AzureTarget {
  const identity = (key: Exclude<AuthChoice, 'imds' | 'imdsUserAssigned'> | 'imds') => {
    const value = connection[key];
    if (!value) throw new UserError(`the emulator connection has no '${key}' identity for --auth ${key}`);
    return value;
  };
  const base = {
    kind: 'emulator' as const,
    auth,
    tenantId: connection.tenantId,
    subscriptionId: connection.subscriptionId,
    subscriptionName: 'Azure ML emulator',
    resourceGroupName: connection.resourceGroupName,
    workspaceName: connection.workspaceName,
    proxy: { url: connection.proxyUrl, caCertFile: connection.caCertFile },
    machineEnvironment: {},
  };
  switch (auth) {
    case 'secret':
    case 'reader': {
      const id = identity(auth) as EmulatorConnection['secret'];
      return {
        ...base,
        scheme: 'ServicePrincipal',
        authParameters: { authenticationType: 'spnKey', serviceprincipalid: id.clientId, serviceprincipalkey: id.clientSecret, tenantid: connection.tenantId },
        secrets: [id.clientSecret],
      };
    }
    case 'certificate': {
      const id = identity(auth) as EmulatorConnection['certificate'];
      const pem = readText(id.certificateFile, 'the certificate identity file');
      return {
        ...base,
        scheme: 'ServicePrincipal',
        authParameters: { authenticationType: 'spnCertificate', serviceprincipalid: id.clientId, servicePrincipalCertificate: pem, tenantid: connection.tenantId },
        // The PEM spans lines; mask the private key's base64 lines one by one.
        secrets: privateKeyLines(pem),
      };
    }
    case 'federated': {
      const id = identity(auth) as EmulatorConnection['federated'];
      return {
        ...base,
        scheme: 'WorkloadIdentityFederation',
        authParameters: { serviceprincipalid: id.clientId, tenantid: connection.tenantId, workloadIdentityFederationIssuer: id.issuer, workloadIdentityFederationSubject: id.subject },
        secrets: [],
        federation: { issuer: id.issuer, subject: id.subject, audience: id.audience, keyId: id.keyId, signingKeyPem: readText(id.signingKeyFile, 'the federation signing key') },
      };
    }
    case 'managedIdentity': {
      const id = identity(auth) as EmulatorConnection['managedIdentity'];
      return {
        ...base,
        scheme: 'ManagedServiceIdentity',
        authParameters: { tenantid: connection.tenantId },
        secrets: [id.header],
        machineEnvironment: { IDENTITY_ENDPOINT: id.endpoint, IDENTITY_HEADER: id.header },
      };
    }
    case 'imds':
    case 'imdsUserAssigned': {
      // An agent on an Azure VM or scale set: no identity variables, IMDS at 169.254.169.254, which the
      // emulator stands in for on loopback (@azure/identity reads AZURE_POD_IDENTITY_AUTHORITY_HOST).
      const vm = identity('imds') as EmulatorConnection['imds'];
      return {
        ...base,
        scheme: 'ManagedServiceIdentity',
        authParameters: { tenantid: connection.tenantId },
        secrets: [],
        machineEnvironment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: vm.authorityHost },
        endpointData: auth === 'imdsUserAssigned' ? { msiclientId: vm.userAssigned.clientId } : undefined,
      };
    }
  }
}

function privateKeyLines(pem: string): string[] {
  const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END [A-Z ]*PRIVATE KEY-----/.exec(pem);
  return key ? key[1].split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 16) : [];
}

/** --azure: a service principal with a secret, from the same variables @azure/identity's EnvironmentCredential reads. */
export function azureTargetFromEnvironment(env: NodeJS.ProcessEnv, auth: AuthChoice): AzureTarget {
  if (auth !== 'secret') throw new UserError(`--azure supports --auth secret only (a service principal from AZURE_CLIENT_ID/AZURE_CLIENT_SECRET), not '${auth}'`);
  const names = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_SUBSCRIPTION_ID'];
  const missing = names.filter((n) => !env[n]);
  if (missing.length) throw new UserError(`--azure needs ${missing.join(', ')} in the environment`);
  return {
    kind: 'azure',
    auth,
    tenantId: env.AZURE_TENANT_ID!,
    subscriptionId: env.AZURE_SUBSCRIPTION_ID!,
    subscriptionName: env.AZURE_SUBSCRIPTION_NAME ?? env.AZURE_SUBSCRIPTION_ID!,
    scheme: 'ServicePrincipal',
    authParameters: { authenticationType: 'spnKey', serviceprincipalid: env.AZURE_CLIENT_ID!, serviceprincipalkey: env.AZURE_CLIENT_SECRET!, tenantid: env.AZURE_TENANT_ID! },
    secrets: [env.AZURE_CLIENT_SECRET!],
    machineEnvironment: {},
  };
}

/** A stable GUID per connection name, as Azure DevOps gives every service connection one. */
export function endpointIdFor(name: string): string {
  const h = createHash('sha1').update(`service-connection:${name.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The AzureRM endpoint for a connection name used in the YAML, targeting the runner's Azure. */
export function azureRmEndpoint(name: string, target: AzureTarget): ServiceEndpoint {
  return {
    id: endpointIdFor(name),
    name,
    url: 'https://management.azure.com/',
    scheme: target.scheme,
    parameters: { ...target.authParameters },
    // Data keys an AzureRM connection to the public cloud carries (read by azure-arm-rest).
    data: {
      environment: 'AzureCloud',
      scopeLevel: 'Subscription',
      subscriptionId: target.subscriptionId,
      subscriptionName: target.subscriptionName,
      creationMode: 'Manual',
      activeDirectoryAuthority: 'https://login.microsoftonline.com/',
      environmentAuthorityUrl: 'https://login.windows.net/',
      resourceManagerUrl: 'https://management.azure.com/',
      activeDirectoryServiceEndpointResourceId: 'https://management.core.windows.net/',
      graphUrl: 'https://graph.windows.net/',
      microsoftGraphUrl: 'https://graph.microsoft.com/',
      galleryUrl: 'https://gallery.azure.com/',
      managementPortalUrl: 'https://portal.azure.com/',
      serviceManagementUrl: 'https://management.core.windows.net/',
      AzureKeyVaultDnsSuffix: 'vault.azure.net',
      AzureKeyVaultServiceEndpointResourceId: 'https://vault.azure.net',
      StorageEndpointSuffix: 'core.windows.net',
      EnableAdfsAuthentication: 'false',
      ...target.endpointData,
    },
  };
}

/** The environment variables for one endpoint, keyed by its id. */
export function endpointEnvironment(endpoint: ServiceEndpoint): Record<string, string> {
  const id = endpoint.id;
  const env: Record<string, string> = {
    [`ENDPOINT_URL_${id}`]: endpoint.url,
    [`ENDPOINT_AUTH_${id}`]: JSON.stringify({ parameters: endpoint.parameters, scheme: endpoint.scheme }),
    [`ENDPOINT_AUTH_SCHEME_${id}`]: endpoint.scheme,
    [`ENDPOINT_DATA_${id}`]: JSON.stringify(endpoint.data),
  };
  for (const [k, v] of Object.entries(endpoint.parameters)) env[`ENDPOINT_AUTH_PARAMETER_${id}_${envName(k)}`] = v;
  for (const [k, v] of Object.entries(endpoint.data)) env[`ENDPOINT_DATA_${id}_${envName(k)}`] = v;
  return env;
}

/** The job's connection back to "Azure DevOps" (System.AccessToken as an OAuth endpoint). */
export function systemVssConnectionEnvironment(collectionUri: string, accessToken: string): Record<string, string> {
  return {
    ENDPOINT_URL_SYSTEMVSSCONNECTION: collectionUri,
    ENDPOINT_AUTH_SYSTEMVSSCONNECTION: JSON.stringify({ parameters: { AccessToken: accessToken }, scheme: 'OAuth' }),
    ENDPOINT_AUTH_SCHEME_SYSTEMVSSCONNECTION: 'OAuth',
    ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN: accessToken,
  };
}

/** Service connections by the names the YAML uses, each an AzureRM endpoint to the runner's target. */
export class EndpointRegistry {
  private readonly byName = new Map<string, ServiceEndpoint>();

  constructor(
    private readonly target: AzureTarget,
    private readonly onFederated: (endpointId: string) => void,
  ) {}

  resolve(nameOrId: string): ServiceEndpoint {
    const existing = [...this.byName.values()].find((e) => e.id === nameOrId.toLowerCase()) ?? this.byName.get(nameOrId.toLowerCase());
    if (existing) return existing;
    const endpoint = azureRmEndpoint(nameOrId, this.target);
    this.byName.set(nameOrId.toLowerCase(), endpoint);
    if (endpoint.scheme === 'WorkloadIdentityFederation') this.onFederated(endpoint.id);
    return endpoint;
  }
}
