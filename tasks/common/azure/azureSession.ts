// From an azureSubscription input to a ready ArmContext: network settings, service connection, cloud,
// credential. Later tasks start here.
import type { ArmContext } from "./arm";
import type { Cancellation } from "../platform/cancellation";
import { resolveCloud } from "./clouds";
import { createConnectionCredential } from "./credentials";
import { createHttpClient, readNetworkSettings } from "./network";
import { userAgent } from "../platform/product";
import { readServiceConnection, type ServiceConnection } from "./serviceConnection";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";

export interface AzureSession extends ArmContext {
  connection: ServiceConnection;
  /** The connection's tenant (the studio URL and error messages name it). */
  tenantId?: string;
  /** How the task authenticates, for the log. */
  identityDescription: string;
  /** Removes what the session wrote to disk (certificate file); also runs on cancellation and process exit. */
  dispose(): void;
}

export interface ConnectOptions {
  taskName: string;
  taskVersion: string;
  cancellation: Cancellation;
}

/** Connects as the service connection whose id a connectedService:AzureRM input holds. */
export async function connectAzure(host: TaskHost, connectionId: string, options: ConnectOptions): Promise<AzureSession> {
  const connection = readServiceConnection(host, connectionId);
  if (!connection.subscriptionId) {
    throw new UserError(`The Azure service connection '${connectionId}' is not scoped to a subscription (scope level: ${connection.scopeLevel ?? "unknown"}). Use a connection with scope level Subscription or Machine Learning Workspace.`);
  }
  const httpClient = createHttpClient(readNetworkSettings(host));
  const cloud = await resolveCloud(connection.cloud, httpClient, options.cancellation.signal);
  const { credential, description, dispose } = createConnectionCredential(connection.auth, {
    host,
    cloud,
    httpClient,
    tempDirectory: host.getVariable("Agent.TempDirectory"),
  });
  // The certificate file must go even when the agent cancels the task.
  options.cancellation.onCancel(dispose);
  return {
    connection,
    tenantId: connection.tenantId,
    identityDescription: description,
    cloud,
    credential,
    subscriptionId: connection.subscriptionId,
    httpClient,
    userAgent: userAgent(options.taskName, options.taskVersion, host.getEnvironmentVariable("AZURE_HTTP_USER_AGENT")),
    signal: options.cancellation.signal,
    debug: (message) => host.debug(message),
    dispose,
  };
}
