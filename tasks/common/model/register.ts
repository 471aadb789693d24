// Registers one model version, certain of the outcome under retries and concurrency:
//  - the same source registered before (a retried step, an unchanged folder) → that version, untouched;
//  - an explicit version → exactly that version, or a clear error when it holds other content;
//  - no version → the container's nextVersion, taken again when a concurrent registration wins it (409).
import { UserError } from "../platform/userError";
import { FINGERPRINT_PROPERTY, normalizeModelUri } from "../workspace/lineage";
import { VersionConflictError, type ModelRegistryApi, type ModelVersionProperties, type ModelVersionResource } from "../workspace/modelRegistry";

export interface RegistrationRequest {
  api: ModelRegistryApi;
  modelName: string;
  /** Undefined: the next version. */
  version?: string;
  /** The version's body; properties carry FINGERPRINT_PROPERTY. */
  body: ModelVersionProperties;
  log: (message: string) => void;
  /** Versions to try when concurrent registrations keep taking the next one. */
  maxAttempts?: number;
}

export interface Registration {
  model: ModelVersionResource;
  /** True when the source was registered already and that version is returned. */
  reused: boolean;
}

const DEFAULT_ATTEMPTS = 10;

function fingerprintOf(properties: ModelVersionProperties): string | undefined {
  return properties.properties?.[FINGERPRINT_PROPERTY];
}

/** Same source: our fingerprint, or (for versions registered by other tools) the same URI and type. */
export function isSameSource(existing: ModelVersionProperties, wanted: ModelVersionProperties): boolean {
  const fingerprint = fingerprintOf(existing);
  if (fingerprint) return fingerprint === fingerprintOf(wanted);
  return Boolean(existing.modelUri && wanted.modelUri) && normalizeModelUri(existing.modelUri!) === normalizeModelUri(wanted.modelUri!) && (existing.modelType ?? "custom_model") === wanted.modelType;
}

function describeExisting(model: ModelVersionResource): string {
  const by = model.properties.properties?.["azure-devops.buildNumber"] ?? model.properties.properties?.["azure-devops.buildId"];
  return `version ${model.name}${by ? ` (registered by run ${by})` : ""}${model.systemData?.createdAt ? ` on ${model.systemData.createdAt}` : ""}`;
}

function versionTaken(request: RegistrationRequest, existing: ModelVersionResource): UserError {
  return new UserError(
    `Model '${request.modelName}' version '${existing.name}' already exists with different content (${existing.properties.modelType ?? "custom_model"} from ${existing.properties.modelUri ?? "an unknown path"}). ` +
      `Versions are immutable: set the version input to a new value, or leave it empty to register the next version.`,
  );
}

/**
 * True when the version holds exactly what this request sent (source, type and every property, lineage included):
 * our own PUT landed, and the 409 answered a retry of it (the service answers a PUT of an existing version
 * with 409, as the Python SDK's auto-increment retry expects, or with 200).
 */
function holdsOurContent(existing: ModelVersionProperties, sent: ModelVersionProperties): boolean {
  const sentProperties = Object.entries(sent.properties ?? {});
  return isSameSource(existing, sent) && (existing.modelType ?? "custom_model") === sent.modelType && sentProperties.every(([key, value]) => existing.properties?.[key] === value);
}

/**
 * PUTs the version; on a 409, looks at the version that won: our own content is our registration, the same
 * source from another registration is reused, other content is returned as `taken`.
 */
async function createVersion(request: RegistrationRequest, version: string): Promise<{ registration?: Registration; taken?: ModelVersionResource }> {
  const { api, modelName, body } = request;
  try {
    return { registration: { model: await api.createVersion(modelName, version, body), reused: false } };
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    const winner = await api.getVersion(modelName, version);
    if (winner && holdsOurContent(winner.properties, body)) return { registration: { model: winner, reused: false } };
    if (winner && isSameSource(winner.properties, body)) return { registration: { model: winner, reused: true } };
    if (!winner) throw error;
    return { taken: winner };
  }
}

async function registerExplicitVersion(request: RegistrationRequest, version: string): Promise<Registration> {
  const existing = await request.api.getVersion(request.modelName, version);
  if (existing) {
    if (!isSameSource(existing.properties, request.body)) throw versionTaken(request, existing);
    request.log(`Model '${request.modelName}' ${describeExisting(existing)} already holds this source; not registering it again.`);
    return { model: existing, reused: true };
  }
  // Registered concurrently between the read and the write: the 409 names the winner.
  const { registration, taken } = await createVersion(request, version);
  if (registration) return registration;
  throw versionTaken(request, taken!);
}

async function registerNextVersion(request: RegistrationRequest): Promise<Registration> {
  const attempts = request.maxAttempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const version = await request.api.nextVersion(request.modelName);
    const { registration } = await createVersion(request, version);
    if (registration) return registration;
    request.log(`Version ${version} of model '${request.modelName}' was just taken by another registration; trying the next one (attempt ${attempt}/${attempts}).`);
  }
  throw new Error(`Could not register model '${request.modelName}': every one of ${attempts} attempts lost the next version to concurrent registrations. Re-run the step, or set the version input.`);
}

export async function registerModelVersion(request: RegistrationRequest): Promise<Registration> {
  const { api, modelName, body, log } = request;
  const fingerprint = fingerprintOf(body);
  if (fingerprint) {
    const previous = await api.findVersionsWithProperty(modelName, FINGERPRINT_PROPERTY, fingerprint);
    const match = request.version ? previous.find((model) => model.name === request.version) : previous[0];
    if (match) {
      log(`This source is already registered as model '${modelName}' ${describeExisting(match)}; returning that version instead of registering a duplicate.`);
      return { model: match, reused: true };
    }
  }
  return request.version ? registerExplicitVersion(request, request.version) : registerNextVersion(request);
}
