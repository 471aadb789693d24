// Job and pipeline-step inputs/outputs, as azure-ai-ml's to_rest_dataset_literal_inputs /
// to_rest_data_outputs build them. Standalone jobs send the REST models (camelCase); pipeline
// steps send msrest's as_dict() of the same models (snake_case), inside the free-form `jobs` map.
import type { TranslationContext } from './context';
import { pythonStr } from './pythonText';
import { isBinding, isRemotePath, parseAssetReference } from './references';
import { FIELDS, checkFields, oneOf } from './schema';
import type { YNode } from './yamlSource';

export type IoStyle = 'job' | 'node';

export const DATA_TYPES = ['uri_file', 'uri_folder', 'mltable', 'mlflow_model', 'custom_model', 'triton_model'] as const;
export const LITERAL_TYPES = ['string', 'integer', 'number', 'boolean'] as const;

const INPUT_MODES: Record<string, string> = {
  mount: 'ReadOnlyMount',
  ro_mount: 'ReadOnlyMount',
  download: 'Download',
  direct: 'Direct',
  eval_mount: 'EvalMount',
  eval_download: 'EvalDownload',
};
const OUTPUT_MODES: Record<string, string> = { mount: 'ReadWriteMount', rw_mount: 'ReadWriteMount', upload: 'Upload', direct: 'Direct' };

export { isBinding };

interface IoScope {
  ctx: TranslationContext;
  baseDir: string;
  style: IoStyle;
  /** Pipeline jobs accept dots in input/output names; other jobs do not. */
  allowDots?: boolean;
}

export function translateInputs(map: YNode | undefined, io: IoScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value, key] of map?.entries('inputs') ?? []) {
    checkName(name, key, io, 'input');
    if (value.isNull) {
      if (io.style === 'node') continue; // an unset optional step input
      value.fail(`input '${name}' has no value; give a literal value or a mapping with type and path`);
    }
    out[name] = translateInput(name, value, io);
  }
  return out;
}

function translateInput(name: string, value: YNode, io: IoScope): Record<string, unknown> {
  const typeKey = io.style === 'job' ? 'jobInputType' : 'job_input_type';
  if (value.kind === 'sequence') value.fail(`input '${name}' must be a literal value or a mapping, not a list`);
  if (value.kind !== 'mapping') return { [typeKey]: 'literal', value: pythonStr(value) };

  checkFields(value, FIELDS.jobInput, `input '${name}'`);
  const typeNode = value.get('type');
  const type = typeNode && !typeNode.isNull ? oneOf(typeNode, [...DATA_TYPES, ...LITERAL_TYPES], `type of input '${name}'`) : 'uri_folder';
  const description = value.has('description') ? { description: value.require('description', 'input').str('description') } : {};
  if ((LITERAL_TYPES as readonly string[]).includes(type)) {
    const literal = value.get('value') ?? value.get('default');
    if (!literal || literal.isNull) value.fail(`literal input '${name}' of type ${type} needs a value`);
    // PyYAML hands azure-ai-ml a dict here and the service receives the string "None": refuse it instead.
    if (literal.kind === 'mapping' || literal.kind === 'sequence') literal.fail(`the value of literal input '${name}' of type ${type} must be a single value, not a ${literal.kind}`);
    return { [typeKey]: 'literal', value: pythonStr(literal), ...description };
  }
  const pathNode = value.require('path', `input '${name}'`);
  const path = pathNode.str(`path of input '${name}'`);
  const mode = value.has('mode') ? { mode: modeOf(value.require('mode', 'input'), INPUT_MODES, `mode of input '${name}'`) } : {};
  if (isBinding(path)) return { [typeKey]: 'literal', value: path, ...mode, ...description };
  return { [typeKey]: type, uri: inputUri(path, type, pathNode, io), ...mode, ...description };
}

export function inputUri(path: string, type: string, node: YNode, io: IoScope): string {
  if (path.startsWith('azureml:') && !path.startsWith('azureml://')) {
    const assetType = type.endsWith('_model') ? 'models' : 'data';
    return io.ctx.reference(parseAssetReference(node, assetType, io.ctx.scope, `path of input`), node.where);
  }
  if (isRemotePath(path)) return path;
  return io.ctx.upload('input', io.baseDir, path, node.where, { inputType: type });
}

export function translateOutputs(map: YNode | undefined, io: IoScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const typeKey = io.style === 'job' ? 'jobOutputType' : 'job_output_type';
  for (const [name, value, key] of map?.entries('outputs') ?? []) {
    checkName(name, key, io, 'output');
    if (value.isNull) {
      // azure-ai-ml: "pipeline output could be none, default to URI folder with None mode"
      if (io.style === 'job') out[name] = { [typeKey]: 'uri_folder' };
      continue;
    }
    if (value.kind !== 'mapping') {
      const text = value.scalar;
      if (io.style === 'node' && isBinding(text)) {
        out[name] = { value: text, type: 'literal' };
        continue;
      }
      value.fail(`output '${name}' must be a mapping (type, path, mode)${io.style === 'node' ? ' or a ${{parent.outputs.<name>}} binding' : ''}`);
    }
    checkFields(value, FIELDS.jobOutput, `output '${name}'`);
    const bound = value.get('path')?.scalar;
    if (io.style === 'node' && isBinding(bound)) {
      // A step output bound to a pipeline output goes as the binding alone, its type left to the pipeline's.
      out[name] = { value: bound, type: 'literal' };
      continue;
    }
    const typeNode = value.get('type');
    const type = typeNode && !typeNode.isNull ? oneOf(typeNode, DATA_TYPES, `type of output '${name}'`) : 'uri_folder';
    const entry: Record<string, unknown> = { [typeKey]: type };
    if (value.has('path')) {
      const pathNode = value.require('path', 'output');
      const path = pathNode.str(`path of output '${name}'`);
      if (!isRemotePath(path) && !isBinding(path)) {
        pathNode.fail(`output '${name}' path must be a datastore URI (azureml://datastores/<name>/paths/<path>), not a local path`);
      }
      entry.uri = path;
    }
    if (value.has('mode')) entry.mode = modeOf(value.require('mode', 'output'), OUTPUT_MODES, `mode of output '${name}'`);
    if (value.has('description')) entry.description = value.require('description', 'output').str('description');
    out[name] = entry;
  }
  return out;
}

function modeOf(node: YNode, modes: Record<string, string>, what: string): string {
  return modes[oneOf(node, Object.keys(modes), what)];
}

function checkName(name: string, key: YNode, io: IoScope, what: string): void {
  const pattern = io.allowDots ? /^[A-Za-z_][A-Za-z0-9_.]*$/ : /^[A-Za-z_][A-Za-z0-9_]*$/;
  if (!pattern.test(name)) {
    key.fail(`${what} name '${name}' is invalid: use letters, digits and underscores, not starting with a digit`);
  }
}

/** Names referenced as ${{inputs.x}} / ${{outputs.y}} / ${{search_space.z}} in a command. */
export function referencedNames(command: string, prefix: string): string[] {
  const names = new Set<string>();
  // $[[...]] marks optional parts; references inside them may be left unset.
  const required = command.replace(/\$\[\[[\s\S]*?\]\]/g, '');
  for (const m of required.matchAll(new RegExp(`\\$\\{\\{\\s*${prefix}\\.([A-Za-z0-9_.]+)\\s*\\}\\}`, 'g'))) names.add(m[1]);
  return [...names];
}
