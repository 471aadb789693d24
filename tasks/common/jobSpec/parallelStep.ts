// A `type: parallel` pipeline step (azure-ai-ml entities/_builders/parallel.py, _schema/pipeline/
// pipeline_parallel_job.py): the mini-batch settings and the task (entry script, code, environment)
// on the node, and the anonymous parallel component the step runs.
import { snakeKeys, translateCode, translateResources } from './commandParts';
import { COMPONENT_DEFAULT_IGNORES, type InferredIo, type ResolvedComponent } from './components';
import type { TranslationContext } from './context';
import { translateEnvironment } from './environments';
import { isRegistryUri } from './references';
import { FIELDS, checkFields, oneOf } from './schema';
import type { YNode } from './yamlSource';

const LOGGING_LEVELS = ['DEBUG', 'INFO', 'WARNING'] as const;
const TASK_TYPES = ['run_function', 'model', 'function'] as const;

/** Parallel.__init__: mini_batch_size "10kb" / "1mb" / "1gb" / "100" → a whole number. */
export function miniBatchSize(node: YNode): number {
  if (node.kind === 'number') return node.int('mini_batch_size');
  const text = node.str('mini_batch_size');
  const m = /^(\d+)([kKmMgG][bB])?$/.exec(text);
  if (!m) node.fail(`mini_batch_size '${text}' must be a whole number, optionally followed by kb, mb or gb (e.g. 10kb)`);
  const unit = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'kb' | 'mb' | 'gb'] ?? 1;
  return Number(m[1]) * unit;
}

/** The step's `task`: code and environment resolved as az ml resolves them before sending. */
function translateTask(task: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  checkFields(task, FIELDS.parallelTask, 'parallel task');
  const out: Record<string, unknown> = { type: oneOf(task.require('type', 'parallel task'), TASK_TYPES, 'parallel task type') };
  if (task.has('code')) out.code = translateCode(task.require('code', ''), ctx, baseDir, COMPONENT_DEFAULT_IGNORES);
  for (const key of ['entry_script', 'program_arguments', 'model', 'append_row_to']) {
    if (task.has(key)) out[key] = task.require(key, '').str(`task.${key}`);
  }
  out.environment = translateEnvironment(task.require('environment', 'parallel task'), ctx, baseDir);
  return out;
}

/** The parallel-specific fields of the node (snake_case, as Parallel._to_rest_object sends them). */
export function parallelNodeFields(step: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (step.has('input_data')) out.input_data = step.require('input_data', '').str('input_data');
  if (step.has('mini_batch_size')) out.mini_batch_size = miniBatchSize(step.require('mini_batch_size', ''));
  if (step.has('partition_keys')) {
    // json.dumps(partition_keys): Python's separators (", ") and ASCII escapes.
    const keys = step.require('partition_keys', '').items('partition_keys').map((k) => k.str('partition key'));
    out.partition_keys = `[${keys.map((k) => JSON.stringify(k).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join(', ')}]`;
  }
  for (const key of ['max_concurrency_per_instance', 'error_threshold', 'mini_batch_error_threshold']) {
    if (step.has(key)) out[key] = step.require(key, '').int(key);
  }
  if (step.has('logging_level')) out.logging_level = oneOf(step.require('logging_level', ''), LOGGING_LEVELS, 'logging_level');
  if (step.has('retry_settings')) {
    const retry = step.require('retry_settings', '');
    checkFields(retry, ['timeout', 'max_retries'], 'retry_settings');
    out.retry_settings = Object.fromEntries(['max_retries', 'timeout'].filter((k) => retry.has(k)).map((k) => [k, retry.require(k, '').int(`retry_settings.${k}`)]));
  }
  if (step.has('resources')) out.resources = snakeKeys(translateResources(step.require('resources', '')));
  if (step.has('task')) out.task = translateTask(step.require('task', ''), ctx, baseDir);
  return out;
}

/** An inline parallel step's anonymous component: its interface from the step, its task and settings. */
export function parallelComponentFromStep(step: YNode, node: Record<string, unknown>, ctx: TranslationContext, io: { inputs: InferredIo; outputs: InferredIo }): ResolvedComponent {
  if (!node.task) step.fail(`a parallel step needs a task (type, code, entry_script, environment) or a component`);
  const task = { ...(node.task as Record<string, unknown>) };
  if (typeof task.code === 'string') task.code = `azureml:${task.code}`;
  const environment = task.environment as string;
  task.environment = isRegistryUri(environment) ? environment : `azureml:${environment}`;
  const spec: Record<string, unknown> = {
    type: 'parallel',
    inputs: Object.fromEntries(Object.entries(io.inputs).map(([name, type]) => [name, { type }])),
    outputs: Object.fromEntries(Object.entries(io.outputs).map(([name, type]) => [name, { type }])),
    task,
    is_deterministic: true,
    _source: 'YAML.JOB',
  };
  for (const key of ['input_data', 'mini_batch_size', 'partition_keys', 'max_concurrency_per_instance', 'error_threshold', 'mini_batch_error_threshold', 'logging_level', 'retry_settings', 'resources']) {
    if (node[key] !== undefined) spec[key] = node[key];
  }
  return { componentId: ctx.component(spec, { isAnonymous: true }, step.where), source: 'YAML.JOB' };
}
