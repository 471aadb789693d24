// A standalone spark job → RestSparkJob (SparkJob._to_rest_object, entities/_job/spark_helpers.py).
// The driver/executor settings may be written as fields (driver_cores) or as conf keys
// (spark.driver.cores); az ml merges them into `conf`, whose values the REST model types as strings.
import { translateCode } from './commandParts';
import { COMPONENT_DEFAULT_IGNORES, componentInterface, type ResolvedComponent } from './components';
import type { TranslationContext } from './context';
import { translateEnvironment } from './environments';
import { translateInputs, translateOutputs } from './inputsOutputs';
import { translateRunSettings } from './jobCommon';
import { pythonStr } from './pythonText';
import { isRegistryUri } from './references';
import { FIELDS, checkFields, oneOf } from './schema';
import type { YNode } from './yamlSource';

/** SparkJob field ↔ conf key (SparkConfKey / filter_conf_fields). */
const CONF_FIELDS: Array<[field: string, key: string]> = [
  ['driver_cores', 'spark.driver.cores'],
  ['driver_memory', 'spark.driver.memory'],
  ['executor_cores', 'spark.executor.cores'],
  ['executor_memory', 'spark.executor.memory'],
  ['executor_instances', 'spark.executor.instances'],
  ['dynamic_allocation_enabled', 'spark.dynamicAllocation.enabled'],
  ['dynamic_allocation_min_executors', 'spark.dynamicAllocation.minExecutors'],
  ['dynamic_allocation_max_executors', 'spark.dynamicAllocation.maxExecutors'],
];

/** The merged conf as azure-ai-ml validates and sends it, values as Python's str() of what PyYAML loaded. */
export function sparkConf(root: YNode): Record<string, string> {
  const conf = root.get('conf');
  const given = new Map<string, YNode>();
  for (const [key, value] of conf?.entries('conf') ?? []) given.set(key, value);
  for (const [field, key] of CONF_FIELDS) {
    const node = root.get(field);
    if (node && !node.isNull) given.set(key, node);
  }
  const value = (key: string): YNode | undefined => given.get(key);
  const int = (key: string): number | undefined => value(key)?.int(key);
  const where: YNode = conf && !conf.isNull ? conf : root;
  const dynamic = value('spark.dynamicAllocation.enabled')?.bool('spark.dynamicAllocation.enabled') ?? false;
  const main = ['spark.driver.cores', 'spark.driver.memory', 'spark.executor.cores', 'spark.executor.memory'];
  const out: Record<string, string> = {};
  for (const [key, node] of given) if (!CONF_FIELDS.some(([, k]) => k === key)) out[key] = pythonStr(node);
  if (dynamic) {
    if (main.some((k) => !value(k))) where.fail('spark.driver.cores, spark.driver.memory, spark.executor.cores and spark.executor.memory are mandatory fields.');
    const min = int('spark.dynamicAllocation.minExecutors');
    const max = int('spark.dynamicAllocation.maxExecutors');
    if (min === undefined || max === undefined) where.fail('spark.dynamicAllocation.minExecutors and spark.dynamicAllocation.maxExecutors are required when dynamic allocation is enabled.');
    if (!(min > 0 && min <= max)) where.fail('Dynamic min executors should be bigger than 0 and min executors should be equal or less than max executors.');
    const instances = int('spark.executor.instances') ?? min;
    if (instances > max || instances < min) {
      where.fail('Executor instances must be a valid non-negative integer and must be between spark.dynamicAllocation.minExecutors and spark.dynamicAllocation.maxExecutors');
    }
    for (const k of main) out[k] = pythonStr(value(k)!);
    Object.assign(out, { 'spark.dynamicAllocation.enabled': 'True', 'spark.dynamicAllocation.minExecutors': String(min), 'spark.dynamicAllocation.maxExecutors': String(max) });
    out['spark.executor.instances'] = String(instances);
  } else {
    if ([...main, 'spark.executor.instances'].some((k) => !value(k))) {
      where.fail('spark.driver.cores, spark.driver.memory, spark.executor.cores, spark.executor.memory and spark.executor.instances are mandatory fields.');
    }
    if (value('spark.dynamicAllocation.minExecutors') || value('spark.dynamicAllocation.maxExecutors')) {
      where.fail('Should not specify min or max executors when dynamic allocation is disabled.');
    }
    for (const k of [...main, 'spark.executor.instances']) out[k] = k === 'spark.executor.instances' ? String(int(k)) : pythonStr(value(k)!);
  }
  return out;
}

export function sparkEntry(node: YNode): Record<string, unknown> {
  checkFields(node, ['file', 'class_name'], 'spark entry');
  if (node.has('file') === node.has('class_name')) node.fail('a spark entry needs exactly one of file (a Python script) or class_name (a Scala/Java class)');
  return node.has('file')
    ? { file: node.require('file', '').str('entry.file'), sparkJobEntryType: 'SparkJobPythonEntry' }
    : { className: node.require('class_name', '').str('entry.class_name'), sparkJobEntryType: 'SparkJobScalaEntry' };
}

/** Only direct mode is supported for spark job inputs and outputs (_validate_input_output_mode). */
function checkDirectModes(root: YNode): void {
  for (const section of ['inputs', 'outputs'] as const) {
    for (const [name, value] of root.get(section)?.entries(section) ?? []) {
      const mode = value.kind === 'mapping' ? value.get('mode') : undefined;
      if (mode && !mode.isNull && mode.str('mode') !== 'direct') {
        mode.fail(`${section === 'inputs' ? 'Input' : 'Output'} '${name}' is using '${mode.str('mode')}' mode, only 'direct' is supported for Spark job`);
      }
    }
  }
}

export function translateSparkJob(root: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  checkFields(root, FIELDS.sparkJob, 'spark job');
  checkDirectModes(root);
  const hasCompute = root.has('compute');
  const hasResources = root.has('resources');
  if (!hasCompute && !hasResources) root.fail('One of either compute or resources must be specified for Spark job');
  if (hasCompute && hasResources) root.require('resources', '').fail('Only one of either compute or resources may be specified for Spark job');
  const io = { ctx, baseDir, style: 'job' as const };
  const properties: Record<string, unknown> = {
    jobType: 'Spark',
    entry: sparkEntry(root.require('entry', 'spark job')),
    conf: sparkConf(root),
    inputs: translateInputs(root.get('inputs'), io),
    outputs: translateOutputs(root.get('outputs'), io),
  };
  if (root.has('code')) properties.codeId = translateCode(root.require('code', ''), ctx, baseDir);
  for (const [field, rest] of [['py_files', 'pyFiles'], ['jars', 'jars'], ['files', 'files'], ['archives', 'archives']]) {
    if (root.has(field)) properties[rest] = root.require(field, '').items(field).map((item) => item.str(field));
  }
  if (root.has('args')) properties.args = root.require('args', '').str('args');
  if (root.has('environment')) properties.environmentId = translateEnvironment(root.require('environment', ''), ctx, baseDir);
  if (hasResources) {
    const resources = root.require('resources', '');
    checkFields(resources, ['instance_type', 'runtime_version'], 'spark resources');
    properties.resources = {
      ...(resources.has('instance_type') ? { instanceType: resources.require('instance_type', '').str('resources.instance_type') } : {}),
      ...(resources.has('runtime_version') ? { runtimeVersion: pythonStr(resources.require('runtime_version', '')) } : {}),
    };
  }
  Object.assign(properties, translateRunSettings(root, ctx));
  // Spark.identity: without one, a job on an attached Synapse pool runs as the workspace's managed
  // identity and a serverless one (resources) as the submitting user.
  properties.identity ??= { identityType: hasCompute ? 'Managed' : 'UserIdentity' };
  return properties;
}

/** A spark component (its own file or inline under a step's `component:`) → anonymous component template. */
export function sparkComponentFromSpec(root: YNode, ctx: TranslationContext, baseDir: string, sourceTag: string): ResolvedComponent {
  checkFields(root, FIELDS.sparkComponent, 'spark component');
  if (root.has('type')) oneOf(root.require('type', ''), ['spark'], 'component type');
  const { iface, inputs, outputs } = componentInterface(root);
  sparkConf(root); // azure-ai-ml validates the component's settings on load
  sparkEntry(root.require('entry', 'spark component'));
  const spec: Record<string, unknown> = {};
  for (const key of ['$schema', 'name', 'version', 'display_name', 'description', 'tags']) {
    if (root.has(key)) spec[key] = root.require(key, '').toJS();
  }
  if (spec.version !== undefined) spec.version = String(spec.version);
  Object.assign(spec, { type: 'spark', inputs, outputs });
  if (root.has('code')) spec.code = `azureml:${translateCode(root.require('code', ''), ctx, baseDir, COMPONENT_DEFAULT_IGNORES)}`;
  if (root.has('environment')) {
    const environment = translateEnvironment(root.require('environment', ''), ctx, baseDir);
    spec.environment = isRegistryUri(environment) ? environment : `azureml:${environment}`;
  }
  const node: Record<string, unknown> = {};
  for (const key of SPARK_NODE_KEYS) if (root.has(key)) node[key] = root.require(key, '').toJS();
  Object.assign(spec, node, { is_deterministic: root.has('is_deterministic') ? root.require('is_deterministic', '').bool('is_deterministic') : true, _source: sourceTag });
  const properties: Record<string, unknown> = { isAnonymous: true };
  if (spec.description) properties.description = spec.description;
  if (spec.tags) properties.tags = spec.tags;
  return { componentId: ctx.component(spec, properties, root.where), source: sourceTag, interface: iface, nodeDefaults: node };
}

/** What a spark node takes from its component unless it sets it itself (Spark.__init__). */
const SPARK_NODE_KEYS = ['entry', 'py_files', 'jars', 'files', 'archives', 'args', 'conf'];

/**
 * The spark-specific fields of a pipeline node (Spark._to_rest_object): entry, files, args and conf,
 * the step's own or its component's; conf keeps the YAML values, with executor instances defaulted
 * to the dynamic-allocation minimum; the identity azure-ai-ml picks when none is given.
 */
export function sparkNodeFields(step: YNode, component: ResolvedComponent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SPARK_NODE_KEYS) {
    if (step.has(key)) out[key] = step.require(key, '').toJS();
    else if (component.nodeDefaults?.[key] !== undefined) out[key] = component.nodeDefaults[key];
  }
  if (step.has('conf') || step.has('entry')) {
    sparkConf(step);
    if (step.has('entry')) sparkEntry(step.require('entry', ''));
  }
  const conf = out.conf as Record<string, unknown> | undefined;
  if (conf && [true, 'true', 'True'].includes(conf['spark.dynamicAllocation.enabled'] as string) && conf['spark.executor.instances'] === undefined) {
    conf['spark.executor.instances'] = conf['spark.dynamicAllocation.minExecutors'];
  }
  const entry = out.entry as Record<string, unknown> | undefined;
  if (entry) {
    out.entry = entry.file !== undefined ? { file: entry.file, spark_job_entry_type: 'SparkJobPythonEntry' } : { class_name: entry.class_name, spark_job_entry_type: 'SparkJobScalaEntry' };
  }
  if (!step.has('identity')) {
    if (step.has('compute')) out.identity = { identity_type: 'Managed' };
    else if (step.has('resources')) out.identity = { identity_type: 'UserIdentity' };
  }
  if (step.has('resources')) {
    const resources = step.require('resources', '');
    checkFields(resources, ['instance_type', 'runtime_version'], 'spark resources');
    out.resources = resources.toJS();
  }
  return out;
}
