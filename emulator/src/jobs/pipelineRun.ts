// A pipeline job: each step becomes a child job (its own name, displayName = the step, parent link in
// run history), started once the steps whose outputs it binds have completed. Command steps are
// child command jobs; parallel steps child command jobs that run the parallel run driver; sweep steps
// child sweep jobs; pipeline component steps nested pipeline jobs. Spark and AutoML steps fail the pipeline: not executed here.
// ${{parent.inputs.x}}, ${{parent.jobs.<step>.outputs.<o>}} and ${{parent.outputs.o}} are bound as
// the service binds them. A failed step stops new steps from starting; the pipeline then fails.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { ServiceContext } from '../contract';
import { type JobStatus, setJobStatus } from '../arm';
import { type ArmResource, type Properties, getResource, putResource } from '../arm/resources';
import { inputTypeOf, outputTypeOf, parseBinding } from './bindings';
import { type ParentRunOptions, armId, childJob } from './childJobs';
import { updateRunRecord } from './runRecords';
import { JobInputError } from './storage';

/** The parallel run driver parallel steps run (see its docstring). */
const PARALLEL_DRIVER = path.join(__dirname, 'parallelDriver.py');

interface Step {
  name: string;
  child: ArmResource;
  /** Steps whose outputs this one reads. */
  after: string[];
  /** Pipeline output name → this step's output that feeds it. */
  feeds: Record<string, string>;
}

function computeIdOf(workspaceId: string, reference: unknown): string | undefined {
  const id = armId(reference);
  if (!id) return undefined;
  return id.includes('/') ? id : `${workspaceId}/computes/${id}`;
}

/** The step's component: its stored spec (componentId), an inline `component`, or the step's own fields. */
function componentOf(ctx: ServiceContext, name: string, node: Properties): Properties {
  const componentId = armId(node.componentId);
  if (!componentId) return node.component && typeof node.component === 'object' ? node.component : node;
  const version = getResource(ctx, 'assets', componentId);
  if (!version) throw new JobInputError(`Step '${name}': component '${node.componentId}' was not found in the workspace.`);
  return version.properties.componentSpec ?? {};
}

function stepInputs(name: string, node: Properties, spec: Properties, parent: ArmResource, childNames: Record<string, string>): { inputs: Properties; after: string[] } {
  const inputs: Properties = {};
  const after: string[] = [];
  for (const [inputName, declared] of Object.entries<Properties>(spec.inputs ?? {})) {
    if (declared && declared.default !== undefined) inputs[inputName] = { jobInputType: 'literal', value: String(declared.default) };
  }
  for (const [inputName, given] of Object.entries<Properties>(node.inputs ?? {})) {
    if (!given) continue;
    const binding = parseBinding(given.value ?? given.path ?? given.uri);
    const declaredType = spec.inputs?.[inputName]?.type;
    if (!binding) {
      inputs[inputName] = { ...given, jobInputType: inputTypeOf(given) };
    } else if (binding.kind === 'parentInput') {
      const parentInput = parent.properties.inputs?.[binding.name];
      if (parentInput) inputs[inputName] = { ...parentInput, jobInputType: inputTypeOf(parentInput) };
    } else if (binding.kind === 'stepOutput') {
      if (!childNames[binding.step]) throw new JobInputError(`Step '${name}': input '${inputName}' binds the outputs of step '${binding.step}', which the pipeline does not have.`);
      after.push(binding.step);
      inputs[inputName] = { jobInputType: declaredType && declaredType !== 'literal' ? declaredType : 'uri_folder', uri: `azureml://jobs/${childNames[binding.step]}/outputs/${binding.name}`, mode: 'ReadOnlyMount' };
    } else {
      throw new JobInputError(`Step '${name}': input '${inputName}' cannot bind a pipeline output (${given.value}).`);
    }
  }
  return { inputs, after };
}

function stepOutputs(node: Properties, spec: Properties, parent: ArmResource): { outputs: Properties; feeds: Record<string, string> } {
  const outputs: Properties = {};
  const feeds: Record<string, string> = {};
  for (const [outputName, declared] of Object.entries<Properties>(spec.outputs ?? {})) outputs[outputName] = { jobOutputType: outputTypeOf(declared ?? {}), mode: 'ReadWriteMount' };
  for (const [outputName, given] of Object.entries<Properties>(node.outputs ?? {})) {
    if (!given) continue;
    const binding = parseBinding(given.value ?? given.path ?? given.uri);
    if (binding?.kind === 'parentOutput') {
      const parentOutput: Properties = parent.properties.outputs?.[binding.name] ?? {};
      feeds[binding.name] = outputName;
      outputs[outputName] = { jobOutputType: outputTypeOf(outputs[outputName] ?? parentOutput), ...(parentOutput.uri ? { uri: parentOutput.uri } : {}), mode: parentOutput.mode ?? 'ReadWriteMount' };
    } else {
      outputs[outputName] = { ...outputs[outputName], ...given, jobOutputType: outputTypeOf(given) };
    }
  }
  return { outputs, feeds };
}

/** What every kind of step shares: its child's compute, inputs and outputs, bound as the service binds them. */
function stepBindings(workspaceId: string, parent: ArmResource, name: string, node: Properties, spec: Properties, childNames: Record<string, string>) {
  const { inputs, after } = stepInputs(name, node, spec, parent, childNames);
  const { outputs, feeds } = stepOutputs(node, spec, parent);
  const settings: Properties = parent.properties.settings ?? {};
  const computeId = computeIdOf(workspaceId, node.computeId ?? node.compute ?? settings.default_compute ?? settings.defaultCompute ?? parent.properties.computeId);
  return { inputs, outputs, after, feeds, computeId: computeId ?? null };
}

/** Step types Azure ML runs but the emulator cannot: they fail the pipeline, saying so. */
const NOT_EXECUTED: Record<string, string> = {
  spark: 'Spark steps need a Spark pool, which the emulator does not have',
  automl: 'AutoML steps need the AutoML service, which the emulator does not have',
};

function buildStep(ctx: ServiceContext, workspaceId: string, parent: ArmResource, name: string, node: Properties, childNames: Record<string, string>): Step {
  const type = String(node.type ?? node.jobType ?? 'command').toLowerCase();
  if (NOT_EXECUTED[type]) throw new JobInputError(`Step '${name}' is a ${type} step: the emulator does not execute ${type} steps (${NOT_EXECUTED[type]}); run this pipeline in Azure ML.`);
  if (!['command', 'parallel', 'pipeline', 'sweep'].includes(type)) {
    throw new JobInputError(`Step '${name}' is a ${type} step: the emulator runs command, parallel, sweep and pipeline (component) steps.`);
  }
  // A sweep step's component is its trial ({ componentId } or the component itself).
  const spec = componentOf(ctx, name, type === 'sweep' ? trialNode(node) : node);
  const { inputs, outputs, after, feeds, computeId } = stepBindings(workspaceId, parent, name, node, spec, childNames);
  const displayName = node.display_name ?? node.displayName ?? name;
  let child: ArmResource;
  if (type === 'sweep') {
    child = childJob(workspaceId, parent, childNames[name], displayName, { jobType: 'Sweep', ...sweepProperties(name, node, spec), inputs, outputs, computeId });
  } else if (type === 'pipeline') {
    // A pipeline component: a nested pipeline job whose steps are the component's, its inputs the step's.
    const jobs: Properties | undefined = spec.jobs;
    if (!jobs || Object.keys(jobs).length === 0) throw new JobInputError(`Step '${name}': its pipeline component has no steps (jobs).`);
    child = childJob(workspaceId, parent, childNames[name], displayName, { jobType: 'Pipeline', jobs, inputs, outputs, settings: { ...parent.properties.settings, ...(computeId ? { default_compute: computeId } : {}) }, computeId });
  } else {
    const task: Properties = type === 'parallel' ? node.task ?? spec.task ?? {} : {};
    const command = type === 'parallel' ? parallelCommand(name, node, spec, task) : node.command ?? spec.command;
    if (typeof command !== 'string' || !command) throw new JobInputError(`Step '${name}' has no command (neither the step nor its component defines one).`);
    child = childJob(workspaceId, parent, childNames[name], displayName, {
      jobType: 'Command',
      command,
      codeId: armId(node.codeId ?? task.code ?? spec.code) ?? null,
      environmentId: node.environmentId ?? armId(task.environment ?? spec.environment) ?? null,
      computeId,
      inputs,
      outputs,
      environmentVariables: { ...spec.environment_variables, ...node.environment_variables, ...node.environmentVariables },
      resources: node.resources ?? spec.resources ?? null,
    });
  }
  child.properties.properties['azureml.nodeid'] = name;
  return { name, child, after, feeds };
}

/** A sweep step's trial in the form componentOf reads: a componentId, or an inline component. */
function trialNode(node: Properties): Properties {
  const trial = node.trial;
  if (typeof trial === 'string') return { componentId: trial };
  if (trial && typeof trial === 'object') return trial.componentId ? trial : { component: trial };
  return node;
}

/** Each distribution's arguments as a sweep step names them, in the order a sweep job lists them. */
const DISTRIBUTION_ARGUMENTS: Record<string, string[]> = {
  randint: ['upper'],
  uniform: ['min_value', 'max_value'],
  quniform: ['min_value', 'max_value', 'q'],
  loguniform: ['min_value', 'max_value'],
  qloguniform: ['min_value', 'max_value', 'q'],
  normal: ['mu', 'sigma'],
  qnormal: ['mu', 'sigma', 'q'],
  lognormal: ['mu', 'sigma'],
  qlognormal: ['mu', 'sigma', 'q'],
};

/** A sweep step's search space as azure-ai-ml sends it ({ type: uniform, min_value, max_value }), in the sweep job's form (["uniform", [min, max]]). */
function searchSpaceOf(name: string, searchSpace: Properties): Properties {
  return Object.fromEntries(
    Object.entries<Properties>(searchSpace).map(([parameter, distribution]) => {
      if (Array.isArray(distribution)) return [parameter, distribution];
      const kind = String(distribution?.type ?? '').toLowerCase();
      if (kind === 'choice') return [parameter, ['choice', [distribution.values ?? []]]];
      const argumentNames = DISTRIBUTION_ARGUMENTS[kind];
      if (!argumentNames) throw new JobInputError(`Step '${name}': search_space.${parameter} has an unknown distribution type '${distribution?.type}'.`);
      return [parameter, [kind, argumentNames.filter((a) => distribution[a] !== undefined).map((a) => Number(distribution[a]))]];
    }),
  );
}

/**
 * A sweep step runs as a child sweep job: its trial component's command with ${{inputs.<p>}} of each
 * searched parameter read from the search space, as azure-ai-ml's Sweep node does for a sweep job.
 */
function sweepProperties(name: string, node: Properties, spec: Properties): Properties {
  if (typeof spec.command !== 'string' || !spec.command) throw new JobInputError(`Step '${name}': the sweep step's trial component has no command.`);
  const searchSpace = searchSpaceOf(name, node.search_space ?? node.searchSpace ?? {});
  let command: string = spec.command;
  for (const parameter of Object.keys(searchSpace)) command = command.replace(new RegExp(`\\$\\{\\{\\s*inputs\\.${parameter}\\s*\\}\\}`, 'g'), `\${{search_space.${parameter}}}`);
  const sampling = node.sampling_algorithm ?? node.samplingAlgorithm ?? 'random';
  const objective: Properties = node.objective ?? {};
  const limits: Properties = node.limits ?? {};
  return {
    trial: { command, codeId: armId(spec.code) ?? null, environmentId: armId(spec.environment) ?? null, environmentVariables: spec.environment_variables ?? {}, resources: node.resources ?? spec.resources ?? null },
    searchSpace,
    samplingAlgorithm: typeof sampling === 'string' ? { samplingAlgorithmType: sampling } : { samplingAlgorithmType: sampling.type ?? sampling.samplingAlgorithmType, ...sampling },
    objective: { goal: objective.goal, primaryMetric: objective.primary_metric ?? objective.primaryMetric },
    limits: { jobLimitsType: 'Sweep', maxTotalTrials: limits.max_total_trials ?? limits.maxTotalTrials, maxConcurrentTrials: limits.max_concurrent_trials ?? limits.maxConcurrentTrials },
    earlyTermination: node.early_termination ?? node.earlyTermination ?? null,
  };
}

/** The step's setting, else its component's. */
const settingOf = (node: Properties, spec: Properties, key: string): unknown => node[key] ?? spec[key];

/**
 * A parallel step runs as a command: the emulator's parallel run driver (parallelDriver.py) splits
 * input_data into mini-batches and runs the entry script's init()/run(mini_batch) in worker processes.
 */
export function parallelCommand(name: string, node: Properties, spec: Properties, task: Properties): string {
  const taskType = String(task.type ?? 'run_function').toLowerCase();
  if (taskType !== 'run_function') throw new JobInputError(`Step '${name}': parallel task type '${task.type}' is not one the emulator runs (run_function).`);
  const entryScript = task.entry_script ?? task.entryScript;
  if (typeof entryScript !== 'string' || !entryScript) throw new JobInputError(`Step '${name}': the parallel task has no entry_script.`);
  const inputData = settingOf(node, spec, 'input_data');
  if (typeof inputData !== 'string' || !/^\$\{\{\s*inputs\.[A-Za-z0-9_-]+\s*\}\}$/.test(inputData)) {
    throw new JobInputError(`Step '${name}': input_data must name one of the step's inputs as \${{inputs.<name>}} (got ${JSON.stringify(inputData)}).`);
  }
  const retries: Properties = settingOf(node, spec, 'retry_settings') ?? {};
  const instances = Number((node.resources ?? spec.resources)?.instance_count ?? 1) || 1;
  const perInstance = Number(settingOf(node, spec, 'max_concurrency_per_instance') ?? 1) || 1;
  const options: Array<[string, unknown]> = [
    ['entry_script', entryScript],
    ['input_data', inputData],
    ['mini_batch_size', settingOf(node, spec, 'mini_batch_size')],
    ['error_threshold', settingOf(node, spec, 'error_threshold')],
    ['mini_batch_error_threshold', settingOf(node, spec, 'mini_batch_error_threshold')],
    ['max_retries', retries.max_retries],
    ['timeout', retries.timeout],
    ['workers', instances * perInstance],
    ['append_row_to', task.append_row_to ?? task.appendRowTo],
    ['output_file_name', settingOf(node, spec, 'output_file_name')],
  ];
  const args = options.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `--${k} ${shellWord(String(v))}`);
  return `python3 ${shellWord(PARALLEL_DRIVER)} ${args.join(' ')} -- ${task.program_arguments ?? task.programArguments ?? ''}`.trim();
}

/** Quotes a word for bash unless it is a binding the command substitution fills in. */
function shellWord(value: string): string {
  return /^[\w./:=@%+-]+$/.test(value) || /^\$\{\{[^}]+\}\}$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The order steps may start in, refusing cycles. */
function checkAcyclic(steps: Step[]): void {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: Step, trail: string[]) => {
    if (state.get(step.name) === 'done') return;
    if (state.get(step.name) === 'visiting') throw new JobInputError(`The pipeline's steps depend on each other in a cycle: ${[...trail, step.name].join(' -> ')}.`);
    state.set(step.name, 'visiting');
    for (const before of step.after) visit(byName.get(before)!, [...trail, step.name]);
    state.set(step.name, 'done');
  };
  for (const step of steps) visit(step, []);
}

export async function runPipeline(o: ParentRunOptions): Promise<JobStatus> {
  const { ctx, job, workspaceId } = o;
  const nodes = Object.entries<Properties>(job.properties.jobs ?? {});
  if (nodes.length === 0) throw new JobInputError('The pipeline job has no steps (properties.jobs is empty).');
  const childNames = Object.fromEntries(nodes.map(([name]) => [name, randomUUID()]));
  const steps = nodes.map(([name, node]) => buildStep(ctx, workspaceId, job, name, node ?? {}, childNames));
  checkAcyclic(steps);
  o.setStatus('Running');
  const statuses = new Map<string, JobStatus>();
  const running = new Map<string, Promise<void>>();
  const onAbort = () => {
    for (const step of steps) if (running.has(step.name)) o.cancelChild(step.child);
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const failed = [...statuses.values()].some((s) => s !== 'Completed');
      if (!failed && !o.signal.aborted) {
        for (const step of steps.filter((s) => !statuses.has(s.name) && !running.has(s.name) && s.after.every((a) => statuses.get(a) === 'Completed'))) {
          putResource(ctx, 'jobs', step.child);
          o.note(`Step '${step.name}' submitted as run ${step.child.name}.`);
          const finished = o.startChild(step.child).then((status) => {
            statuses.set(step.name, status);
            o.note(`Step '${step.name}' (run ${step.child.name}) ended ${status}.`);
          });
          running.set(step.name, finished.finally(() => running.delete(step.name)));
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
  }
  bindPipelineOutputs(ctx, job, steps);
  if (o.signal.aborted || [...statuses.values()].includes('Canceled')) return 'Canceled';
  const failed = steps.filter((s) => statuses.get(s.name) === 'Failed').map((s) => s.name);
  if (failed.length > 0 || statuses.size < steps.length) {
    const notRun = steps.filter((s) => !statuses.has(s.name)).map((s) => s.name);
    const message = `Pipeline step(s) ${failed.map((n) => `'${n}'`).join(', ')} failed${notRun.length > 0 ? `; not run: ${notRun.join(', ')}` : ''}.`;
    updateRunRecord(ctx, workspaceId, job.name, (r) => void (r.error = { code: 'UserError', message }));
    return 'Failed';
  }
  return 'Completed';
}

/** ${{parent.outputs.o}}: the pipeline's output is where the step wrote it. */
function bindPipelineOutputs(ctx: ServiceContext, job: ArmResource, steps: Step[]): void {
  const outputs: Properties = { ...job.properties.outputs };
  for (const step of steps) {
    const child = getResource(ctx, 'jobs', step.child.id);
    for (const [pipelineOutput, stepOutput] of Object.entries(step.feeds)) {
      const uri = child?.properties.outputs?.[stepOutput]?.uri;
      if (uri) outputs[pipelineOutput] = { ...outputs[pipelineOutput], uri };
    }
  }
  const current = getResource(ctx, 'jobs', job.id);
  if (current) setJobStatus(ctx, job.id, current.properties.status, { outputs });
}
