// The seams between the emulator's parts. The infrastructure (CA, proxy, TLS hosts, Entra ID,
// Azurite, admin API, fault injection, persistence) implements these; the service handlers
// (ARM for Microsoft.MachineLearningServices, the <region>.api.azureml.ms data plane) consume them.
// Nothing here is shared with tasks/: the emulator is Azure, not a mirror of our client.
import type { IncomingHttpHeaders } from 'node:http';

/** One HTTPS request as a host received it, body already read. */
export interface HostRequest {
  method: string;
  /** Absolute URL as the client addressed it: https://<host><path>?<query>. */
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The x-ms-request-id this request's response carries (the infrastructure sets the header). */
  requestId: string;
}

export interface HostResponse {
  status: number;
  headers?: Record<string, string>;
  /** A Buffer is sent as is; anything else is sent as JSON (application/json; charset=utf-8). */
  body?: unknown;
}

export type HostHandler = (req: HostRequest) => Promise<HostResponse>;

/** Who called, from a verified Entra ID access token. */
export interface Principal {
  /** Object id of the service principal or managed identity (the `oid` claim). */
  objectId: string;
  /** Application (client) id (the `appid` claim). */
  appId: string;
  tenantId: string;
  /** The token's `aud` claim. */
  audience: string;
}

export type TokenCheck =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401; code: 'AuthenticationFailed' | 'InvalidAuthenticationToken' | 'ExpiredAuthenticationToken' | 'InvalidAuthenticationTokenAudience'; message: string; wwwAuthenticate: string };

export interface TokenVerifier {
  /**
   * Checks an Authorization header value ("Bearer <jwt>"): signature by the emulator's Entra ID,
   * expiry, and that the audience is one of `audiences` (compared without trailing slash).
   */
  verify(authorization: string | undefined, audiences: string[]): TokenCheck;
}

export type BuiltInRole = 'Owner' | 'Contributor' | 'Reader' | 'AzureML Data Scientist';

export interface RoleAssignment {
  principalId: string;
  role: BuiltInRole;
  /** ARM scope, e.g. /subscriptions/<id> or /subscriptions/<id>/resourceGroups/<rg>. */
  scope: string;
}

/** A small document store persisted in the state directory (survives restarts with --state-dir). */
export interface Store {
  get<T>(collection: string, key: string): T | undefined;
  put<T>(collection: string, key: string, value: T): void;
  delete(collection: string, key: string): boolean;
  list<T>(collection: string): Array<{ key: string; value: T }>;
}

/** Faults whose effect is semantic, applied by the service handlers rather than the transport. */
export type SemanticFaultKind = 'lroFailed' | 'computeStuckResizing' | 'deploymentUnhealthy' | 'jobPaused' | ScoringFaultKind;

/** Faults on a served deployment's scoring: a share of requests answered with a 5xx, or added latency. */
export type ScoringFaultKind = 'deploymentErrors' | 'deploymentLatency';

export interface FaultRegistry {
  /**
   * Consumes one use of a semantic fault matching method and path (path pattern rules are the
   * admin API's), returning true when one applied. The infrastructure logs the hit.
   */
  takeSemantic(kind: SemanticFaultKind, method: string, path: string): boolean;
  /**
   * Whether a fault that holds a resource in a state (computeStuckResizing) applies to the resource
   * whose id path is `resourcePath`, its pattern being matched against that path. A fault with a
   * method holds from the first request with that method on (pass `method` for requests, none for
   * internal checks); `observe` counts one use of a count-bound fault (a client reading the state).
   */
  holds(kind: SemanticFaultKind, resourcePath: string, method: string | undefined, observe: boolean): boolean;
}

/** Fixed facts about this emulated cloud, written to connection.json. */
export interface CloudFacts {
  tenantId: string;
  subscriptionId: string;
  resourceGroupName: string;
  workspaceName: string;
  location: string;
  /** Storage account behind workspaceblobstore (served by Azurite). */
  storageAccountName: string;
  storageAccountKey: string;
  /** Every workspace of the emulated cloud, the default one (above) first; absent means the default one only. */
  workspaces?: WorkspaceFacts[];
  /** Azure ML registries of the emulated cloud, each with its own storage account. */
  registries?: RegistryFacts[];
}

/** An Azure ML registry (in the cloud's location) and the storage account holding its assets' files. */
export interface RegistryFacts {
  registryName: string;
  resourceGroupName: string;
  storageAccountName: string;
  storageAccountKey: string;
}

/** A workspace of the emulated cloud and the storage account behind its datastores. */
export interface WorkspaceFacts {
  workspaceName: string;
  resourceGroupName: string;
  storageAccountName: string;
  storageAccountKey: string;
  /** The attached Kubernetes compute and its instance types (the first is the default). */
  kubernetes?: { computeName: string; clusterName: string; instanceTypes: Record<string, { requests: Record<string, string>; limits: Record<string, string> }> };
}

export interface ServiceContext {
  facts: CloudFacts;
  store: Store;
  tokens: TokenVerifier;
  roleAssignments(): RoleAssignment[];
  faults: FaultRegistry;
  /** Milliseconds; injectable so tests can move time. */
  now(): number;
  log(message: string): void;
}
