// Reads an AzureRM service connection the way the agent hands it to a task (ENDPOINT_URL_<id>,
// ENDPOINT_AUTH_<id>, ENDPOINT_DATA_<id>_<KEY>), masking every secret before anything could print it.
import type { ConnectionCloudData } from "./clouds";
import { maskSecret } from "../platform/secrets";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";

export type ConnectionAuth =
  | { kind: "ServicePrincipalSecret"; tenantId: string; clientId: string; clientSecret: string }
  | { kind: "ServicePrincipalCertificate"; tenantId: string; clientId: string; certificatePem: string }
  | { kind: "ManagedIdentity"; tenantId?: string; clientId?: string }
  | { kind: "WorkloadIdentityFederation"; tenantId: string; clientId: string; serviceConnectionId: string; systemAccessToken: string; oidcRequestUri: string };

export interface ServiceConnection {
  id: string;
  subscriptionId?: string;
  subscriptionName?: string;
  tenantId?: string;
  scopeLevel?: string;
  cloud: ConnectionCloudData;
  auth: ConnectionAuth;
}

function requireParameter(connectionId: string, value: string | undefined, what: string): string {
  if (!value) {
    throw new UserError(`The Azure service connection '${connectionId}' has no ${what}. Edit the service connection in Project settings > Service connections and verify it.`);
  }
  return value;
}

/** The job's access token, used to request OIDC tokens for workload identity federation. */
function readSystemAccessToken(host: TaskHost): string | undefined {
  return host.getEndpointAuthorization("SYSTEMVSSCONNECTION")?.parameters.AccessToken ?? host.getVariable("System.AccessToken");
}

function readAuth(host: TaskHost, connectionId: string): ConnectionAuth {
  const authorization = host.getEndpointAuthorization(connectionId);
  if (!authorization) {
    throw new UserError(`The Azure service connection '${connectionId}' was not found or hands no authorization to this task. Check the azureSubscription input and that the pipeline is authorized to use the connection.`);
  }
  const parameters = lowerCaseKeys(authorization.parameters);
  const scheme = (authorization.scheme || "ServicePrincipal").toLowerCase();
  const tenantId = parameters.tenantid;
  const clientId = parameters.serviceprincipalid;
  switch (scheme) {
    case "serviceprincipal": {
      if (parameters.authenticationtype?.toLowerCase() === "spncertificate") {
        const certificatePem = requireParameter(connectionId, parameters.serviceprincipalcertificate, "service principal certificate");
        maskSecret(host, certificatePem);
        return { kind: "ServicePrincipalCertificate", tenantId: requireParameter(connectionId, tenantId, "tenant id"), clientId: requireParameter(connectionId, clientId, "service principal id"), certificatePem };
      }
      const clientSecret = requireParameter(connectionId, parameters.serviceprincipalkey, "service principal key");
      maskSecret(host, clientSecret);
      return { kind: "ServicePrincipalSecret", tenantId: requireParameter(connectionId, tenantId, "tenant id"), clientId: requireParameter(connectionId, clientId, "service principal id"), clientSecret };
    }
    case "managedserviceidentity":
      return { kind: "ManagedIdentity", tenantId, clientId: host.getEndpointDataParameter(connectionId, "msiclientId") };
    case "workloadidentityfederation": {
      const systemAccessToken = readSystemAccessToken(host);
      maskSecret(host, systemAccessToken);
      const oidcRequestUri = host.getVariable("System.OidcRequestUri");
      if (!systemAccessToken || !oidcRequestUri) {
        throw new UserError(`The Azure service connection '${connectionId}' uses workload identity federation, but the job has no ${!oidcRequestUri ? "System.OidcRequestUri" : "System.AccessToken"}. Run the task on an agent version that supports workload identity federation (3.227 or later) in Azure Pipelines.`);
      }
      return {
        kind: "WorkloadIdentityFederation",
        tenantId: requireParameter(connectionId, tenantId, "tenant id"),
        clientId: requireParameter(connectionId, clientId, "service principal id"),
        serviceConnectionId: connectionId,
        systemAccessToken,
        oidcRequestUri,
      };
    }
    default:
      throw new UserError(`The Azure service connection '${connectionId}' uses the authentication scheme '${authorization.scheme}', which this task does not support. Use a service principal (secret or certificate), a managed identity or workload identity federation.`);
  }
}

function lowerCaseKeys(record: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}

export function readServiceConnection(host: TaskHost, connectionId: string): ServiceConnection {
  const data = (key: string): string | undefined => host.getEndpointDataParameter(connectionId, key);
  const auth = readAuth(host, connectionId);
  return {
    id: connectionId,
    subscriptionId: data("subscriptionId"),
    subscriptionName: data("subscriptionName"),
    tenantId: auth.tenantId,
    scopeLevel: data("scopeLevel"),
    cloud: {
      environment: data("environment"),
      resourceManagerUrl: host.getEndpointUrl(connectionId) ?? data("resourceManagerUrl") ?? data("environmentUrl"),
      authorityUrl: data("activeDirectoryAuthority") ?? data("environmentAuthorityUrl"),
      armAudience: data("activeDirectoryServiceEndpointResourceId"),
    },
    auth,
  };
}
