// The nested settings of an online deployment: scale_settings, request_settings, liveness/readiness
// probes, Kubernetes resources and data_collector, each as the REST model azure-ai-ml builds
// (entities/_deployment/{scale_settings,deployment_settings,resource_requirements_settings,
// data_collector,deployment_collection}.py).
import { isoDuration } from '../jobSpec/commandParts';
import { assetVersionArmId, parseAssetReference, type WorkspaceScope } from '../jobSpec/references';
import { checkFields, oneOf } from '../jobSpec/schema';
import type { YNode } from '../jobSpec/yamlSource';
import { intAtLeast, optional } from './common';
import type { OnlineKind } from './endpoint';
import { DEPLOY_FIELDS } from './schema';

/** to_iso_duration_format / to_iso_duration_format_ms: zero or absent sends nothing. */
export function duration(node: YNode | undefined, what: string, unit: 'seconds' | 'milliseconds'): string | undefined {
  if (!node) return undefined;
  const n = intAtLeast(node, what, 0);
  return n ? isoDuration(unit === 'seconds' ? n : n / 1000) : undefined;
}

/** Copies the fields that are set, leaving out undefined ones (msrest omits None). */
export function defined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

export function optionalInt(map: YNode, key: string, what: string, min: number): number | undefined {
  const node = optional(map, key);
  return node ? intAtLeast(node, what, min) : undefined;
}

const SCALE_TYPES = ['default', 'target_utilization'] as const;

export function translateScaleSettings(node: YNode, kind: OnlineKind): Record<string, unknown> {
  const type = oneOf(node.require('type', 'scale_settings'), SCALE_TYPES, 'scale_settings type');
  if (type === 'default') {
    checkFields(node, DEPLOY_FIELDS.defaultScaleSettings, 'default scale_settings');
    return { scaleType: 'Default' };
  }
  // ManagedOnlineDeployment._validate_scale_settings
  if (kind === 'managed') node.fail('managed online deployments support scale_settings type default only; autoscale them with Azure Monitor autoscale instead');
  checkFields(node, DEPLOY_FIELDS.targetUtilizationScaleSettings, 'target_utilization scale_settings');
  const min = optionalInt(node, 'min_instances', 'scale_settings.min_instances', 0);
  const max = optionalInt(node, 'max_instances', 'scale_settings.max_instances', 1);
  if (min !== undefined && max !== undefined && min > max) {
    node.require('min_instances', 'scale_settings').fail(`scale_settings.min_instances (${min}) must not exceed max_instances (${max})`);
  }
  const percent = optionalInt(node, 'target_utilization_percentage', 'scale_settings.target_utilization_percentage', 1);
  if (percent !== undefined && percent > 100) {
    node.require('target_utilization_percentage', 'scale_settings').fail(`scale_settings.target_utilization_percentage must be at most 100, not ${percent}`);
  }
  return defined({
    scaleType: 'TargetUtilization',
    minInstances: min,
    maxInstances: max,
    pollingInterval: duration(optional(node, 'polling_interval'), 'scale_settings.polling_interval', 'seconds'),
    targetUtilizationPercentage: percent,
  });
}

export function translateRequestSettings(node: YNode): Record<string, unknown> {
  checkFields(node, DEPLOY_FIELDS.requestSettings, 'request_settings');
  return defined({
    maxQueueWait: duration(optional(node, 'max_queue_wait_ms'), 'request_settings.max_queue_wait_ms', 'milliseconds'),
    maxConcurrentRequestsPerInstance: optionalInt(node, 'max_concurrent_requests_per_instance', 'request_settings.max_concurrent_requests_per_instance', 1),
    requestTimeout: duration(optional(node, 'request_timeout_ms'), 'request_settings.request_timeout_ms', 'milliseconds'),
  });
}

export function translateProbe(node: YNode, what: string): Record<string, unknown> {
  checkFields(node, DEPLOY_FIELDS.probe, what);
  return defined({
    failureThreshold: optionalInt(node, 'failure_threshold', `${what}.failure_threshold`, 1),
    successThreshold: optionalInt(node, 'success_threshold', `${what}.success_threshold`, 1),
    timeout: duration(optional(node, 'timeout'), `${what}.timeout`, 'seconds'),
    period: duration(optional(node, 'period'), `${what}.period`, 'seconds'),
    initialDelay: duration(optional(node, 'initial_delay'), `${what}.initial_delay`, 'seconds'),
  });
}

/** Kubernetes `resources:` → ContainerResourceRequirements; values are Kubernetes quantities as strings. */
export function translateResources(node: YNode): Record<string, unknown> {
  checkFields(node, DEPLOY_FIELDS.resourceRequirements, 'resources');
  const settings = (key: 'requests' | 'limits'): Record<string, unknown> | undefined => {
    const map = optional(node, key);
    if (!map) return undefined;
    checkFields(map, DEPLOY_FIELDS.resourceSettings, `resources.${key}`);
    const out: Record<string, unknown> = {};
    for (const [field, value] of map.entries(`resources.${key}`)) {
      if (value.isNull) continue;
      // ResourceSettingsSchema's pre_load renames nvidia.com/gpu to gpu.
      const name = field === 'nvidia.com/gpu' ? 'gpu' : field;
      if (value.kind !== 'string') value.fail(`resources.${key}.${field} must be a string (a Kubernetes quantity such as "0.5" or "512Mi"): quote it`);
      out[name] = value.str(`resources.${key}.${field}`);
    }
    return out;
  };
  return defined({ containerResourceRequests: settings('requests'), containerResourceLimits: settings('limits') });
}

/** DEFAULT_MDC_PATH in azure.ai.ml.constants._endpoint. */
export const DEFAULT_MDC_PATH = 'azureml://datastores/workspaceblobstore/paths/modelDataCollector';
const ROLLING_RATES = ['minute', 'day', 'hour'] as const;

/** A data asset a collection writes to; registered (or found) before the deployment is sent. */
export interface DataAssetToCreate {
  name: string;
  version: string;
  id: string;
  body: { properties: Record<string, unknown> };
  origin: string;
}

/**
 * data_collector → DataCollector. Each collection gets a uri_folder data asset, by default
 * <endpoint>-<deployment>-<collection> version 1 under modelDataCollector/ (_register_collection_data_assets).
 */
export function translateDataCollector(
  node: YNode,
  names: { endpoint: string; deployment: string },
  scope: WorkspaceScope,
  dataAssets: DataAssetToCreate[],
): Record<string, unknown> {
  checkFields(node, DEPLOY_FIELDS.dataCollector, 'data_collector');
  const samplingNode = optional(node, 'sampling_rate');
  let samplingRate: number | undefined;
  if (samplingNode) {
    samplingRate = samplingNode.num('data_collector.sampling_rate');
    if (samplingRate < 0 || samplingRate > 1) samplingNode.fail(`data_collector.sampling_rate must be between 0.0 and 1.0, not ${samplingRate}`);
  }
  const collections: Record<string, unknown> = {};
  for (const [name, collection] of node.require('collections', 'data_collector').entries('data_collector.collections')) {
    const what = `data_collector.collections.${name}`;
    checkFields(collection, DEPLOY_FIELDS.collection, what);
    const enabled = collection.require('enabled', what).bool(`${what}.enabled`);
    collections[name] = defined({
      // DeploymentCollection._to_rest_object sends the mode in lower case.
      dataCollectionMode: enabled ? 'enabled' : 'disabled',
      // sampling_rate: 0 is falsy in DataCollector.__init__ but still copied in _to_rest_object.
      samplingRate,
      dataId: collectionDataId(optional(collection, 'data'), { ...names, collection: name }, scope, dataAssets, collection.where),
      clientId: optional(collection, 'client_id')?.str(`${what}.client_id`),
    });
  }
  const requestLogging = optional(node, 'request_logging');
  let logging: Record<string, unknown> | undefined;
  if (requestLogging) {
    checkFields(requestLogging, DEPLOY_FIELDS.requestLogging, 'data_collector.request_logging');
    const headers = optional(requestLogging, 'capture_headers');
    logging = defined({ captureHeaders: headers?.items('request_logging.capture_headers').map((h) => h.str('capture_headers item')) });
  }
  const rolling = optional(node, 'rolling_rate');
  return defined({
    collections,
    rollingRate: rolling ? oneOf(rolling, ROLLING_RATES, 'data_collector.rolling_rate') : undefined,
    requestLogging: logging,
  });
}

function collectionDataId(
  node: YNode | undefined,
  names: { endpoint: string; deployment: string; collection: string },
  scope: WorkspaceScope,
  dataAssets: DataAssetToCreate[],
  origin: string,
): string {
  if (node && node.kind !== 'mapping') {
    const ref = parseAssetReference(node, 'data', scope, 'collection data');
    if (ref.kind === 'id') return ref.id;
    return node.fail('collection data needs an explicit version (azureml:<name>:<version>)');
  }
  if (node) checkFields(node, DEPLOY_FIELDS.collectionData, `data_collector.collections.${names.collection}.data`);
  const field = (key: string) => (node && optional(node, key) ? String(node.require(key, 'data').scalar) : undefined);
  const name = field('name') ?? `${names.endpoint}-${names.deployment}-${names.collection}`;
  const version = field('version') ?? '1';
  const path = field('path') ?? `${DEFAULT_MDC_PATH}/${names.endpoint}/${names.deployment}/${names.collection}`;
  const id = assetVersionArmId(scope, 'data', name, version);
  if (!dataAssets.some((d) => d.id === id)) {
    dataAssets.push({ name, version, id, origin, body: { properties: { dataType: 'uri_folder', dataUri: path, isAnonymous: false, properties: {}, tags: {} } } });
  }
  return id;
}
