// The emulated tenant: its fixed facts, the app registrations and identities (one per auth scheme)
// and the keys Entra ID signs with. Created once per state directory and reloaded on restart so
// secrets, certificates and object ids stay valid across restarts.
import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newRsaKeyPem, selfSignedCertificate } from './ca';
import type { CloudFacts, RoleAssignment } from './contract';
import { readJsonFile } from './store';
import { withEnvironmentWorkspaces, withSharedRegistry } from './workspaceFacts';

export type IdentityName = 'secret' | 'certificate' | 'federated' | 'managedIdentity' | 'userAssigned' | 'reader';

/** An Entra ID service principal (app registration) or managed identity and its credential. */
export interface Identity {
  name: IdentityName;
  displayName: string;
  clientId: string;
  objectId: string;
  clientSecret?: string;
  /** PEM of the registered certificate (public part). */
  certificatePem?: string;
  federatedCredential?: { issuer: string; subject: string; audience: string };
  /** The managed identity endpoint's X-IDENTITY-HEADER secret. */
  identityHeader?: string;
}

/** The pipeline's OIDC issuer (Azure DevOps) the federated credential trusts. */
export interface FederationIssuer {
  issuer: string;
  subject: string;
  audience: string;
  signingKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

export interface Cloud {
  facts: CloudFacts;
  identities: Record<IdentityName, Identity>;
  federation: FederationIssuer;
  /** Entra ID's token signing key. */
  tokenSigning: { keyPem: string; publicKeyPem: string; keyId: string };
  /** Files users hand to clients: the certificate identity's PEM (cert and key), the issuer's key. */
  files: { certificateFile: string; signingKeyFile: string };
}

interface PersistedCloud {
  facts: CloudFacts;
  identities: Record<IdentityName, Identity>;
  federation: Omit<FederationIssuer, 'signingKeyPem' | 'publicKeyPem'>;
  tokenSigning: { keyPem: string; keyId: string };
}

const CLOUD_FILE = 'cloud.json';
const CERTIFICATE_FILE = 'certificate-identity.pem';
const FEDERATION_KEY_FILE = 'federation-signing-key.pem';

function newSecret(): string {
  // Shaped like an Entra client secret value: 40 characters with a '~'.
  return `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(27).toString('base64url').slice(0, 34)}`;
}

function app(name: IdentityName, displayName: string, credential: Partial<Identity>): Identity {
  return { name, displayName, clientId: randomUUID(), objectId: randomUUID(), ...credential };
}

/** The user-assigned identity of the agent's VM (IMDS), beside its system-assigned one (`managedIdentity`). */
function newUserAssignedIdentity(): Identity {
  return app('userAssigned', 'azureml-agent-user-identity', {});
}

function createCloud(stateDir: string): PersistedCloud {
  const tenantId = randomUUID();
  const org = 'contoso';
  const project = 'mlops';
  const connectionName = 'azureml-federated';
  const certificateKeyPem = newRsaKeyPem();
  const certificatePem = selfSignedCertificate('azureml-pipeline-certificate', certificateKeyPem, false, 730);
  fs.writeFileSync(path.join(stateDir, CERTIFICATE_FILE), certificatePem + certificateKeyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(stateDir, FEDERATION_KEY_FILE), newRsaKeyPem(), { mode: 0o600 });
  const federation = {
    issuer: `https://vstoken.dev.azure.com/${randomUUID()}`,
    subject: `sc://${org}/${project}/${connectionName}`,
    audience: 'api://AzureADTokenExchange',
    keyId: randomBytes(20).toString('hex').toUpperCase(),
  };
  return {
    facts: {
      tenantId,
      subscriptionId: randomUUID(),
      resourceGroupName: 'rg-mlops',
      workspaceName: 'mlw-mlops',
      location: 'eastus',
      storageAccountName: 'mlwmlopsstore',
      storageAccountKey: randomBytes(64).toString('base64'),
    },
    identities: {
      secret: app('secret', 'azureml-pipeline-secret', { clientSecret: newSecret() }),
      certificate: app('certificate', 'azureml-pipeline-certificate', { certificatePem }),
      federated: app('federated', 'azureml-pipeline-federated', { federatedCredential: { issuer: federation.issuer, subject: federation.subject, audience: federation.audience } }),
      managedIdentity: app('managedIdentity', 'azureml-agent-identity', { identityHeader: randomUUID() }),
      userAssigned: newUserAssignedIdentity(),
      reader: app('reader', 'azureml-pipeline-reader', { clientSecret: newSecret() }),
    },
    federation,
    tokenSigning: { keyPem: newRsaKeyPem(), keyId: randomBytes(20).toString('base64url') },
  };
}

/** Loads the tenant from `stateDir`, creating it (and its key files) on first start. */
export function loadOrCreateCloud(stateDir: string): Cloud {
  const file = path.join(stateDir, CLOUD_FILE);
  let persisted: PersistedCloud;
  if (fs.existsSync(file)) {
    persisted = readJsonFile<PersistedCloud>(file);
    // State directories from before the user-assigned identity existed gain it, keeping the rest.
    if (!persisted.identities.userAssigned) {
      persisted.identities.userAssigned = newUserAssignedIdentity();
      fs.writeFileSync(file, JSON.stringify(persisted, null, 2), { mode: 0o600 });
    }
  } else {
    persisted = createCloud(stateDir);
  }
  if (!persisted.facts.workspaces || !persisted.facts.registries || !fs.existsSync(file)) {
    // State directories from before the dev and prod workspaces (or the registry) get them on their next start.
    persisted = { ...persisted, facts: withSharedRegistry(withEnvironmentWorkspaces(persisted.facts)) };
    fs.writeFileSync(file, JSON.stringify(persisted, null, 2), { mode: 0o600 });
  }
  const signingKeyFile = path.join(stateDir, FEDERATION_KEY_FILE);
  const signingKeyPem = fs.readFileSync(signingKeyFile, 'utf8');
  const publicPem = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  return {
    facts: persisted.facts,
    identities: persisted.identities,
    federation: { ...persisted.federation, signingKeyPem, publicKeyPem: publicPem(signingKeyPem) },
    tokenSigning: { ...persisted.tokenSigning, publicKeyPem: publicPem(persisted.tokenSigning.keyPem) },
    files: { certificateFile: path.join(stateDir, CERTIFICATE_FILE), signingKeyFile },
  };
}

/** Contributor on the subscription for every pipeline identity; Reader only for `reader`. */
export function roleAssignmentsOf(cloud: Cloud): RoleAssignment[] {
  const scope = `/subscriptions/${cloud.facts.subscriptionId}`;
  return Object.values(cloud.identities).map((identity) => ({ principalId: identity.objectId, role: identity.name === 'reader' ? 'Reader' : 'Contributor', scope }));
}
