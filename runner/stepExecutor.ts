// Runs one step as the agent's handlers do: a task's Node bundle with INPUT_*/ENDPOINT_*/variables
// in its environment (NodeHandler), or a script with bash like CmdLine@2/Bash@3; reads the
// logging commands from its output, and decides the result the agent's way.
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentProcessEnvironment, scriptMachineEnvironment, taskMachineEnvironment, type RunFacts } from './agentEnvironment';
import type { Cancellation } from './cancellation';
import { formatPosition } from './errors';
import { parseLoggingCommand } from './loggingCommands';
import { expandMacros } from './expressions/macros';
import type { SecretMasker } from './masker';
import type { ScriptStep, Step, TaskResult, TaskStep } from './model/pipeline';
import { startProcess, type GracePeriods, type ProcessSpec } from './processRunner';
import type { RunLog } from './runLog';
import { endpointEnvironment, systemVssConnectionEnvironment, type AzureTarget, type EndpointRegistry, type ServiceEndpoint } from './serviceConnection';
import { applyCommand, emptyReportedState, type StepReportedState } from './stepCommands';
import type { TaskCatalog, TaskDefinition } from './taskCatalog';
import { envName, type VariableStore } from './variables';

export interface StepEnvironment {
  run: RunFacts;
  target: AzureTarget;
  catalog: TaskCatalog;
  endpoints: EndpointRegistry;
  variables: VariableStore;
  masker: SecretMasker;
  log: RunLog;
  grace: GracePeriods;
  cancellation: Cancellation;
  prependPath: string[];
  tempDirectory: string;
  /** Build.SourcesDirectory of this job: where scripts and tasks start. */
  sourcesDirectory: string;
  /** `checkout: self` copies the repository there; `none` leaves it empty. Returns what was done. */
  checkout(repository: 'self' | 'none'): string;
  /** Length of a minute for timeoutInMinutes (tests shorten it). */
  minuteMs: number;
  /** Test hook: every signal the runner sends to a step's process. */
  onSignal?: (step: string, signal: NodeJS.Signals) => void;
}

export interface StepRecord extends Omit<StepReportedState, 'completeResult' | 'completeMessage'> {
  name: string;
  displayName: string;
  /** "AzureMLWorkspace@1" for tasks. */
  task?: string;
  taskVersion?: string;
  /** The YAML keyword for script steps. */
  script?: 'script' | 'bash';
  result: TaskResult;
  /** Why the step did not run, or why it failed beyond its own output. */
  reason?: string;
  /** The task's own closing message (task.complete). */
  message?: string;
  startTime?: string;
  durationSeconds: number;
  exitCode?: number | null;
  attempts?: number;
}

const BANNER = '='.repeat(78);

function taskDisplayName(step: TaskStep, task: TaskDefinition, inputs: Record<string, string>, variables: VariableStore): string {
  if (step.displayName) return expandMacros(step.displayName, variables);
  if (!task.instanceNameFormat) return task.friendlyName;
  // instanceNameFormat refers to inputs as $(inputName).
  return task.instanceNameFormat.replace(/\$\(([^)]+)\)/g, (whole, name: string) => inputs[name.toLowerCase()] ?? variables.get(name) ?? whole);
}

interface PreparedStep {
  displayName: string;
  spec: ProcessSpec;
  /** Printed before the process starts, like the agent's task banner. */
  preamble: string[];
  exitCodeMessage(code: number): string;
  record: Pick<StepRecord, 'task' | 'taskVersion' | 'script'>;
  declaredOutputs: Set<string>;
  cleanup?: () => void;
}

function pathWithPrepends(env: StepEnvironment, base: string | undefined): string {
  return [...[...env.prependPath].reverse(), base ?? ''].filter(Boolean).join(path.delimiter);
}

/**
 * What the agent sets for the step itself: its instance (the YAML `name`, and an id stable for that
 * step within the run, as the plan's timeline record id is) and display name.
 */
function stepInstanceEnvironment(step: Step, displayName: string, env: StepEnvironment): Record<string, string> {
  const digest = createHash('sha256').update(`${env.run.planId}\n${env.tempDirectory}\n${step.name}`).digest('hex');
  const id = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-a${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  return { SYSTEM_TASKINSTANCENAME: step.name, SYSTEM_TASKINSTANCEID: id, SYSTEM_TASKDISPLAYNAME: displayName, TASK_DISPLAYNAME: displayName };
}

function stepEnv(step: Step, env: StepEnvironment): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.env)) result[k] = expandMacros(v, env.variables);
  return result;
}

type InputEnvironment = Pick<StepEnvironment, 'variables' | 'endpoints' | 'log' | 'sourcesDirectory'>;

/**
 * The agent's TaskRunner.TranslateFilePathInput: a filePath input, empty or relative, is rooted at
 * System.DefaultWorkingDirectory (so an empty one arrives as the repository root).
 */
function rootFilePathInput(value: string, env: InputEnvironment): string {
  return path.resolve(env.variables.get('System.DefaultWorkingDirectory') || env.sourcesDirectory, value);
}

/** A task's inputs as the agent resolves them: aliases, defaults, macros, connections by id. */
export interface ResolvedInputs {
  /** By lowercase input name, as written after macros (a connection by its name). */
  values: Record<string, string>;
  /** INPUT_<NAME> for a task process (a connection by its id, as the agent passes it). */
  environment: Record<string, string>;
  endpoints: ServiceEndpoint[];
}

export function resolveTaskInputs(step: TaskStep, task: TaskDefinition, env: InputEnvironment): ResolvedInputs {
  const given = new Map(Object.entries(step.inputs).map(([k, v]) => [k.toLowerCase(), { ...v, key: k }]));
  const environment: Record<string, string> = {};
  const values: Record<string, string> = {};
  const endpoints: ServiceEndpoint[] = [];
  for (const def of task.inputs) {
    const names = [def.name, ...(def.aliases ?? [])].map((n) => n.toLowerCase());
    const supplied = names.map((n) => given.get(n)).find(Boolean);
    names.forEach((n) => given.delete(n));
    let value = expandMacros(supplied?.value ?? def.defaultValue ?? '', env.variables);
    if (def.type.toLowerCase() === 'filepath') value = rootFilePathInput(value, env);
    values[def.name.toLowerCase()] = value;
    if (def.type.toLowerCase().startsWith('connectedservice:') && value) {
      // The agent passes the connection's id, not its name; the task looks the endpoint up by it.
      const endpoint = env.endpoints.resolve(value);
      endpoints.push(endpoint);
      value = endpoint.id;
    }
    environment[`INPUT_${envName(def.name)}`] = value;
  }
  for (const unknown of given.values()) {
    env.log.warning(`${formatPosition(unknown.position)}: '${unknown.key}' is not an input of ${task.name}@${task.version.Major}; the agent ignores it`);
  }
  return { values, environment, endpoints };
}

function prepareTask(step: TaskStep, env: StepEnvironment): PreparedStep {
  const task = env.catalog.find(step.taskName, step.majorVersion);
  if (!task.handler) throw new Error(`task ${task.name}@${task.version.Major} runs on the server (runsOn: ${task.runsOn.join(', ')}): use it in an agentless job (pool: server)`);
  const { values: inputValues, environment: inputEnv, endpoints } = resolveTaskInputs(step, task, env);
  const version = `${task.version.Major}.${task.version.Minor}.${task.version.Patch}`;
  const endpointEnv = Object.assign({}, ...endpoints.map(endpointEnvironment)) as Record<string, string>;
  const processEnv: Record<string, string> = {
    ...agentProcessEnvironment(env.run),
    ...taskMachineEnvironment(env.target),
    ...env.variables.taskEnvironment(),
    ...inputEnv,
    ...endpointEnv,
    ...systemVssConnectionEnvironment(env.run.collectionUri, env.run.accessToken),
    ...stepEnv(step, env),
  };
  processEnv.PATH = pathWithPrepends(env, processEnv.PATH);
  const displayName = taskDisplayName(step, task, inputValues, env.variables);
  Object.assign(processEnv, stepInstanceEnvironment(step, displayName, env));
  return {
    displayName,
    spec: { file: process.execPath, args: [task.target], cwd: env.sourcesDirectory, env: processEnv, signalGroup: false },
    preamble: [BANNER, `Task         : ${task.friendlyName}`, `Description  : ${task.description}`, `Version      : ${version}`, `Author       : ${task.author}`, BANNER],
    exitCodeMessage: (code) => `Exit code ${code} returned from process: file name '${process.execPath}', arguments '"${task.target}"'.`,
    record: { task: `${task.name}@${task.version.Major}`, taskVersion: version },
    declaredOutputs: new Set(task.outputVariables.map((o) => o.toLowerCase())),
  };
}

function prepareScript(step: ScriptStep, env: StepEnvironment): PreparedStep {
  const script = expandMacros(step.script, env.variables);
  const file = path.join(env.tempDirectory, `${randomUUID()}.sh`);
  fs.writeFileSync(file, script, 'utf8');
  const cwd = step.workingDirectory ? path.resolve(env.sourcesDirectory, expandMacros(step.workingDirectory, env.variables)) : env.sourcesDirectory;
  const processEnv: Record<string, string> = {
    ...agentProcessEnvironment(env.run),
    ...scriptMachineEnvironment(env.target),
    ...env.variables.scriptEnvironment(),
    ...stepEnv(step, env),
  };
  processEnv.PATH = pathWithPrepends(env, processEnv.PATH);
  const displayName = expandMacros(step.displayName, env.variables);
  Object.assign(processEnv, stepInstanceEnvironment(step, displayName, env));
  const preamble = ['Generating script.'];
  // CmdLine@2 echoes one-line scripts that carry no logging command.
  if (!script.includes('\n') && !script.toUpperCase().includes('##VSO[')) preamble.push('Script contents:', script);
  preamble.push('========================== Starting Command Output ===========================', `##[command]/usr/bin/bash --noprofile --norc ${file}`);
  return {
    displayName,
    spec: { file: 'bash', args: ['--noprofile', '--norc', file], cwd, env: processEnv, signalGroup: true },
    preamble,
    exitCodeMessage: (code) => `Bash exited with code '${code}'.`,
    record: { script: step.keyword },
    declaredOutputs: new Set(),
    cleanup: () => fs.rmSync(file, { force: true }),
  };
}

interface AttemptOutcome {
  result: TaskResult;
  reason?: string;
  exitCode?: number | null;
}

async function runAttempt(step: Step, prepared: PreparedStep, env: StepEnvironment, state: StepReportedState): Promise<AttemptOutcome> {
  if (!fs.existsSync(prepared.spec.cwd)) {
    env.log.error(`The working directory ${prepared.spec.cwd} does not exist.`);
    return { result: 'Failed', reason: 'working directory missing' };
  }
  let wroteStderr = false;
  const onLine = (line: string, stream: 'stdout' | 'stderr') => {
    const cmd = parseLoggingCommand(line);
    if (cmd && 'error' in cmd) env.log.warning(cmd.error);
    else if (cmd) applyCommand(cmd, state, { stepName: step.name, variables: env.variables, masker: env.masker, log: env.log, prependPath: env.prependPath, declaredOutputs: prepared.declaredOutputs });
    else {
      if (stream === 'stderr') wroteStderr = true;
      env.log.line(line);
    }
  };
  const proc = startProcess(prepared.spec, onLine, env.grace, (sig) => env.onSignal?.(step.name, sig));
  let timedOut = false;
  const timer = step.timeoutInMinutes > 0 ? setTimeout(() => ((timedOut = true), proc.cancel()), step.timeoutInMinutes * env.minuteMs) : undefined;
  const unsubscribe = env.cancellation.subscribe(() => proc.cancel());
  const outcome = await proc.outcome;
  clearTimeout(timer);
  unsubscribe();

  if (outcome.startError) {
    env.log.error(`Could not start ${prepared.spec.file}: ${outcome.startError}`);
    return { result: 'Failed', reason: outcome.startError };
  }
  if (timedOut) {
    env.log.error(`The task has timed out.`);
    return { result: 'Failed', reason: `timed out after ${step.timeoutInMinutes} minute(s)`, exitCode: outcome.exitCode };
  }
  if (env.cancellation.canceled) {
    env.log.error('The operation was canceled.');
    return { result: 'Canceled', reason: 'canceled', exitCode: outcome.exitCode };
  }
  if (outcome.exitCode !== 0) {
    const code = outcome.exitCode ?? `signal ${outcome.signal}`;
    env.log.error(prepared.exitCodeMessage(outcome.exitCode ?? -1));
    return { result: 'Failed', reason: `exit code ${code}`, exitCode: outcome.exitCode };
  }
  if (step.kind === 'script' && step.failOnStderr && wroteStderr) {
    env.log.error('Bash wrote one or more lines to the standard error stream.');
    return { result: 'Failed', reason: 'wrote to stderr (failOnStderr)', exitCode: 0 };
  }
  // Exit code 0: the task's own verdict through task.complete, Succeeded without one.
  return { result: state.completeResult ?? 'Succeeded', exitCode: 0 };
}

/** Runs a step whose condition already allowed it; returns its record (never throws for step failures). */
export async function executeStep(step: Step, env: StepEnvironment): Promise<StepRecord> {
  const started = Date.now();
  const state = emptyReportedState();
  const record = (displayName: string, outcome: AttemptOutcome, extra: Partial<StepRecord> = {}): StepRecord => {
    const { completeResult: _result, completeMessage: message, ...reported } = state;
    return {
      name: step.name,
      displayName,
      ...extra,
      result: outcome.result,
      reason: outcome.reason,
      message,
      startTime: new Date(started).toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      exitCode: outcome.exitCode,
      ...reported,
    };
  };

  if (step.kind === 'checkout') {
    const displayName = step.displayName || `Checkout ${env.run.repository.name}`;
    env.log.section(`Starting: ${displayName}`);
    env.log.line(env.checkout(step.repository));
    env.log.section(`Finishing: ${displayName}`);
    return record(displayName, { result: 'Succeeded' });
  }

  let prepared: PreparedStep;
  try {
    prepared = step.kind === 'task' ? prepareTask(step, env) : prepareScript(step, env);
  } catch (err) {
    const displayName = step.displayName || (step.kind === 'task' ? step.reference : step.keyword);
    env.log.section(`Starting: ${displayName}`);
    env.log.error((err as Error).message);
    env.log.section(`Finishing: ${displayName}`);
    return record(displayName, { result: 'Failed', reason: (err as Error).message }, step.kind === 'task' ? { task: step.reference } : {});
  }

  env.log.section(`Starting: ${prepared.displayName}`);
  prepared.preamble.forEach((l) => env.log.line(l));
  let outcome: AttemptOutcome;
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      outcome = await runAttempt(step, prepared, env, state);
      if (outcome.result !== 'Failed' || attempts > step.retryCountOnTaskFailure || env.cancellation.canceled) break;
      env.log.warning(`Retrying ${prepared.displayName} (attempt ${attempts + 1} of ${step.retryCountOnTaskFailure + 1}) after a failure.`);
      state.completeResult = undefined;
    }
  } finally {
    prepared.cleanup?.();
  }
  if (outcome.result === 'Failed' && step.continueOnError) {
    outcome = { ...outcome, result: 'SucceededWithIssues', reason: `${outcome.reason ?? 'failed'} (continueOnError)` };
  }
  env.log.section(`Finishing: ${prepared.displayName}`);
  return record(prepared.displayName, outcome, { ...prepared.record, ...(attempts > 1 ? { attempts } : {}) });
}
