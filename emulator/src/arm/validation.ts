// Request body validation against the REST model the official SDK is generated from: required
// properties, polymorphic discriminators, JSON types, enums and constraints. Read-only and unknown
// properties are ignored, as the service ignores them.
import {
  KnownApplicationSharingPolicy, KnownBatchLoggingLevel, KnownBatchOutputAction, KnownContainerType, KnownEgressPublicNetworkAccessType, KnownEndpointAuthMode, KnownInputDeliveryMode,
  KnownKeyType, KnownOsType, KnownOutputDeliveryMode, KnownRemoteLoginPortPublicAccess, KnownVmPriority,
} from '@azure/arm-machinelearning';
import { type ArmErrorDetail, userError } from './errors';
import { type Mapper, modelMapper, subtypesOf } from './mappers';

/**
 * Extensible enums the SDK types as plain strings but the service checks (case-insensitively),
 * by property name; 'mode' depends on whether the model is a job input or output.
 */
const SERVICE_ENUMS: Record<string, string[]> = {
  authMode: Object.values(KnownEndpointAuthMode),
  vmPriority: Object.values(KnownVmPriority),
  osType: Object.values(KnownOsType),
  remoteLoginPortPublicAccess: Object.values(KnownRemoteLoginPortPublicAccess),
  applicationSharingPolicy: Object.values(KnownApplicationSharingPolicy),
  egressPublicNetworkAccess: Object.values(KnownEgressPublicNetworkAccessType),
  keyType: Object.values(KnownKeyType),
  containerType: Object.values(KnownContainerType),
  outputAction: Object.values(KnownBatchOutputAction),
  loggingLevel: Object.values(KnownBatchLoggingLevel),
};

/** Request models whose `properties` really is optional (partial updates). */
const ENVELOPES_WITHOUT_REQUIRED_PROPERTIES = new Set(['ClusterUpdateParameters', 'PartialMinimalTrackedResourceWithSku', 'PartialMinimalTrackedResourceWithIdentity']);

function serviceEnum(className: string, property: string): string[] | undefined {
  if (property === 'mode' && className.endsWith('JobInput')) return Object.values(KnownInputDeliveryMode);
  if (property === 'mode' && className.endsWith('JobOutput')) return Object.values(KnownOutputDeliveryMode);
  return SERVICE_ENUMS[property];
}

type Json = unknown;

/**
 * Throws a 400 listing every violation when `body` does not fit the named model. Discriminators and
 * checked enums are rewritten in the service's casing, as the service stores them.
 */
export function validateBody(body: Json, modelName: string): void {
  const issues: ArmErrorDetail[] = [];
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw userError('The request body must be a JSON object.', undefined, [{ code: 'InvalidRequestContent', message: 'The request body must be a JSON object.' }]);
  }
  // The generator drops `required` from flattened resource envelopes; the spec marks them [Required].
  if (modelMapper(modelName).type.modelProperties?.properties && !ENVELOPES_WITHOUT_REQUIRED_PROPERTIES.has(modelName) && !isObject((body as Record<string, Json>).properties)) {
    issues.push(missing('properties'));
  }
  checkComposite(body as Record<string, Json>, modelMapper(modelName), '', issues);
  if (issues.length > 0) throw userError(issues[0].message, issues[0].target, issues);
}

function checkValue(value: Json, mapper: Mapper, path: string, issues: ArmErrorDetail[]): void {
  if (value === null) {
    if (mapper.required && !mapper.nullable) issues.push(missing(path));
    return;
  }
  const type = mapper.type;
  switch (type.name) {
    case 'String':
    case 'Uuid':
      if (typeof value !== 'string') return void issues.push(wrongType(path, value, 'a string'));
      return checkStringConstraints(value, mapper, path, issues);
    case 'Number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return void issues.push(wrongType(path, value, 'a number'));
      return checkNumberConstraints(value, mapper, path, issues);
    case 'Boolean':
      if (typeof value !== 'boolean') issues.push(wrongType(path, value, 'a boolean'));
      return;
    case 'DateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) issues.push(wrongType(path, value, 'an ISO 8601 date-time'));
      return;
    case 'TimeSpan':
      if (typeof value !== 'string' || !/^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/i.test(value)) {
        issues.push(wrongType(path, value, 'an ISO 8601 duration such as PT2M'));
      }
      return;
    case 'Enum':
      if (typeof value !== 'string' || !(type.allowedValues ?? []).some((v) => v.toLowerCase() === value.toLowerCase())) {
        issues.push(invalidValue(path, value, type.allowedValues ?? []));
      }
      return;
    case 'Sequence':
      if (!Array.isArray(value)) return void issues.push(wrongType(path, value, 'an array'));
      value.forEach((item, i) => type.element && checkValue(item, type.element, `${path}[${i}]`, issues));
      return;
    case 'Dictionary':
      if (!isObject(value)) return void issues.push(wrongType(path, value, 'an object'));
      for (const [key, item] of Object.entries(value)) if (type.value) checkValue(item, type.value, join(path, key), issues);
      return;
    case 'Composite':
      if (!isObject(value)) return void issues.push(wrongType(path, value, 'an object'));
      return checkComposite(value, mapper, path, issues);
    default:
      return; // any, Object, Stream: free-form
  }
}

function checkComposite(value: Record<string, Json>, declared: Mapper, path: string, issues: ArmErrorDetail[]): void {
  let mapper = declared.type.modelProperties ? declared : modelMapper(declared.type.className ?? '');
  const subtypes = subtypesOf(mapper);
  if (subtypes) {
    const property = mapper.type.polymorphicDiscriminator!.serializedName;
    const discriminator = value[property];
    if (discriminator === undefined || discriminator === null) {
      issues.push(missing(join(path, property)));
      return;
    }
    const concrete = [...subtypes.entries()].find(([name]) => name.toLowerCase() === String(discriminator).toLowerCase());
    if (!concrete) {
      issues.push({
        code: 'InvalidDiscriminator',
        target: join(path, property),
        message: `Unknown value '${String(discriminator)}' for '${join(path, property)}'. Allowed values: ${[...subtypes.keys()].join(', ')}.`,
      });
      return;
    }
    value[property] = concrete[0]; // stored and echoed in the service's casing
    mapper = concrete[1];
  }
  for (const property of Object.values(mapper.type.modelProperties ?? {})) {
    if (property.readOnly || !property.serializedName) continue;
    const segments = property.serializedName.split('.');
    const found = lookup(value, segments);
    const propertyPath = join(path, ...segments);
    if (found === undefined) {
      if (property.required) issues.push(missing(propertyPath));
      continue;
    }
    checkValue(found, property, propertyPath, issues);
    const allowed = serviceEnum(mapper.type.className ?? '', property.serializedName);
    if (allowed && typeof found === 'string') {
      const canonical = allowed.find((v) => v.toLowerCase() === found.toLowerCase());
      if (canonical) value[property.serializedName] = canonical;
      else issues.push(invalidValue(propertyPath, found, allowed));
    }
  }
}

function checkStringConstraints(value: string, mapper: Mapper, path: string, issues: ArmErrorDetail[]): void {
  const c = mapper.constraints;
  if (!c) return;
  if (c.MinLength !== undefined && value.length < c.MinLength) issues.push(constraint(path, `must be at least ${c.MinLength} characters long`));
  if (c.MaxLength !== undefined && value.length > c.MaxLength) issues.push(constraint(path, `must be at most ${c.MaxLength} characters long`));
  if (c.Pattern && !c.Pattern.test(value)) issues.push(constraint(path, `must match the pattern ${c.Pattern.source}`));
}

function checkNumberConstraints(value: number, mapper: Mapper, path: string, issues: ArmErrorDetail[]): void {
  const c = mapper.constraints;
  if (!c) return;
  if (c.InclusiveMinimum !== undefined && value < c.InclusiveMinimum) issues.push(constraint(path, `must be at least ${c.InclusiveMinimum}`));
  if (c.InclusiveMaximum !== undefined && value > c.InclusiveMaximum) issues.push(constraint(path, `must be at most ${c.InclusiveMaximum}`));
}

function lookup(value: Record<string, Json>, segments: string[]): Json {
  let current: Json = value;
  for (const segment of segments) {
    if (!isObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, ...names: string[]): string {
  return [path, ...names].filter(Boolean).join('.');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('.');
  return i < 0 ? '' : path.slice(0, i);
}

function leafOf(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function missing(path: string): ArmErrorDetail {
  return { code: 'RequiredPropertyMissing', target: path, message: `Required property '${leafOf(path)}' not found in JSON. Path '${parentOf(path)}'.` };
}

function wrongType(path: string, value: Json, expected: string): ArmErrorDetail {
  return { code: 'InvalidPropertyType', target: path, message: `Invalid value ${JSON.stringify(value)} at path '${path}': expected ${expected}.` };
}

function invalidValue(path: string, value: Json, allowed: string[]): ArmErrorDetail {
  return { code: 'InvalidPropertyValue', target: path, message: `Invalid value ${JSON.stringify(value)} at path '${path}'. Allowed values: ${allowed.join(', ')}.` };
}

function constraint(path: string, rule: string): ArmErrorDetail {
  return { code: 'InvalidPropertyValue', target: path, message: `The value at path '${path}' ${rule}.` };
}
