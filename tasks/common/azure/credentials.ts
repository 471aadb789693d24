// Turns a service connection into an @azure/identity TokenCredential, one credential type per scheme.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import {
  AuthenticationError,
  AzurePipelinesCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredentialOptions,
} from "@azure/identity";
import type { CloudEndpoints } from "./clouds";
import type { ConnectionAuth } from "./serviceConnection";
import { maskSecret } from "../platform/secrets";
import type { TaskHost } from "../platform/taskHost";
import { UserError } from "../platform/userError";

/** Constructors behind a seam so unit tests can observe what each scheme builds. */
export const identityConstructors = {
  clientSecret: (tenantId: string, clientId: string, secret: string, options: TokenCredentialOptions): TokenCredential => new ClientSecretCredential(tenantId, clientId, secret, options),
  clientCertificate: (tenantId: string, clientId: string, certificatePath: string, options: TokenCredentialOptions): TokenCredential => new ClientCertificateCredential(tenantId, clientId, certificatePath, options),
  managedIdentity: (clientId: string | undefined, options: TokenCredentialOptions): TokenCredential => (clientId ? new ManagedIdentityCredential({ ...options, clientId }) : new ManagedIdentityCredential(options)),
  azurePipelines: (tenantId: string, clientId: string, serviceConnectionId: string, systemAccessToken: string, options: TokenCredentialOptions): TokenCredential =>
    new AzurePipelinesCredential(tenantId, clientId, serviceConnectionId, systemAccessToken, options),
};

export interface ConnectionCredential {
  credential: TokenCredential;
  /** Human description for logs, e.g. "service principal 1234… (secret)". */
  description: string;
  /** Removes anything written to disk (the certificate file). Idempotent. */
  dispose(): void;
}

const tokenFields = ["access_token", "refresh_token", "id_token", "oidcToken"];

/**
 * Masks every token an identity endpoint returns (Entra ID, managed identity, the Azure Pipelines OIDC endpoint)
 * the moment it arrives, before any SDK logger could print it.
 */
export function maskingTokenResponses(inner: HttpClient, host: TaskHost): HttpClient {
  return {
    async sendRequest(request) {
      const response = await inner.sendRequest(request);
      const text = response.bodyAsText;
      if (text && tokenFields.some((field) => text.includes(field))) {
        try {
          const body = JSON.parse(text) as Record<string, unknown>;
          for (const field of tokenFields) {
            if (typeof body[field] === "string") {
              maskSecret(host, body[field] as string);
            }
          }
        } catch {
          // Not JSON: nothing token-shaped to mask.
        }
      }
      return response;
    },
  };
}

/** The useful part of a sign-in failure: Entra's AADSTS description rather than MSAL's wrapper text. */
function signInFailureReason(error: unknown): string {
  if (error instanceof AuthenticationError && error.errorResponse?.errorDescription) {
    return error.errorResponse.errorDescription.split(/\r?\n/)[0];
  }
  const message = error instanceof Error ? error.message : String(error);
  return /AADSTS\d+:[^\r\n]*?(?= - Correlation ID|$)/m.exec(message)?.[0].replace(/ - Timestamp:.*$/, "") ?? message;
}

// MSAL's codes when the login host cannot be reached (the cause is not kept), and Node's socket errors as
// the managed identity and OIDC requests report them.
const NETWORK_FAILURE = /\b(network_error|endpoints_resolution_error|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|REQUEST_SEND_ERROR|socket hang up)\b/;

/** True when the request never got an answer from the login host, as opposed to a rejected credential. */
function isNetworkFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (NETWORK_FAILURE.test(`${String(code ?? "")} ${String(message ?? e)}`)) return true;
  }
  return false;
}

/** Turns sign-in failures into one actionable message naming the identity and the authority. */
export function explainSignInFailures(credential: TokenCredential, description: string, authorityHost: string, hint: string): TokenCredential {
  return {
    async getToken(scopes, options) {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        if (options?.abortSignal?.aborted) {
          throw error;
        }
        if (isNetworkFailure(error)) {
          throw new UserError(
            `Cannot reach the Azure sign-in endpoint ${authorityHost} for ${description}: ${signInFailureReason(error)}\n` +
              "The credentials were not checked. Make sure the agent can reach that host: its proxy settings (Agent.ProxyUrl), firewall and DNS.",
          );
        }
        throw new UserError(`Azure sign-in failed for ${description} at ${authorityHost}: ${signInFailureReason(error)}\n${hint}`);
      }
    },
  };
}

/** Writes the certificate PEM to a file only this user can read, in the agent's temp directory. */
function writePrivatePemFile(pem: string, tempDirectory: string): string {
  const file = path.join(tempDirectory, `azureml-spn-${randomBytes(8).toString("hex")}.pem`);
  fs.writeFileSync(file, pem, { mode: 0o600, flag: "wx" });
  return file;
}

function removeFile(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Best effort: the agent cleans Agent.TempDirectory after the job as well.
  }
}

export interface CredentialOptions {
  host: TaskHost;
  cloud: CloudEndpoints;
  httpClient: HttpClient;
  /** Agent.TempDirectory; the OS temp directory when absent (local runs). */
  tempDirectory?: string;
}

export function createConnectionCredential(auth: ConnectionAuth, options: CredentialOptions): ConnectionCredential {
  const built = buildCredential(auth, options);
  return { ...built, credential: explainSignInFailures(built.credential, built.description, options.cloud.authorityHost, signInHints[auth.kind]) };
}

const signInHints: Record<ConnectionAuth["kind"], string> = {
  ServicePrincipalSecret: "Check the service connection (Project settings > Service connections > Verify): tenant, client id, and that the secret has not expired.",
  ServicePrincipalCertificate: "Check the service connection (Project settings > Service connections > Verify): tenant, client id, and that the certificate is registered on the app and has not expired.",
  ManagedIdentity: "Check that the agent runs on an Azure VM or scale set with this managed identity assigned, and that the identity endpoint is reachable from the agent.",
  WorkloadIdentityFederation: "Check the app registration's federated credential: its issuer and subject must match the service connection (Project settings > Service connections).",
};

function buildCredential(auth: ConnectionAuth, options: CredentialOptions): ConnectionCredential {
  const { cloud, host } = options;
  const identityOptions: TokenCredentialOptions & { disableInstanceDiscovery?: boolean } = {
    authorityHost: cloud.authorityHost,
    httpClient: maskingTokenResponses(options.httpClient, host),
    // MSAL asks the public cloud to validate unknown authorities; custom clouds and AD FS must not.
    disableInstanceDiscovery: cloud.isCustom,
  };
  const tenantOf = (tenantId: string): string => (cloud.isAdfs ? "adfs" : tenantId);
  const noCleanup = (): void => undefined;
  switch (auth.kind) {
    case "ServicePrincipalSecret":
      return {
        credential: identityConstructors.clientSecret(tenantOf(auth.tenantId), auth.clientId, auth.clientSecret, identityOptions),
        description: `service principal ${auth.clientId} (client secret)`,
        dispose: noCleanup,
      };
    case "ServicePrincipalCertificate": {
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(auth.certificatePem)) {
        throw new UserError("The service connection's certificate has no private key. Upload a PEM file that contains both the certificate and its private key.");
      }
      const file = writePrivatePemFile(auth.certificatePem, options.tempDirectory ?? os.tmpdir());
      const onExit = (): void => removeFile(file);
      process.once("exit", onExit);
      return {
        credential: identityConstructors.clientCertificate(tenantOf(auth.tenantId), auth.clientId, file, identityOptions),
        description: `service principal ${auth.clientId} (certificate)`,
        dispose: () => {
          process.removeListener("exit", onExit);
          removeFile(file);
        },
      };
    }
    case "ManagedIdentity":
      return {
        credential: identityConstructors.managedIdentity(auth.clientId, identityOptions),
        description: auth.clientId ? `user-assigned managed identity ${auth.clientId}` : "the agent's system-assigned managed identity",
        dispose: noCleanup,
      };
    case "WorkloadIdentityFederation":
      // AzurePipelinesCredential reads the OIDC endpoint from the environment; the agent exports it as
      // SYSTEM_OIDCREQUESTURI, but a host may only know it as a variable.
      if (!host.getEnvironmentVariable("SYSTEM_OIDCREQUESTURI")) host.setEnvironmentVariable("SYSTEM_OIDCREQUESTURI", auth.oidcRequestUri);
      return {
        credential: identityConstructors.azurePipelines(tenantOf(auth.tenantId), auth.clientId, auth.serviceConnectionId, auth.systemAccessToken, identityOptions),
        description: `workload identity federation, service principal ${auth.clientId}`,
        dispose: noCleanup,
      };
  }
}
