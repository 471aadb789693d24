// Pieces shared by command jobs, sweep trials, pipeline steps and command components:
// code, command text, distribution, resources, limits, identity, services, environment variables.
// Each returns the REST model in camelCase; pipeline steps convert keys with snakeKeys().
import type { TranslationContext } from './context';
import { referencedNames } from './inputsOutputs';
import { isArmId, isRegistryUri, isRemotePath } from './references';
import { FIELDS, checkFields, oneOf } from './schema';
import type { YNode } from './yamlSource';

/** `code:` → code asset ARM id, or an upload token for a local folder (hashed and registered later). */
export function translateCode(node: YNode, ctx: TranslationContext, baseDir: string, defaultIgnores: string[] = []): string {
  const value = node.str('code');
  if (isRegistryUri(value)) node.fail(`registry code assets are not supported for jobs: ${value}`);
  if (isArmId(value, 'codes')) return value.replace(/^azureml:/, '');
  if (value.startsWith('azureml:') && !value.startsWith('azureml://')) {
    node.fail(`code '${value}' must be a local folder or a code asset ARM id (azureml:/subscriptions/.../codes/<name>/versions/<version>)`);
  }
  if (isRemotePath(value)) node.fail(`code '${value}' must be a local folder; remote code is not supported`);
  return ctx.upload('code', baseDir, value, node.where, { defaultIgnores });
}

type ReferencePrefix = 'inputs' | 'outputs' | 'search_space';

/**
 * The command, with legacy single-brace references ({inputs.x}) rewritten to ${{inputs.x}} as
 * map_single_brackets_and_warn does, and every ${{inputs.x}} checked against the declared inputs.
 */
export function translateCommand(node: YNode, ctx: TranslationContext, declared: Partial<Record<ReferencePrefix, string[]>>): string {
  let command = node.str('command');
  const single = /(?<!\{)\{((?:inputs|outputs|search_space)\.[A-Za-z0-9_.]+)\}(?!\})/g;
  if (command.match(single)) {
    ctx.warn(`${node.where}: single-brace references like {inputs.x} are deprecated; they were sent as \${{inputs.x}}`);
    command = command.replace(single, '$${{$1}}');
  }
  for (const [prefix, names] of Object.entries(declared) as Array<[ReferencePrefix, string[]]>) {
    for (const name of referencedNames(command, prefix)) {
      const root = name.split('.')[0];
      if (!names.includes(root)) {
        node.fail(`the command references \${{${prefix}.${name}}} but ${prefix} has no '${root}'; defined: ${names.join(', ') || '(none)'}`);
      }
    }
  }
  return command;
}

const DISTRIBUTIONS = ['pytorch', 'mpi', 'tensorflow'] as const;

export function translateDistribution(node: YNode): Record<string, unknown> {
  const type = oneOf(node.require('type', 'distribution'), DISTRIBUTIONS, 'distribution type');
  if (type === 'tensorflow') {
    checkFields(node, ['type', 'worker_count', 'parameter_server_count'], 'tensorflow distribution');
    return {
      distributionType: 'TensorFlow',
      // TensorFlowDistribution defaults parameter_server_count to 0
      parameterServerCount: node.has('parameter_server_count') ? node.require('parameter_server_count', '').int('parameter_server_count') : 0,
      ...(node.has('worker_count') ? { workerCount: node.require('worker_count', '').int('worker_count') } : {}),
    };
  }
  checkFields(node, ['type', 'process_count_per_instance'], `${type} distribution`);
  return {
    distributionType: type === 'pytorch' ? 'PyTorch' : 'Mpi',
    ...(node.has('process_count_per_instance')
      ? { processCountPerInstance: node.require('process_count_per_instance', '').int('process_count_per_instance') }
      : {}),
  };
}

export function translateResources(node: YNode): Record<string, unknown> {
  checkFields(node, FIELDS.resources, 'resources');
  const out: Record<string, unknown> = {};
  if (node.has('instance_count')) out.instanceCount = node.require('instance_count', '').int('resources.instance_count');
  if (node.has('instance_type')) out.instanceType = node.require('instance_type', '').str('resources.instance_type');
  // JobResourceConfiguration sends properties {} when none are given (pipeline steps drop empty maps).
  out.properties = node.has('properties') ? node.require('properties', '').toJS() : {};
  if (node.has('shm_size')) {
    const shm = node.require('shm_size', '');
    const text = shm.str('resources.shm_size');
    if (!/^\d+[bkmg]$/i.test(text)) shm.fail(`resources.shm_size '${text}' must be a number followed by b, k, m or g (e.g. 8g)`);
    out.shmSize = text;
  }
  if (node.has('docker_args')) out.dockerArgs = node.require('docker_args', '').str('resources.docker_args');
  return out;
}

/**
 * Seconds → ISO 8601 duration the way isodate.duration_isoformat prints a timedelta ("PT1H", "P1DT30M",
 * "PT0.5S"). Counts in whole microseconds, as timedelta does, so fractions print without float noise.
 */
export function isoDuration(seconds: number): string {
  const usecs = Math.round(seconds * 1e6);
  const whole = Math.floor(usecs / 1e6);
  const fraction = usecs - whole * 1e6;
  const days = Math.floor(whole / 86400);
  let rest = whole - days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  // isodate: ("%d.%06d" % (seconds, usecs)).rstrip("0")
  const secText = fraction ? `${secs}.${String(fraction).padStart(6, '0')}`.replace(/0+$/, '') : `${secs}`;
  let text = days ? `${days}D` : '';
  if (hours || minutes || secs || fraction) text += `T${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secs || fraction ? `${secText}S` : ''}`;
  return `P${text || '0D'}`;
}

export function translateCommandLimits(node: YNode): Record<string, unknown> {
  checkFields(node, FIELDS.commandLimits, 'limits');
  return {
    jobLimitsType: 'Command',
    ...(node.has('timeout') ? { timeout: isoDuration(positive(node.require('timeout', ''), 'limits.timeout')) } : {}),
  };
}

export function positive(node: YNode, what: string): number {
  const n = node.int(what);
  if (n <= 0) node.fail(`${what} must be a positive number of seconds`);
  return n;
}

const IDENTITIES = ['user_identity', 'managed', 'managed_identity', 'aml_token'] as const;

export function translateIdentity(node: YNode): Record<string, unknown> {
  const type = oneOf(node.require('type', 'identity'), IDENTITIES, 'identity type');
  if (type === 'managed' || type === 'managed_identity') {
    checkFields(node, ['type', 'client_id', 'object_id', 'msi_resource_id'], 'managed identity');
    const out: Record<string, unknown> = { identityType: 'Managed' };
    if (node.has('client_id')) out.clientId = node.require('client_id', '').str('identity.client_id');
    if (node.has('object_id')) out.objectId = node.require('object_id', '').str('identity.object_id');
    if (node.has('msi_resource_id')) out.resourceId = node.require('msi_resource_id', '').str('identity.msi_resource_id');
    return out;
  }
  checkFields(node, ['type'], `${type} identity`);
  return { identityType: type === 'aml_token' ? 'AMLToken' : 'UserIdentity' };
}

const SERVICE_TYPES: Record<string, string> = {
  jupyter_lab: 'JupyterLab',
  ssh: 'SSH',
  tensor_board: 'TensorBoard',
  vs_code: 'VSCode',
};

export function translateServices(node: YNode, ctx: TranslationContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, service] of node.entries('services')) {
    checkFields(service, FIELDS.service, `service '${name}'`);
    const entry: Record<string, unknown> = {};
    if (service.has('type')) entry.jobServiceType = SERVICE_TYPES[oneOf(service.require('type', ''), Object.keys(SERVICE_TYPES), 'service type')];
    else if (service.has('job_service_type')) entry.jobServiceType = service.require('job_service_type', '').str('job_service_type');
    if (service.has('port')) entry.port = service.require('port', '').int('service port');
    const properties: Record<string, string> = service.has('properties') ? service.require('properties', '').strMap('service properties') : {};
    if (service.has('log_dir')) properties.logDir = service.require('log_dir', '').str('log_dir');
    if (service.has('ssh_public_keys')) properties.sshPublicKeys = service.require('ssh_public_keys', '').str('ssh_public_keys');
    if (Object.keys(properties).length) entry.properties = properties;
    if (service.has('nodes')) ctx.warn(`${service.where}: services.${name}.nodes needs a newer Azure ML API than 2022-10-01 and was not sent`);
    out[name] = entry;
  }
  return out;
}

export function translateEnvironmentVariables(node: YNode | undefined): Record<string, string> {
  return node ? node.strMap('environment_variables') : {};
}

/** msrest as_dict() key style, used inside pipeline `jobs` entries. */
export function snakeKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}
