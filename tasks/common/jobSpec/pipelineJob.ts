// A pipeline job → RestPipelineJob (PipelineJob._to_rest_object); each step as BaseNode/Command
// ._to_rest_object() builds it: snake_case msrest dicts inside the free-form `jobs` map.
import {
  snakeKeys,
  translateCommandLimits,
  translateDistribution,
  translateEnvironmentVariables,
  translateIdentity,
  translateResources,
  translateServices,
} from './commandParts';
import {
  type ComponentInterface,
  type InferredIo,
  type ResolvedComponent,
  componentFromFile,
  componentFromInlineStep,
  componentFromSpec,
  componentInterface,
  inferInputType,
} from './components';
import type { TranslationContext } from './context';
import { isBinding, translateInputs, translateOutputs } from './inputsOutputs';
import { translateRunSettings } from './jobCommon';
import { readAutoMLTask } from './automl/automlTask';
import { parallelComponentFromStep, parallelNodeFields } from './parallelStep';
import { sparkComponentFromSpec, sparkNodeFields } from './sparkJob';
import { computeArmId, datastoreArmId, isRegistryUri, parseAssetReference } from './references';
import { FIELDS, checkFields, oneOf, unknownFields } from './schema';
import { translateEarlyTermination, translateObjective, translateSampling, translateSearchSpace, translateSweepLimits } from './sweepJob';
import type { YNode } from './yamlSource';

/** ComponentSource.YAML_JOB: where azure-ai-ml says a pipeline and its steps came from. */
const YAML_JOB = 'YAML.JOB';
const STEP_TYPES = ['command', 'parallel', 'pipeline', 'spark', 'sweep', 'automl'];
const STEP_FIELDS: Record<string, readonly string[]> = {
  command: FIELDS.commandNode,
  sweep: FIELDS.sweepNode,
  parallel: FIELDS.parallelNode,
  pipeline: FIELDS.pipelineNode,
  spark: FIELDS.sparkNode,
};

interface PipelineScope {
  ctx: TranslationContext;
  baseDir: string;
  inputTypes: Record<string, string>;
  outputs: string[];
  steps: string[];
}

export function translatePipelineJob(root: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  checkFields(root, FIELDS.pipelineJob, 'pipeline job');
  if (root.has('component')) {
    root.require('component', '').fail('pipeline jobs that run a registered pipeline component are not supported; list the steps under jobs');
  }
  const io = { ctx, baseDir, style: 'job' as const, allowDots: true };
  const inputs = translateInputs(root.get('inputs'), io);
  const outputs = translateOutputs(root.get('outputs'), io);
  const inputTypes = Object.fromEntries((root.get('inputs')?.entries('inputs') ?? []).map(([name, value]) => [name, inferInputType(value, {})]));
  const jobs = translateSteps(root.require('jobs', 'pipeline job'), { ctx, baseDir, inputTypes, outputs: Object.keys(outputs) }, 'a pipeline job');
  return {
    jobType: 'Pipeline',
    jobs,
    inputs,
    outputs,
    settings: translateSettings(root.get('settings'), ctx),
    ...translateRunSettings(root, ctx),
  };
}

/** The `jobs` of a pipeline job or pipeline component, each as its node's REST dict. */
function translateSteps(jobsNode: YNode, parent: Omit<PipelineScope, 'steps'>, what: string): Record<string, unknown> {
  const stepEntries = jobsNode.entries('jobs');
  if (!stepEntries.length) jobsNode.fail(`${what} needs at least one step under jobs`);
  const scope: PipelineScope = { ...parent, steps: stepEntries.map(([name]) => name) };
  const jobs: Record<string, unknown> = {};
  for (const [name, step, key] of stepEntries) {
    if (!/^[a-z_][a-z0-9_]*$/i.test(name)) key.fail(`step name '${name}' is invalid: use letters, digits and underscores`);
    jobs[name] = translateStep(name, step, scope);
  }
  return jobs;
}

/**
 * A pipeline component (its own file, or inline under a step's `component:`) → an anonymous
 * component whose spec carries its steps as REST nodes (PipelineComponent._to_rest_object); the
 * components its steps run are registered first.
 */
export function pipelineComponentFromSpec(root: YNode, ctx: TranslationContext, baseDir: string, sourceTag: string): ResolvedComponent {
  checkFields(root, FIELDS.pipelineComponent, 'pipeline component');
  if (root.has('type')) oneOf(root.require('type', ''), ['pipeline'], 'component type');
  const { iface, inputs, outputs } = componentInterface(root);
  const inputTypes = Object.fromEntries(Object.entries(iface.inputs).map(([name, { type }]) => [name, type]));
  const jobs = translateSteps(root.require('jobs', 'pipeline component'), { ctx, baseDir, inputTypes, outputs: Object.keys(iface.outputs) }, 'a pipeline component');
  const spec: Record<string, unknown> = {};
  for (const key of ['$schema', 'name', 'version', 'display_name', 'description', 'tags']) {
    if (root.has(key)) spec[key] = root.require(key, '').toJS();
  }
  Object.assign(spec, { type: 'pipeline', inputs, outputs, jobs, _source: sourceTag });
  const properties: Record<string, unknown> = { isAnonymous: true };
  if (spec.description) properties.description = spec.description;
  if (spec.tags) properties.tags = spec.tags;
  return { componentId: ctx.component(spec, properties, root.where), source: sourceTag, interface: iface };
}

function translateSettings(node: YNode | undefined, ctx: TranslationContext): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (node && !node.isNull) {
    for (const extra of unknownFields(node, FIELDS.pipelineSettings, 'pipeline settings')) {
      ctx.warn(`${extra.keyNode.where}: ${extra.message}; it is sent as given, as az ml does`);
      settings[extra.key] = extra.value.toJS();
    }
    if (node.has('default_compute')) settings.default_compute = computeArmId(node.require('default_compute', ''), ctx.scope);
    if (node.has('default_datastore')) settings.default_datastore = datastoreArmId(node.require('default_datastore', ''), ctx.scope);
    if (node.has('continue_on_step_failure')) {
      settings.continue_on_step_failure = node.require('continue_on_step_failure', '').bool('settings.continue_on_step_failure');
    }
    if (node.has('force_rerun')) settings.force_rerun = node.require('force_rerun', '').bool('settings.force_rerun');
    if (node.has('default_environment')) settings.default_environment = node.require('default_environment', '').str('default_environment');
  }
  settings._source = YAML_JOB;
  return settings;
}

function translateStep(name: string, step: YNode, scope: PipelineScope): Record<string, unknown> {
  const what = `step '${name}'`;
  if (step.kind !== 'mapping') step.fail(`${what} must be a mapping`);
  const typeNode = step.get('type');
  const type = typeNode && !typeNode.isNull ? typeNode.str('step type') : 'command';
  if (!STEP_TYPES.includes(type)) {
    typeNode?.fail(`${what} has type '${type}', which this task does not submit; supported step types: ${STEP_TYPES.join(', ')}`);
  }
  if (type === 'automl') {
    checkBindings(step, scope, what);
    return automlNode(name, step, scope);
  }
  const extras = unknownFields(step, STEP_FIELDS[type], `${type} ${what}`);
  for (const extra of extras) scope.ctx.warn(`${extra.keyNode.where}: ${extra.message}; it is sent as given, as az ml does`);
  checkBindings(step, scope, what);

  const io = { ctx: scope.ctx, baseDir: scope.baseDir, style: 'node' as const };
  const inputs = translateInputs(step.get('inputs'), io);
  const outputs = translateOutputs(step.get('outputs'), io);
  const parallel = type === 'parallel' ? parallelNodeFields(step, scope.ctx, scope.baseDir) : {};
  const component =
    type === 'parallel' && !step.has('component')
      ? parallelComponentFromStep(step, parallel, scope.ctx, inferredIo(step, scope))
      : resolveComponent(step, scope, what, type);
  if (component.interface && type === 'pipeline') {
    // A pipeline component's node keeps only the inputs the component declares (azure-ai-ml drops the rest).
    for (const [name, , key] of step.get('inputs')?.entries('inputs') ?? []) {
      if (name in component.interface.inputs) continue;
      scope.ctx.warn(`${key.where}: ${what} sets input '${name}', which its pipeline component (${component.interface.origin}) does not define; it is not sent, as az ml does`);
      delete inputs[name];
    }
  }
  // A sweep's search space sets trial inputs too.
  const searched = type === 'sweep' ? (step.get('search_space')?.entries('search_space') ?? []).map(([key]) => key) : [];
  if (component.interface) checkInterface(step, component.interface, what, type === 'pipeline', searched);

  const node: Record<string, unknown> = { name, type };
  if (step.has('display_name')) node.display_name = step.require('display_name', '').str('display_name');
  if (step.has('tags')) node.tags = step.require('tags', '').strMap('tags');
  if (step.has('compute')) node.computeId = computeArmId(step.require('compute', ''), scope.ctx.scope);
  node.inputs = inputs;
  node.outputs = outputs;
  if (step.has('properties')) node.properties = step.require('properties', '').strMap('properties');
  node._source = component.source;
  if (type === 'sweep') Object.assign(node, sweepNodeFields(step, component.componentId));
  else node.componentId = component.componentId;
  if (step.has('distribution')) node.distribution = snakeKeys(translateDistribution(step.require('distribution', '')));
  if (step.has('limits') && type !== 'sweep') node.limits = snakeKeys(translateCommandLimits(step.require('limits', '')));
  if (step.has('resources') && type !== 'spark') node.resources = snakeKeys(translateResources(step.require('resources', '')));
  Object.assign(node, parallel, type === 'spark' ? sparkNodeFields(step, component) : {});
  if (step.has('environment_variables')) node.environment_variables = translateEnvironmentVariables(step.get('environment_variables'));
  if (step.has('identity')) node.identity = snakeKeys(translateIdentity(step.require('identity', '')));
  if (step.has('services')) {
    const services = translateServices(step.require('services', ''), scope.ctx);
    node.services = Object.fromEntries(Object.entries(services).map(([k, v]) => [k, snakeKeys(v as Record<string, unknown>)]));
  }
  if (step.has('queue_settings')) step.require('queue_settings', '').fail('queue_settings needs a newer Azure ML API than 2022-10-01');
  // BaseNode._to_rest_object: "add all arbitrary attributes to support setting unknown attributes"
  for (const extra of extras) node[extra.key] = extra.value.toJS();
  return withoutEmpty(node);
}

/**
 * A sweep step's own fields (Sweep._to_rest_object): the search space, sampling algorithm, objective
 * and limits as written (checked as a sweep job's are), the policy as its REST dict, the trial by id.
 */
function sweepNodeFields(step: YNode, componentId: string): Record<string, unknown> {
  const out: Record<string, unknown> = { trial: { componentId } };
  const searchSpace = step.require('search_space', 'sweep step');
  translateSearchSpace(searchSpace);
  out.search_space = searchSpace.toJS();
  const sampling = step.require('sampling_algorithm', 'sweep step');
  translateSampling(sampling);
  out.sampling_algorithm = sampling.toJS();
  const objective = step.require('objective', 'sweep step');
  translateObjective(objective);
  out.objective = objective.toJS();
  if (step.has('limits')) {
    const limits = step.require('limits', '');
    translateSweepLimits(limits);
    out.limits = limits.toJS();
  }
  if (step.has('early_termination')) {
    const policyNode = step.require('early_termination', '');
    const policy = snakeKeys(translateEarlyTermination(policyNode));
    // The policy's slack is sent only as given (the loaded BanditPolicy has no other).
    for (const slack of ['slack_amount', 'slack_factor']) if (slack in policy && !policyNode.has(slack)) delete policy[slack];
    out.early_termination = policy;
  }
  return out;
}

/** An AutoML step: the task's settings as the node schema dumps them (AutoMLNodeMixin). */
function automlNode(name: string, step: YNode, scope: PipelineScope): Record<string, unknown> {
  const task = readAutoMLTask(step, { ctx: scope.ctx, baseDir: scope.baseDir, inPipeline: true }, `step '${name}'`);
  const node: Record<string, unknown> = { name, type: 'automl', ...task.node };
  for (const key of ['display_name', 'description', 'experiment_name', 'compute', 'environment_id']) {
    if (step.has(key)) node[key] = step.require(key, '').str(key);
  }
  if (step.has('environment_variables')) node.environment_variables = translateEnvironmentVariables(step.get('environment_variables'));
  if (step.has('resources')) node.resources = snakeKeys(translateResources(step.require('resources', '')));
  if (step.has('identity')) node.identity = snakeKeys(translateIdentity(step.require('identity', '')));
  node.tags = step.has('tags') ? step.require('tags', '').strMap('tags') : {};
  node.properties = step.has('properties') ? step.require('properties', '').strMap('properties') : {};
  node.outputs = translateOutputs(step.get('outputs'), { ctx: scope.ctx, baseDir: scope.baseDir, style: 'node' });
  return node;
}

/** convert_ordered_dict_to_dict: nodes are sent without None values and empty mappings, at any depth. */
function withoutEmpty(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const cleaned = value && typeof value === 'object' && !Array.isArray(value) ? withoutEmpty(value as Record<string, unknown>) : value;
    const empty = cleaned === null || cleaned === undefined || (typeof cleaned === 'object' && !Array.isArray(cleaned) && !Object.keys(cleaned).length);
    if (!empty) out[key] = cleaned;
  }
  return out;
}

function resolveComponent(step: YNode, scope: PipelineScope, what: string, type: string): ResolvedComponent {
  // A sweep step names its command component `trial`.
  const componentNode = step.get(type === 'sweep' ? 'trial' : 'component');
  const inline = ['command', 'code', 'environment'].filter((k) => step.has(k));
  if (componentNode && !componentNode.isNull) {
    if (inline.length) step.require(inline[0], '').fail(`${what} has both component and ${inline.join(', ')}; give one or the other`);
    const fromSpec = type === 'pipeline' ? pipelineComponentFromSpec : type === 'spark' ? sparkComponentFromSpec : componentFromSpec;
    if (componentNode.kind === 'mapping') return fromSpec(componentNode, scope.ctx, scope.baseDir, YAML_JOB);
    const ref = componentNode.str('component');
    if (ref.startsWith('azureml:')) {
      const componentId = scope.ctx.reference(parseAssetReference(componentNode, 'components', scope.ctx.scope, 'component'), componentNode.where);
      return { componentId, source: isRegistryUri(componentId) ? 'REMOTE.REGISTRY' : 'REMOTE.WORKSPACE.COMPONENT' };
    }
    return componentFromFile(componentNode, scope.ctx, scope.baseDir, fromSpec);
  }
  if (type === 'pipeline') step.fail(`${what} is a pipeline step: it needs a component (a pipeline component file such as ./train_pipeline.yml, or azureml:<name>:<version>)`);
  if (type === 'spark') step.fail(`${what} is a spark step: it needs a component (a spark component file such as ./spark-component.yml, or azureml:<name>:<version>)`);
  if (type === 'sweep') step.fail(`${what} is a sweep step: it needs a trial (a command component file such as ./train.yml, or azureml:<name>:<version>)`);
  if (!step.has('command')) step.fail(`${what} needs a component (a file such as ./component.yml, or azureml:<name>:<version>) or an inline command`);
  return componentFromInlineStep(step, scope.ctx, scope.baseDir, inferredIo(step, scope));
}

/** The interface of an inline step's anonymous component, from the values the step binds (CommandJob._to_inputs). */
function inferredIo(step: YNode, scope: PipelineScope): { inputs: InferredIo; outputs: InferredIo } {
  const inputs = Object.fromEntries(
    (step.get('inputs')?.entries('inputs') ?? []).filter(([, v]) => !v.isNull).map(([n, v]) => [n, inferInputType(v, scope.inputTypes)]),
  );
  const outputs = Object.fromEntries(
    (step.get('outputs')?.entries('outputs') ?? []).map(([n, v]) => [n, v.kind === 'mapping' && v.has('type') ? v.require('type', '').str('type') : 'uri_folder']),
  );
  return { inputs, outputs };
}

/** Step inputs/outputs must be ones the component declares; required inputs must be set. */
function checkInterface(step: YNode, iface: ComponentInterface, what: string, undeclaredInputsDropped = false, alsoGiven: string[] = []): void {
  const given = new Set<string>(alsoGiven);
  for (const [name, value, key] of step.get('inputs')?.entries('inputs') ?? []) {
    if (!(name in iface.inputs) && !undeclaredInputsDropped) key.fail(`${what} sets input '${name}', which its component (${iface.origin}) does not define; defined: ${Object.keys(iface.inputs).join(', ') || '(none)'}`);
    if (!value.isNull) given.add(name);
  }
  for (const [name, { required }] of Object.entries(iface.inputs)) {
    if (required && !given.has(name)) step.fail(`required input '${name}' of the component (${iface.origin}) is not set in ${what}`);
  }
  for (const [name, , key] of step.get('outputs')?.entries('outputs') ?? []) {
    if (!(name in iface.outputs)) key.fail(`${what} sets output '${name}', which its component (${iface.origin}) does not define; defined: ${Object.keys(iface.outputs).join(', ') || '(none)'}`);
  }
}

/**
 * ${{parent.inputs.x}}, ${{parent.outputs.y}} and ${{parent.jobs.s.outputs.z}} must name something
 * that exists, in inputs and outputs and in any other field of the step (compute, resources...).
 */
function checkBindings(step: YNode, scope: PipelineScope, what: string): void {
  for (const section of ['inputs', 'outputs']) {
    for (const [name, value] of step.get(section)?.entries(section) ?? []) {
      const target = value.kind === 'mapping' ? value.get('path') : value;
      if (target) checkBinding(target, scope, `${what} ${section}.${name}`);
    }
  }
  const walk = (node: YNode, at: string): void => {
    if (node.kind === 'mapping') for (const [key, value] of node.entries(at)) walk(value, `${at}.${key}`);
    // Elsewhere ${{inputs.x}} names the step's own inputs (input_data, task.append_row_to).
    else if (/^\s*\$\{\{\s*parent\./.test(String(node.scalar))) checkBinding(node, scope, `${what} ${at}`);
  };
  for (const [key, value] of step.entries(what)) if (!['inputs', 'outputs', 'command', 'component', 'jobs', 'trial'].includes(key)) walk(value, key);
}

function checkBinding(target: YNode, scope: PipelineScope, where: string): void {
  const text = target.scalar;
  if (!isBinding(text)) return;
  const expr = text.trim().slice(3, -2).trim();
  const parts = expr.split('.');
  const fail = (why: string): never => target.fail(`${where}: ${why} in '${text}'`);
  if (parts[0] !== 'parent') fail("bindings in pipeline steps start with 'parent.'");
  if (parts[1] === 'inputs') {
    if (!(parts[2] in scope.inputTypes)) fail(`the pipeline has no input '${parts[2]}'; defined: ${Object.keys(scope.inputTypes).join(', ') || '(none)'}`);
  } else if (parts[1] === 'outputs') {
    if (!scope.outputs.includes(parts[2])) fail(`the pipeline has no output '${parts[2]}'; defined: ${scope.outputs.join(', ') || '(none)'}`);
  } else if (parts[1] === 'jobs') {
    if (!scope.steps.includes(parts[2])) fail(`the pipeline has no step '${parts[2]}'; steps: ${scope.steps.join(', ')}`);
    if (parts[3] !== 'outputs' || !parts[4]) fail('expected ${{parent.jobs.<step>.outputs.<name>}}');
  } else {
    fail('expected parent.inputs, parent.outputs or parent.jobs');
  }
}
