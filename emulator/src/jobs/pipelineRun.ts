// A pipeline job: each step becomes a child command job (its own name, displayName = the step,
// parent link in run history), started once the steps whose outputs it binds have completed.
// ${{parent.inputs.x}}, ${{parent.jobs.<step>.outputs.<o>}} and ${{parent.outputs.o}} are bound as
// the service binds them. A failed step stops new steps from starting; the pipeline then fails.
import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../contract';
import { type JobStatus, setJobStatus } from '../arm';
import { type ArmResource, type Properties, getResource, putResource } from '../arm/resources';
import { inputTypeOf, outputTypeOf, parseBinding } from './bindings';
import { type ParentRunOptions, armId, childCommandJob } from './childJobs';
import { updateRunRecord } from './runRecords';
import { JobInputError } from './storage';

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

/** The step's component: its stored spec (componentId), or the step's own fields when given inline. */
function componentOf(ctx: ServiceContext, name: string, node: Properties): Properties {
  const componentId = armId(node.componentId);
  if (!componentId) return node;
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

function buildStep(ctx: ServiceContext, workspaceId: string, parent: ArmResource, name: string, node: Properties, childNames: Record<string, string>): Step {
  const type = String(node.type ?? node.jobType ?? 'command').toLowerCase();
  if (type !== 'command') throw new JobInputError(`Step '${name}' is a ${type} step: the emulator runs pipelines of command steps only.`);
  const spec = componentOf(ctx, name, node);
  const command = node.command ?? spec.command;
  if (typeof command !== 'string' || !command) throw new JobInputError(`Step '${name}' has no command (neither the step nor its component defines one).`);
  const { inputs, after } = stepInputs(name, node, spec, parent, childNames);
  const { outputs, feeds } = stepOutputs(node, spec, parent);
  const computeId = computeIdOf(workspaceId, node.computeId ?? node.compute ?? parent.properties.settings?.default_compute ?? parent.properties.settings?.defaultCompute ?? parent.properties.computeId);
  const child = childCommandJob(workspaceId, parent, childNames[name], node.display_name ?? node.displayName ?? name, {
    command,
    codeId: armId(node.codeId ?? spec.code) ?? null,
    environmentId: node.environmentId ?? armId(spec.environment) ?? null,
    computeId: computeId ?? null,
    inputs,
    outputs,
    environmentVariables: { ...spec.environment_variables, ...node.environment_variables, ...node.environmentVariables },
    resources: node.resources ?? spec.resources ?? null,
  });
  child.properties.properties['azureml.nodeid'] = name;
  return { name, child, after, feeds };
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
