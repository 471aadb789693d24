// Fields azure-ai-ml's marshmallow schemas accept on load (azure/ai/ml/_schema/job/*, _sweep/*,
// component/*). Anything else fails the way `az ml job create` does: "Unknown field".
import type { YNode } from './yamlSource';

const BASE_JOB = [
  '$schema', 'type', 'name', 'display_name', 'description', 'tags', 'properties', 'experiment_name',
  'compute', 'identity', 'services', 'inputs', 'outputs',
] as const;
const PARAMETERIZED_COMMAND = ['command', 'code', 'environment', 'environment_variables', 'resources', 'distribution'] as const;

export const FIELDS = {
  commandJob: [...BASE_JOB, ...PARAMETERIZED_COMMAND, 'limits', 'queue_settings'],
  sweepJob: [
    ...BASE_JOB, 'trial', 'search_space', 'sampling_algorithm', 'objective', 'limits', 'early_termination',
    'queue_settings',
  ],
  sweepTrial: [...PARAMETERIZED_COMMAND],
  sparkJob: [
    ...BASE_JOB, 'code', 'entry', 'py_files', 'jars', 'files', 'archives', 'conf', 'environment', 'args', 'resources',
    'driver_cores', 'driver_memory', 'executor_cores', 'executor_memory', 'executor_instances',
    'dynamic_allocation_enabled', 'dynamic_allocation_min_executors', 'dynamic_allocation_max_executors',
  ],
  pipelineJob: [...BASE_JOB, 'jobs', 'settings', 'component'],
  pipelineSettings: ['default_compute', 'default_datastore', 'continue_on_step_failure', 'force_rerun', 'default_environment'],
  /** A command step of a pipeline: a component reference, or an inline command job. */
  commandNode: [
    'type', 'component', 'compute', 'inputs', 'outputs', 'name', 'display_name', 'description', 'tags', 'properties',
    'experiment_name', 'resources', 'distribution', 'limits', 'environment_variables', 'identity', 'services',
    'queue_settings', 'command', 'code', 'environment',
  ],
  commandComponent: [
    '$schema', 'name', 'version', 'display_name', 'description', 'tags', 'properties', 'type', 'inputs', 'outputs',
    'command', 'code', 'environment', 'distribution', 'resources', 'is_deterministic', 'additional_includes',
  ],
  /** A parallel step (ParallelSchema + pipeline node fields). */
  parallelNode: [
    'type', 'component', 'compute', 'inputs', 'outputs', 'name', 'display_name', 'description', 'tags', 'properties',
    'experiment_name', 'resources', 'environment_variables', 'identity', 'input_data', 'mini_batch_size',
    'partition_keys', 'max_concurrency_per_instance', 'logging_level', 'error_threshold', 'mini_batch_error_threshold',
    'retry_settings', 'task',
  ],
  /** A sweep step (SweepSchema + pipeline node fields): its trial is a command component. */
  sweepNode: [
    'type', 'trial', 'compute', 'inputs', 'outputs', 'name', 'display_name', 'description', 'tags', 'properties',
    'experiment_name', 'identity', 'search_space', 'sampling_algorithm', 'objective', 'limits', 'early_termination',
  ],
  /** A step that runs a pipeline component. */
  pipelineNode: ['type', 'component', 'inputs', 'outputs', 'name', 'display_name', 'description', 'tags', 'properties', 'experiment_name', 'settings'],
  pipelineComponent: ['$schema', 'name', 'version', 'display_name', 'description', 'tags', 'type', 'inputs', 'outputs', 'jobs', 'is_deterministic'],
  sparkNode: [
    'type', 'component', 'compute', 'inputs', 'outputs', 'name', 'display_name', 'description', 'tags', 'properties',
    'experiment_name', 'identity', 'resources', 'entry', 'py_files', 'jars', 'files', 'archives', 'conf', 'args',
  ],
  sparkComponent: [
    '$schema', 'name', 'version', 'display_name', 'description', 'tags', 'type', 'inputs', 'outputs', 'code', 'entry',
    'py_files', 'jars', 'files', 'archives', 'conf', 'args', 'environment', 'is_deterministic',
    'driver_cores', 'driver_memory', 'executor_cores', 'executor_memory', 'executor_instances',
    'dynamic_allocation_enabled', 'dynamic_allocation_min_executors', 'dynamic_allocation_max_executors',
  ],
  parallelTask: ['type', 'code', 'entry_script', 'program_arguments', 'model', 'append_row_to', 'environment'],
  componentInput: ['type', 'default', 'optional', 'description', 'min', 'max', 'enum', 'mode'],
  componentOutput: ['type', 'description', 'mode', 'is_control'],
  jobInput: ['type', 'path', 'mode', 'description', 'value', 'default', 'optional'],
  jobOutput: ['type', 'path', 'mode', 'description'],
  environment: [
    '$schema', 'name', 'version', 'description', 'tags', 'properties', 'image', 'conda_file', 'build', 'os_type',
    'inference_config', 'datastore',
  ],
  environmentBuild: ['path', 'dockerfile_path'],
  inferenceConfig: ['liveness_route', 'readiness_route', 'scoring_route'],
  resources: ['instance_count', 'instance_type', 'properties', 'shm_size', 'docker_args'],
  commandLimits: ['timeout'],
  sweepLimits: ['max_total_trials', 'max_concurrent_trials', 'timeout', 'trial_timeout'],
  objective: ['goal', 'primary_metric'],
  samplingAlgorithm: ['type', 'seed', 'rule'],
  service: ['type', 'job_service_type', 'port', 'properties', 'log_dir', 'ssh_public_keys', 'nodes'],
} as const;

/** Fails on the first field not in `allowed`, naming it, its position and what is allowed. */
export function checkFields(map: YNode, allowed: readonly string[], what: string): void {
  const [first] = unknownFields(map, allowed, what);
  if (first) first.keyNode.fail(first.message);
}

export interface UnknownField {
  key: string;
  value: YNode;
  keyNode: YNode;
  message: string;
}

/**
 * Fields not in `allowed`. Most schemas refuse them; pipeline settings and steps are loaded with
 * unknown=INCLUDE, so azure-ai-ml sends them on as they are (the caller warns instead).
 */
export function unknownFields(map: YNode, allowed: readonly string[], what: string): UnknownField[] {
  return map
    .entries(what)
    .filter(([key]) => !allowed.includes(key))
    .map(([key, value, keyNode]) => {
      const hint = closest(key, allowed);
      const message = `unknown field '${key}' in ${what}${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${allowed.join(', ')}`;
      return { key, value, keyNode, message };
    });
}

/** Fails unless the scalar is one of `allowed` (compared case-insensitively, as the CLI's enums are). */
export function oneOf<T extends string>(node: YNode, allowed: readonly T[], what: string): T {
  const value = node.str(what);
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!match) node.fail(`invalid ${what} '${value}'; allowed: ${allowed.join(', ')}`);
  return match;
}

/** The candidate nearest to a misspelt word, if any is close enough to suggest. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Optimal-string-alignment distance: a swap of two neighbours ("comptue") counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
