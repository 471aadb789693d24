// Command components that pipeline steps run: loaded from `component: ./file.yml`, written inline
// under `component:`, or derived from an inline command step (CommandJob._to_component). Each is
// registered as an anonymous component whose spec is what CommandComponent._to_dict() dumps.
import * as path from 'node:path';
import { translateCode, translateCommand, translateDistribution, translateResources } from './commandParts';
import type { TranslationContext } from './context';
import { translateEnvironment } from './environments';
import { DATA_TYPES, LITERAL_TYPES, isBinding } from './inputsOutputs';
import { isRegistryUri } from './references';
import { FIELDS, checkFields, oneOf } from './schema';
import { YNode, loadYamlFile } from './yamlSource';

/** ComponentIgnoreFile._COMPONENT_CODE_IGNORES: component snapshots never carry __pycache__. */
export const COMPONENT_DEFAULT_IGNORES = ['__pycache__'];

export interface ComponentInterface {
  /** Input name → type and whether a step must set it. */
  inputs: Record<string, { type: string; required: boolean }>;
  outputs: Record<string, { type: string }>;
  /** Where the component is defined, for messages. */
  origin: string;
}

export interface ResolvedComponent {
  /** componentId for the step: a token until the anonymous component is registered. */
  componentId: string;
  /** ComponentSource the step reports as its _source (YAML.COMPONENT, YAML.JOB, REMOTE.*). */
  source: string;
  interface?: ComponentInterface;
  /** Settings a node copies from its component unless it sets them (spark: entry, conf, args...). */
  nodeDefaults?: Record<string, unknown>;
}

/** A ${{parent...}} binding or a literal/data input of an inline step, as the step declares it. */
export type InferredIo = Record<string, string>;

/** Loads `component: ./train.yml` (or `file:./train.yml`), relative to the pipeline file. */
export function componentFromFile(
  node: YNode,
  ctx: TranslationContext,
  pipelineDir: string,
  fromSpec: (root: YNode, ctx: TranslationContext, baseDir: string, sourceTag: string) => ResolvedComponent = componentFromSpec,
): ResolvedComponent {
  const reference = node.str('component');
  const file = path.resolve(pipelineDir, reference.replace(/^file:/, ''));
  const source = loadYamlFile(file, node.where);
  // azure-ai-ml loads a bare path with ComponentFileRefField (YAML.COMPONENT); "file:" paths take
  // its other branch, which tags the component as written in the job (YAML.JOB).
  return fromSpec(source.root(), ctx, path.dirname(file), reference.startsWith('file:') ? 'YAML.JOB' : 'YAML.COMPONENT');
}

/** A command component definition (from its own file or inline) → anonymous component template. */
export function componentFromSpec(root: YNode, ctx: TranslationContext, baseDir: string, sourceTag: string): ResolvedComponent {
  checkFields(root, FIELDS.commandComponent, 'command component');
  if (root.has('type')) oneOf(root.require('type', ''), ['command'], 'component type');
  const { iface, inputs, outputs } = componentInterface(root);
  if (root.has('additional_includes')) {
    root.require('additional_includes', '').fail('additional_includes is not supported; copy the files into the code folder');
  }
  const spec: Record<string, unknown> = {};
  for (const key of ['$schema', 'name', 'version', 'display_name', 'description', 'tags']) {
    if (root.has(key)) spec[key] = root.require(key, '').toJS();
  }
  if (spec.version !== undefined) spec.version = String(spec.version);
  Object.assign(spec, {
    type: 'command',
    inputs,
    outputs,
    command: translateCommand(root.require('command', 'command component'), ctx, { inputs: Object.keys(inputs) }),
    ...commandRuntime(root, ctx, baseDir),
    is_deterministic: root.has('is_deterministic') ? root.require('is_deterministic', '').bool('is_deterministic') : true,
    _source: sourceTag,
  });
  const properties: Record<string, unknown> = { isAnonymous: true };
  if (spec.description) properties.description = spec.description;
  if (spec.tags) properties.tags = spec.tags;
  return { componentId: ctx.component(spec, properties, root.where), source: sourceTag, interface: iface };
}

/**
 * An inline command step (command/code/environment written on the step) becomes an anonymous
 * component whose inputs and outputs take the types of the values the step binds to them.
 */
export function componentFromInlineStep(step: YNode, ctx: TranslationContext, baseDir: string, io: { inputs: InferredIo; outputs: InferredIo }): ResolvedComponent {
  const inputs = Object.fromEntries(Object.entries(io.inputs).map(([name, type]) => [name, { type }]));
  const outputs = Object.fromEntries(Object.entries(io.outputs).map(([name, type]) => [name, { type }]));
  const spec: Record<string, unknown> = {
    type: 'command',
    inputs,
    outputs,
    command: translateCommand(step.require('command', 'command step'), ctx, { inputs: Object.keys(inputs) }),
    ...commandRuntime(step, ctx, baseDir),
    is_deterministic: true,
    _source: 'YAML.JOB',
  };
  if (step.has('description')) spec.description = step.require('description', '').str('description');
  return { componentId: ctx.component(spec, { isAnonymous: true }, step.where), source: 'YAML.JOB' };
}

function commandRuntime(root: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (root.has('code')) out.code = `azureml:${translateCode(root.require('code', ''), ctx, baseDir, COMPONENT_DEFAULT_IGNORES)}`;
  const environment = translateEnvironment(root.require('environment', 'command component'), ctx, baseDir);
  out.environment = isRegistryUri(environment) ? environment : `azureml:${environment}`;
  // Validated here; the component spec keeps the YAML's own (snake_case) form.
  if (root.has('distribution')) {
    translateDistribution(root.require('distribution', ''));
    out.distribution = root.require('distribution', '').toJS();
  }
  if (root.has('resources')) {
    translateResources(root.require('resources', ''));
    out.resources = root.require('resources', '').toJS();
  }
  return out;
}

/** Type of the value an inline step binds to an input (CommandJob._to_inputs). */
export function inferInputType(value: YNode, pipelineInputTypes: Record<string, string>): string {
  const scalar = value.scalar;
  if (value.kind === 'mapping') {
    const type = value.get('type');
    return type && !type.isNull ? type.str('type') : 'uri_folder';
  }
  if (isBinding(scalar)) {
    const parentInput = /^\$\{\{\s*parent\.inputs\.([A-Za-z0-9_.]+)\s*\}\}$/.exec(scalar.trim());
    return parentInput ? (pipelineInputTypes[parentInput[1]] ?? 'string') : 'uri_folder';
  }
  return literalType(value);
}

export function literalType(value: YNode): string {
  switch (value.kind) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value.scalar) && !/[.eE]/.test(value.sourceText ?? '') ? 'integer' : 'number';
    default:
      return 'string';
  }
}

/** A component's declared inputs and outputs: checked, as the spec keeps them, and as an interface for steps. */
export function componentInterface(root: YNode): { iface: ComponentInterface; inputs: Record<string, unknown>; outputs: Record<string, unknown> } {
  const iface: ComponentInterface = { inputs: {}, outputs: {}, origin: root.where };
  const inputs: Record<string, unknown> = {};
  for (const [name, def] of root.get('inputs')?.entries('component inputs') ?? []) {
    checkFields(def, FIELDS.componentInput, `component input '${name}'`);
    const type = oneOf(def.require('type', `component input '${name}'`), [...DATA_TYPES, ...LITERAL_TYPES], `type of component input '${name}'`);
    const optional = def.has('optional') && def.require('optional', '').bool('optional');
    iface.inputs[name] = { type, required: !optional && !def.has('default') };
    inputs[name] = def.toJS();
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, def] of root.get('outputs')?.entries('component outputs') ?? []) {
    checkFields(def, FIELDS.componentOutput, `component output '${name}'`);
    const type = oneOf(def.require('type', `component output '${name}'`), DATA_TYPES, `type of component output '${name}'`);
    iface.outputs[name] = { type };
    outputs[name] = def.toJS();
  }
  return { iface, inputs, outputs };
}
