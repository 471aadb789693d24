// Fields azure-ai-ml's marshmallow schemas accept when loading endpoint and deployment YAML
// (azure/ai/ml/_schema/_endpoint/*, _schema/_deployment/*). dump_only fields (kind, creation_context,
// a model's id, job_name, latest_version) are unknown on load, so they are left out. Shared bases are
// spelled once so the batch endpoint and batch deployment schemas (issue 17) can extend them.

/** EndpointSchema: what every endpoint kind accepts (read-only fields are accepted and ignored). */
const ENDPOINT = [
  '$schema', 'name', 'id', 'description', 'tags', 'properties', 'auth_mode', 'identity', 'location',
  'scoring_uri', 'openapi_uri', 'provisioning_state',
] as const;
/** OnlineEndpointSchema. */
const ONLINE_ENDPOINT = [...ENDPOINT, 'traffic', 'mirror_traffic'] as const;

/** DeploymentSchema: what every deployment kind accepts. */
const DEPLOYMENT = [
  '$schema', 'name', 'endpoint_name', 'description', 'id', 'tags', 'properties', 'model', 'code_configuration',
  'environment', 'environment_variables',
] as const;
/** OnlineDeploymentSchema. */
const ONLINE_DEPLOYMENT = [
  ...DEPLOYMENT, 'app_insights_enabled', 'scale_settings', 'request_settings', 'liveness_probe', 'readiness_probe',
  'provisioning_state', 'instance_count', 'type', 'model_mount_path', 'instance_type', 'data_collector',
] as const;

/**
 * BatchDeploymentSchema (azure-ai-ml 1.4: settings as top-level fields) merged with the newer
 * ModelBatchDeploymentSchema (type: model, settings: {...}) that today's samples use.
 */
const BATCH_DEPLOYMENT = [
  ...DEPLOYMENT, 'compute', 'resources', 'type', 'settings', 'provisioning_state', 'job_definition',
  'error_threshold', 'retry_settings', 'mini_batch_size', 'logging_level', 'output_action', 'output_file_name',
  'max_concurrency_per_instance',
] as const;

export const DEPLOY_FIELDS = {
  managedOnlineEndpoint: [...ONLINE_ENDPOINT, 'public_network_access'],
  kubernetesOnlineEndpoint: [...ONLINE_ENDPOINT, 'compute'],
  identity: ['type', 'user_assigned_identities', 'principal_id', 'tenant_id'],
  managedOnlineDeployment: [...ONLINE_DEPLOYMENT, 'egress_public_network_access', 'private_network_connection'],
  kubernetesOnlineDeployment: [...ONLINE_DEPLOYMENT, 'resources'],
  /** AnonymousModelSchema (ModelSchema with an optional name and version). */
  model: ['$schema', 'name', 'type', 'path', 'version', 'description', 'properties', 'tags', 'utc_time_created', 'flavors', 'stage'],
  codeConfiguration: ['code', 'scoring_script'],
  defaultScaleSettings: ['type'],
  targetUtilizationScaleSettings: ['type', 'polling_interval', 'target_utilization_percentage', 'min_instances', 'max_instances'],
  requestSettings: ['request_timeout_ms', 'max_concurrent_requests_per_instance', 'max_queue_wait_ms'],
  probe: ['period', 'initial_delay', 'timeout', 'success_threshold', 'failure_threshold'],
  resourceRequirements: ['requests', 'limits'],
  resourceSettings: ['cpu', 'memory', 'gpu', 'nvidia.com/gpu'],
  dataCollector: ['collections', 'rolling_rate', 'sampling_rate', 'request_logging'],
  collection: ['enabled', 'data', 'client_id'],
  collectionData: ['name', 'path', 'version'],
  requestLogging: ['capture_headers'],
  /** BatchEndpointSchema. */
  batchEndpoint: [...ENDPOINT, 'defaults'],
  batchEndpointDefaults: ['deployment_name'],
  modelBatchDeployment: BATCH_DEPLOYMENT,
  /** ModelBatchDeploymentSettingsSchema. */
  modelBatchSettings: [
    'error_threshold', 'instance_count', 'retry_settings', 'mini_batch_size', 'logging_level', 'output_action',
    'output_file_name', 'max_concurrency_per_instance', 'environment_variables',
  ],
  batchRetrySettings: ['max_retries', 'timeout'],
  /** ResourceConfiguration as batch deployments send it (shm_size and docker_args are job-only). */
  batchResources: ['instance_count', 'instance_type', 'properties'],
  /** PipelineComponentBatchDeploymentSchema. */
  pipelineComponentBatchDeployment: ['$schema', 'name', 'endpoint_name', 'description', 'tags', 'type', 'component', 'settings', 'job_definition', 'provisioning_state', 'id'],
} as const;

/**
 * Fields `az ml online-endpoint update -f` takes from the file (Endpoint._merge_with: description,
 * tags and properties merged key by key, auth_mode, traffic, mirror_traffic). The rest stay as the
 * endpoint has them: name and compute (and with it the kind) are fixed at creation, and identity and
 * public_network_access are not carried over by the CLI's update either.
 */
export const ENDPOINT_MUTABLE_FIELDS = ['description', 'tags', 'properties', 'auth_mode', 'traffic', 'mirror_traffic'] as const;

/**
 * Fields `az ml online-deployment update` carries over from the file (Deployment._merge_with,
 * OnlineDeployment._merge_with, KubernetesOnlineDeployment._merge_with for resources); the name,
 * endpoint and kind are fixed, and the rest keep the deployment's values.
 */
export const DEPLOYMENT_MUTABLE_FIELDS = [
  'tags', 'properties', 'model', 'code_configuration', 'environment', 'environment_variables',
  'app_insights_enabled', 'scale_settings', 'request_settings', 'liveness_probe', 'readiness_probe', 'instance_count',
  'instance_type', 'resources',
] as const;

/**
 * Fields `az ml batch-endpoint update` takes from the file (description, tags and properties merged);
 * defaults.deployment_name moves only with the task's setDefault, after a passing smoke invocation.
 */
export const BATCH_ENDPOINT_MUTABLE_FIELDS = ['description', 'tags', 'properties'] as const;
