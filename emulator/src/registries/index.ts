// Azure ML registries as azure-ai-ml 1.4.0 reaches them (MLClient(registry_name=...)): the registry discovery
// service (GET https://<region>.api.azureml.ms/registrymanagement/v1.0/registries/<name>/discovery, a
// RegistryDiscoveryDto), and the registry's resource provider in its primary region under
// /mferp/managementfrontend (api-version 2021-10-01-dataplanepreview): model versions (GET, list, PUT) and the
// data-reference route that hands out a read SAS for a version's files
// (POST .../registries/<r>/datarefs/<name>/versions/<v>, BlobReferenceSASRequestDto → BlobReferenceSASResponseDto).
// A registry's files live in its own storage account (Azurite), at https://<account>.blob.core.windows.net/
// <container>/<path>, the modelUri form registry versions carry. Access follows Azure RBAC on the registry.
import { BlobServiceClient, ContainerSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { isAuthorized } from '../arm/auth';
import type { HostRequest, HostResponse, Principal, RegistryFacts, ServiceContext } from '../contract';
import { type DataplaneRoute, dataplaneError } from '../dataplane';
import { registriesOf } from '../workspaceFacts';

const API_VERSION = '2021-10-01-dataplanepreview';
const COLLECTION = 'registry.modelVersions';
const SAS_HOURS = 1;
const NAMESPACE = 'Microsoft.MachineLearningServices';

/** The model version every new emulator's mlr-shared holds, and its files (in the registry's storage). */
export const SEEDED_REGISTRY_MODEL = {
  name: 'credit-default',
  version: '1',
  container: 'credit-default-1-6f1c2a9e',
  path: 'credit-default',
  files: {
    'model.json': '{"intercept": -1.2, "coefficients": {"debt_ratio": 2.4, "late_payments": 0.8}}\n',
    'README.md': '# credit-default\nA logistic model shared through the registry mlr-shared.\n',
  } as Record<string, string>,
};

interface RegistryModelVersion {
  id: string;
  name: string;
  type: string;
  properties: Record<string, unknown>;
  systemData: { createdAt: string; createdBy: string; createdByType: string; lastModifiedAt: string; lastModifiedBy: string; lastModifiedByType: string };
}

export function registryArmId(ctx: ServiceContext, registry: RegistryFacts): string {
  return `/subscriptions/${ctx.facts.subscriptionId}/resourceGroups/${registry.resourceGroupName}/providers/${NAMESPACE}/registries/${registry.registryName}`;
}

export function findRegistry(ctx: ServiceContext, name: string): RegistryFacts | undefined {
  return registriesOf(ctx.facts).find((r) => r.registryName.toLowerCase() === name.toLowerCase());
}

const versionKey = (registry: string, name: string, version: string) => `${registry}/${name}/${version}`.toLowerCase();

function systemData(ctx: ServiceContext, who: string) {
  const at = new Date(ctx.now()).toISOString();
  return { createdAt: at, createdBy: who, createdByType: 'Application', lastModifiedAt: at, lastModifiedBy: who, lastModifiedByType: 'Application' };
}

function putVersion(ctx: ServiceContext, registry: RegistryFacts, name: string, version: string, properties: Record<string, unknown>, who: string): RegistryModelVersion {
  const resource: RegistryModelVersion = {
    id: `${registryArmId(ctx, registry)}/models/${name}/versions/${version}`,
    name: version,
    type: `${NAMESPACE}/registries/models/versions`,
    properties: { description: null, tags: {}, properties: {}, isAnonymous: false, isArchived: false, flavors: {}, modelType: 'custom_model', ...properties },
    systemData: systemData(ctx, who),
  };
  ctx.store.put(COLLECTION, versionKey(registry.registryName, name, version), resource);
  return resource;
}

export function readVersion(ctx: ServiceContext, registry: RegistryFacts, name: string, version: string): RegistryModelVersion | undefined {
  return ctx.store.get<RegistryModelVersion>(COLLECTION, versionKey(registry.registryName, name, version));
}

export function listVersions(ctx: ServiceContext, registry: RegistryFacts, name: string): RegistryModelVersion[] {
  const prefix = `${registry.registryName}/${name}/`.toLowerCase();
  return ctx.store.list<RegistryModelVersion>(COLLECTION).filter(({ key }) => key.startsWith(prefix)).map(({ value }) => value);
}

/** Creates a version (files in the registry's storage account; versions are immutable), or says why not. */
export function createVersion(ctx: ServiceContext, registry: RegistryFacts, name: string, version: string, body: Record<string, any> | undefined, principal: Principal): { version: RegistryModelVersion } | { refused: { status: number; code: string; message: string } } {
  const modelUri = body?.properties?.modelUri;
  if (typeof modelUri !== 'string' || !modelUri.startsWith(`https://${registry.storageAccountName}.blob.core.windows.net/`)) {
    return { refused: { status: 400, code: 'ValidationError', message: `properties.modelUri must be a blob URL in the registry's storage account (https://${registry.storageAccountName}.blob.core.windows.net/<container>/<path>).` } };
  }
  if (readVersion(ctx, registry, name, version)) {
    return { refused: { status: 409, code: 'Conflict', message: `Model ${name}:${version} already exists in registry ${registry.registryName}; registry versions are immutable.` } };
  }
  return { version: putVersion(ctx, registry, name, version, body!.properties, principal.appId) };
}

/** Seeds the registries' model versions a store lacks (the files are written by writeRegistryFiles). */
export function seedRegistries(ctx: ServiceContext): void {
  for (const registry of registriesOf(ctx.facts)) {
    const seeded = SEEDED_REGISTRY_MODEL;
    if (ctx.store.get(COLLECTION, versionKey(registry.registryName, seeded.name, seeded.version))) continue;
    putVersion(ctx, registry, seeded.name, seeded.version, {
      description: 'Credit default model shared by the platform team.',
      tags: { owner: 'platform', domain: 'credit' },
      properties: { framework: 'python-stdlib', trainingData: 'credit-2026-q3' },
      modelUri: `https://${registry.storageAccountName}.blob.core.windows.net/${seeded.container}/${seeded.path}`,
    }, 'emulator');
  }
}

/** Writes the seeded versions' files into each registry's storage account (Azurite, on loopback). */
export async function writeRegistryFiles(ctx: ServiceContext, blobPort: number): Promise<void> {
  for (const registry of registriesOf(ctx.facts)) {
    const service = new BlobServiceClient(`http://127.0.0.1:${blobPort}/${registry.storageAccountName}`, new StorageSharedKeyCredential(registry.storageAccountName, registry.storageAccountKey));
    const container = service.getContainerClient(SEEDED_REGISTRY_MODEL.container);
    await container.createIfNotExists();
    for (const [file, text] of Object.entries(SEEDED_REGISTRY_MODEL.files)) {
      await container.getBlockBlobClient(`${SEEDED_REGISTRY_MODEL.path}/${file}`).upload(text, Buffer.byteLength(text));
    }
  }
}

function discoveryDto(ctx: ServiceContext, registry: RegistryFacts) {
  const region = ctx.facts.location;
  return {
    registryName: registry.registryName,
    tenantId: ctx.facts.tenantId,
    primaryRegion: region,
    regions: [region],
    subscriptionId: ctx.facts.subscriptionId,
    resourceGroup: registry.resourceGroupName,
    workspaceName: null,
    primaryRegionResourceProviderUri: `https://${region}.api.azureml.ms/`,
  };
}

/** The registry path answers with the asset id as the version's id (azure-ai-ml's REGISTRY_VERSION_PATTERN); ARM with the ARM id. */
function asRegistryAsset(registry: RegistryFacts, version: RegistryModelVersion): RegistryModelVersion {
  const name = version.id.split('/models/')[1].split('/versions/')[0];
  return { ...version, id: `azureml://registries/${registry.registryName}/models/${name}/versions/${version.name}` };
}

const REGISTRY_PATH = '^/mferp/managementfrontend/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.MachineLearningServices/registries/([^/]+)';

type Handler = (req: HostRequest, registry: RegistryFacts, rest: string[], principal: Principal) => HostResponse;

function json(req: HostRequest): Record<string, any> | undefined {
  try {
    return JSON.parse(req.body.toString('utf8') || '{}');
  } catch {
    return undefined;
  }
}

export function registryRoutes(ctx: ServiceContext): DataplaneRoute[] {
  const denied = (req: HostRequest, principal: Principal, action: string, scope: string) =>
    dataplaneError(ctx, req, 403, 'AuthorizationFailed', `The client '${principal.appId}' with object id '${principal.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`);
  const notFound = (req: HostRequest, what: string) => dataplaneError(ctx, req, 404, 'UserError', `${what} not found.`, 'NotFound');

  /** Routes under a registry's resource provider path: the registry must exist in that subscription and group, and the caller needs `action` on it. */
  const registryRoute = (method: string, tail: string, action: string, handle: Handler): DataplaneRoute => ({
    method,
    path: new RegExp(`${REGISTRY_PATH}${tail}$`, 'i'),
    async handle(req, match, principal) {
      const [, subscriptionId, resourceGroup, name, ...rest] = match;
      const registry = findRegistry(ctx, name);
      if (!registry || subscriptionId.toLowerCase() !== ctx.facts.subscriptionId.toLowerCase() || resourceGroup.toLowerCase() !== registry.resourceGroupName.toLowerCase()) {
        return notFound(req, `Registry ${name}`);
      }
      if (req.url.searchParams.get('api-version') !== API_VERSION) {
        return dataplaneError(ctx, req, 400, 'UserError', `The api-version '${req.url.searchParams.get('api-version') ?? ''}' is not supported by the registry emulator; use ${API_VERSION}.`, 'InvalidApiVersion');
      }
      const scope = registryArmId(ctx, registry);
      if (!isAuthorized(ctx, principal, action, scope)) return denied(req, principal, action, scope);
      return handle(req, registry, rest, principal);
    },
  });

  return [
    {
      method: 'GET',
      path: /^\/registrymanagement\/v1\.0\/registries\/([^/]+)\/discovery$/i,
      async handle(req, match) {
        const registry = findRegistry(ctx, decodeURIComponent(match[1]));
        if (!registry) return notFound(req, `Registry ${decodeURIComponent(match[1])}`);
        return { status: 200, body: discoveryDto(ctx, registry) };
      },
    },
    registryRoute('GET', '/models/([^/]+)/versions', `${NAMESPACE}/registries/models/versions/read`, (req, registry, [name]) => {
      return { status: 200, body: { value: listVersions(ctx, registry, decodeURIComponent(name)).map((v) => asRegistryAsset(registry, v)) } };
    }),
    registryRoute('GET', '/models/([^/]+)/versions/([^/]+)', `${NAMESPACE}/registries/models/versions/read`, (req, registry, [name, version]) => {
      const found = readVersion(ctx, registry, decodeURIComponent(name), decodeURIComponent(version));
      return found ? { status: 200, body: asRegistryAsset(registry, found) } : notFound(req, `Model ${decodeURIComponent(name)}:${decodeURIComponent(version)} in registry ${registry.registryName}`);
    }),
    registryRoute('PUT', '/models/([^/]+)/versions/([^/]+)', `${NAMESPACE}/registries/models/versions/write`, (req, registry, [rawName, rawVersion], principal) => {
      const created = createVersion(ctx, registry, decodeURIComponent(rawName), decodeURIComponent(rawVersion), json(req), principal);
      return 'refused' in created ? dataplaneError(ctx, req, created.refused.status, 'UserError', created.refused.message, created.refused.code) : { status: 201, body: asRegistryAsset(registry, created.version) };
    }),
    registryRoute('POST', '/datarefs/([^/]+)/versions/([^/]+)', `${NAMESPACE}/registries/assets/read`, (req, registry, [rawName, rawVersion]) => {
      const [name, version] = [decodeURIComponent(rawName), decodeURIComponent(rawVersion)];
      const body = json(req);
      const assetId = `azureml://registries/${registry.registryName}/models/${name}/versions/${version}`;
      if (typeof body?.assetId !== 'string' || body.assetId.toLowerCase() !== assetId.toLowerCase() || typeof body.blobUri !== 'string') {
        return dataplaneError(ctx, req, 400, 'UserError', `The request must name assetId ${assetId} and the blobUri of its files.`, 'ValidationError');
      }
      const found = readVersion(ctx, registry, name, version);
      if (!found) return notFound(req, `Model ${name}:${version} in registry ${registry.registryName}`);
      const modelUri = String(found.properties.modelUri ?? '');
      if (body.blobUri !== modelUri) return dataplaneError(ctx, req, 400, 'UserError', `blobUri ${body.blobUri} is not the storage of ${assetId}.`, 'ValidationError');
      const container = new URL(modelUri).pathname.split('/')[1];
      const sas = generateBlobSASQueryParameters(
        { containerName: container, permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(ctx.now() + SAS_HOURS * 3600_000) },
        new StorageSharedKeyCredential(registry.storageAccountName, registry.storageAccountKey),
      );
      const storageAccountArmId = `/subscriptions/${ctx.facts.subscriptionId}/resourceGroups/${registry.resourceGroupName}/providers/Microsoft.Storage/storageAccounts/${registry.storageAccountName}`;
      return {
        status: 200,
        body: {
          blobReferenceForConsumption: {
            blobUri: modelUri,
            storageAccountArmId,
            credential: { credentialType: 'SAS', sasUri: `https://${registry.storageAccountName}.blob.core.windows.net/${container}?${sas.toString()}` },
          },
        },
      };
    }),
  ];
}
