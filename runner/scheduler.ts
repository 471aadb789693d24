// Runs stages, jobs and steps in dependency order with their conditions, the way Azure Pipelines
// orchestrates a run: stages after their dependsOn (default: the previous stage), jobs after
// theirs (jobs that could run in parallel on several agents run one after another here, in file
// order), steps in order, each gated by its condition over Agent.JobStatus. Output variables flow
// as $(step.var) within a job, dependencies.<job>.outputs['step.var'] between jobs, and
// stageDependencies.<stage>.<job>.outputs['step.var'] between stages.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobVariables, runVariables, type RunFacts } from './agentEnvironment';
import { Cancellation } from './cancellation';
import { PipelineFileError } from './errors';
import { evaluateExpression, ExpressionError, toBoolean, VariableLookup, type ExprValue, type StatusFunctions } from './expressions';
import { expandVariableValues } from './macros';
import type { SecretMasker } from './masker';
import { isSuccess, mergeResults, type Condition, type Job, type Pipeline, type Stage, type TaskResult, type VariableDefinition } from './model/pipeline';
import { runtimeExpressionBody } from './model/parser';
import type { GracePeriods } from './processRunner';
import type { RunLog } from './runLog';
import type { AzureTarget, EndpointRegistry } from './serviceConnection';
import { executeStep, type StepRecord } from './stepExecutor';
import type { TaskCatalog } from './taskCatalog';
import { VariableStore } from './variables';

export interface JobRecord {
  name: string;
  displayName: string;
  result: TaskResult;
  reason?: string;
  startTime?: string;
  durationSeconds: number;
  /** 'step.var' → value: what dependencies.<job>.outputs[...] reads. */
  outputs: Record<string, string>;
  steps: StepRecord[];
}

export interface StageRecord {
  name: string;
  displayName: string;
  result: TaskResult;
  reason?: string;
  jobs: JobRecord[];
}

export interface SchedulerContext {
  pipeline: Pipeline;
  run: RunFacts;
  target: AzureTarget;
  catalog: TaskCatalog;
  endpoints: EndpointRegistry;
  masker: SecretMasker;
  log: RunLog;
  grace: GracePeriods;
  /** The whole run's cancellation (Ctrl-C). */
  cancellation: Cancellation;
  oidcRequestUri(jobId: string): string;
  /** --var values, which win over the YAML's (like variables settable at queue time). */
  overrides: Record<string, string>;
  /** --secret values: secret variables as if defined in the pipeline's settings. */
  secretOverrides: Record<string, string>;
  onSignal?: (step: string, signal: NodeJS.Signals) => void;
  /** Length of a minute for timeouts (tests shorten it). */
  minuteMs: number;
}

/** Topological order, file order among equals; a cycle is a file error at the first member. */
function dependencyOrder<T extends { name: string; dependsOn: string[]; position: Stage['position'] }>(items: T[], what: string): T[] {
  const byName = new Map(items.map((i) => [i.name.toLowerCase(), i]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: T[] = [];
  const visit = (item: T) => {
    const key = item.name.toLowerCase();
    if (done.has(key)) return;
    if (visiting.has(key)) throw new PipelineFileError(item.position, `${what} '${item.name}' depends on itself through dependsOn`);
    visiting.add(key);
    for (const dep of item.dependsOn) visit(byName.get(dep.toLowerCase())!);
    visiting.delete(key);
    done.add(key);
    order.push(item);
  };
  items.forEach(visit);
  return order;
}

function evaluateCondition(condition: Condition, values: Record<string, ExprValue>, status: StatusFunctions): boolean {
  try {
    return toBoolean(evaluateExpression(condition.expression, { values, status }));
  } catch (err) {
    if (err instanceof ExpressionError) throw new PipelineFileError(condition.position, `condition '${condition.expression}': ${err.message}`);
    throw err;
  }
}

/** succeeded()/failed() at job and stage level: over the named (default: all direct) dependencies. */
function dependencyStatus(dependsOn: string[], results: Map<string, TaskResult>, canceled: () => boolean): StatusFunctions {
  const pick = (names: string[]) => (names.length ? names : dependsOn).map((n) => results.get(n.toLowerCase()) ?? 'Skipped');
  return {
    succeeded: (names) => !canceled() && pick(names).every(isSuccess),
    failed: (names) => !canceled() && pick(names).some((r) => r === 'Failed'),
    succeededOrFailed: (names) => !canceled() && pick(names).every((r) => isSuccess(r) || r === 'Failed'),
    canceled,
  };
}

/** succeeded()/failed() at step level: Agent.JobStatus, as the documentation defines them. */
function jobStatusFunctions(jobStatus: () => TaskResult): StatusFunctions {
  return {
    succeeded: () => isSuccess(jobStatus()),
    failed: () => jobStatus() === 'Failed',
    succeededOrFailed: () => jobStatus() !== 'Canceled',
    canceled: () => jobStatus() === 'Canceled',
  };
}

function variableValues(store: VariableStore, extra: Record<string, ExprValue> = {}): Record<string, ExprValue> {
  return { variables: new VariableLookup((n) => store.get(n)), ...extra };
}

/** Adds YAML variables to a store; `$[ expr ]` values are evaluated now with `context`. */
function defineVariables(store: VariableStore, definitions: VariableDefinition[], context: Record<string, ExprValue>, overrides: Record<string, string>): void {
  for (const def of definitions) {
    if (Object.keys(overrides).some((k) => k.toLowerCase() === def.name.toLowerCase())) continue;
    let value = def.value;
    if (value.trim().startsWith('$[')) {
      try {
        const result = evaluateExpression(runtimeExpressionBody(value, def.position), { values: { ...variableValues(store), ...context } });
        value = result === null || result instanceof VariableLookup ? '' : typeof result === 'object' ? JSON.stringify(result) : typeof result === 'boolean' ? (result ? 'True' : 'False') : String(result);
      } catch (err) {
        if (err instanceof ExpressionError) throw new PipelineFileError(def.position, `variable '${def.name}': ${err.message}`);
        throw err;
      }
    }
    if (!store.set(def.name, value, { readonly: def.readonly })) throw new PipelineFileError(def.position, `variable '${def.name}' is read-only and cannot be redefined`);
  }
}

export class Scheduler {
  private readonly stageResults = new Map<string, TaskResult>();
  private readonly jobRecords = new Map<string, Map<string, JobRecord>>();

  constructor(private readonly ctx: SchedulerContext) {}

  async run(): Promise<StageRecord[]> {
    const { ctx } = this;
    const pipelineVars = new VariableStore(ctx.masker);
    for (const v of runVariables(ctx.run, ctx.target)) pipelineVars.set(v.name, v.value, { secret: v.secret, readonly: true });
    defineVariables(pipelineVars, ctx.pipeline.variables, {}, ctx.overrides);
    applyOverrides(pipelineVars, ctx);
    const records: StageRecord[] = [];
    for (const stage of dependencyOrder(ctx.pipeline.stages, 'stage')) records.push(await this.runStage(stage, pipelineVars));
    // Keep file order in the report.
    return ctx.pipeline.stages.map((s) => records.find((r) => r.name === s.name)!);
  }

  private stageDependencies(stage: Stage): Record<string, ExprValue> {
    const result: Record<string, ExprValue> = {};
    for (const dep of stage.dependsOn) {
      const jobs: Record<string, ExprValue> = {};
      for (const [name, job] of this.jobRecords.get(dep.toLowerCase()) ?? []) jobs[name] = { result: job.result, outputs: job.outputs };
      result[dep] = jobs;
    }
    return result;
  }

  private async runStage(stage: Stage, pipelineVars: VariableStore): Promise<StageRecord> {
    const { ctx } = this;
    // dependencies.<stage>.outputs['job.step.var'] in stage conditions and variables.
    const dependencies: Record<string, ExprValue> = {};
    for (const dep of stage.dependsOn) {
      const outputs: Record<string, string> = {};
      for (const [jobName, job] of this.jobRecords.get(dep.toLowerCase()) ?? []) for (const [k, v] of Object.entries(job.outputs)) outputs[`${jobName}.${k}`] = v;
      dependencies[dep] = { result: this.stageResults.get(dep.toLowerCase()) ?? 'Skipped', outputs };
    }
    const status = dependencyStatus(stage.dependsOn, this.stageResults, () => ctx.cancellation.canceled);
    const record: StageRecord = { name: stage.name, displayName: stage.displayName, result: 'Skipped', jobs: [] };
    const stageVars = pipelineVars.clone();
    const context = { dependencies };
    if (!evaluateCondition(stage.condition, variableValues(pipelineVars, context), status)) {
      record.reason = `condition '${stage.condition.expression}' was false`;
      ctx.log.section(`Skipping stage ${stage.displayName}: ${record.reason}`);
      record.jobs = stage.jobs.map((j) => ({ name: j.name, displayName: j.displayName, result: 'Skipped', reason: 'stage skipped', durationSeconds: 0, outputs: {}, steps: [] }));
    } else {
      defineVariables(stageVars, stage.variables, context, ctx.overrides);
      if (stage.name !== '__default') ctx.log.section(`Stage: ${stage.displayName}`);
      const jobRecords = new Map<string, JobRecord>();
      this.jobRecords.set(stage.name.toLowerCase(), jobRecords);
      const jobResults = new Map<string, TaskResult>();
      for (const job of dependencyOrder(stage.jobs, 'job')) {
        const jobRecord = await this.runJob(stage, job, stageVars, jobRecords, jobResults);
        jobRecords.set(job.name, jobRecord);
        jobResults.set(job.name.toLowerCase(), jobRecord.result);
      }
      record.jobs = stage.jobs.map((j) => jobRecords.get(j.name)!);
      const ran = record.jobs.filter((j) => j.result !== 'Skipped').map((j) => j.result);
      record.result = ran.length ? mergeResults(ran) : 'Skipped';
    }
    this.stageResults.set(stage.name.toLowerCase(), record.result);
    return record;
  }

  private async runJob(stage: Stage, job: Job, stageVars: VariableStore, done: Map<string, JobRecord>, results: Map<string, TaskResult>): Promise<JobRecord> {
    const { ctx } = this;
    const dependencies: Record<string, ExprValue> = {};
    for (const dep of job.dependsOn) {
      const r = done.get([...done.keys()].find((k) => k.toLowerCase() === dep.toLowerCase()) ?? '');
      dependencies[dep] = { result: r?.result ?? 'Skipped', outputs: r?.outputs ?? {} };
    }
    const context = { dependencies, stageDependencies: this.stageDependencies(stage) };
    const record: JobRecord = { name: job.name, displayName: job.displayName, result: 'Skipped', durationSeconds: 0, outputs: {}, steps: [] };
    const status = dependencyStatus(job.dependsOn, results, () => ctx.cancellation.canceled);
    if (!evaluateCondition(job.condition, variableValues(stageVars, context), status)) {
      record.reason = `condition '${job.condition.expression}' was false`;
      ctx.log.section(`Skipping job ${job.displayName}: ${record.reason}`);
      return record;
    }

    const jobId = randomUUID();
    const tempDirectory = path.join(ctx.run.workFolder, '_temp', `${stage.name}.${job.name}`);
    fs.rmSync(tempDirectory, { recursive: true, force: true });
    fs.mkdirSync(tempDirectory, { recursive: true });
    for (const dir of ['a', 'b', 'TestResults']) fs.mkdirSync(path.join(ctx.run.workFolder, '1', dir), { recursive: true });

    const variables = stageVars.clone();
    const facts = { stageName: stage.name, stageDisplayName: stage.displayName, jobName: job.name, jobDisplayName: job.displayName, jobId, tempDirectory, oidcRequestUri: ctx.oidcRequestUri(jobId) };
    for (const v of jobVariables(facts)) variables.set(v.name, v.value, { force: true, readonly: v.name !== 'Agent.JobStatus' });
    defineVariables(variables, job.variables, context, ctx.overrides);
    applyOverrides(variables, ctx);
    expandVariableValues(variables);

    ctx.log.section(`Job: ${job.displayName}`);
    const started = Date.now();
    record.startTime = new Date(started).toISOString();

    // The job's cancellation: the run's Ctrl-C or the job's timeout.
    const cancellation = new Cancellation();
    let timedOut = false;
    const unsubscribe = ctx.cancellation.subscribe(() => cancellation.cancel());
    const timer = job.timeoutInMinutes > 0 ? setTimeout(() => ((timedOut = true), cancellation.cancel()), job.timeoutInMinutes * ctx.minuteMs) : undefined;

    let jobStatus: TaskResult = 'Succeeded';
    const prependPath: string[] = [];
    try {
      for (const step of job.steps) {
        if (cancellation.canceled) jobStatus = 'Canceled';
        variables.set('Agent.JobStatus', jobStatus, { force: true });
        if (!step.enabled) {
          record.steps.push({ ...emptyStep(step.name, step.displayName), reason: 'disabled (enabled: false)' });
          continue;
        }
        if (!evaluateCondition(step.condition, variableValues(variables), jobStatusFunctions(() => jobStatus))) {
          const reason = `condition '${step.condition.expression}' was false`;
          ctx.log.line(`Skipping step ${step.displayName || step.name}: ${reason}`);
          record.steps.push({ ...emptyStep(step.name, step.displayName), reason });
          continue;
        }
        // Steps that still run after a cancel (always(), canceled()) get the job's cancel timeout.
        const stepCancellation = cancellation.canceled ? cancelWindow(job.cancelTimeoutInMinutes * ctx.minuteMs) : { cancellation, dispose: () => undefined };
        const stepRecord = await executeStep(step, {
          run: ctx.run,
          target: ctx.target,
          catalog: ctx.catalog,
          endpoints: ctx.endpoints,
          variables,
          masker: ctx.masker,
          log: ctx.log,
          grace: ctx.grace,
          cancellation: stepCancellation.cancellation,
          prependPath,
          tempDirectory,
          minuteMs: ctx.minuteMs,
          onSignal: ctx.onSignal,
        });
        stepCancellation.dispose();
        record.steps.push(stepRecord);
        for (const [k, v] of Object.entries(stepRecord.outputVariables)) record.outputs[`${step.name}.${k}`] = v;
        if (stepRecord.result !== 'Skipped' && jobStatus !== 'Canceled') jobStatus = mergeResults([jobStatus, stepRecord.result]);
      }
    } finally {
      clearTimeout(timer);
      unsubscribe();
      // Agent.TempDirectory is cleaned after each job (it may hold certificates and tokens).
      fs.rmSync(tempDirectory, { recursive: true, force: true });
    }

    if (timedOut) {
      record.result = 'Failed';
      record.reason = `The job running on agent local-runner ran longer than the maximum time of ${job.timeoutInMinutes} minutes.`;
      ctx.log.error(record.reason);
    } else if (cancellation.canceled) {
      record.result = 'Canceled';
      record.reason = 'The job was canceled.';
    } else {
      record.result = jobStatus;
    }
    if (record.result === 'Failed' && job.continueOnError) {
      record.result = 'SucceededWithIssues';
      record.reason = `${record.reason ?? 'a step failed'} (continueOnError)`;
    }
    record.durationSeconds = (Date.now() - started) / 1000;
    ctx.log.section(`Finished job ${job.displayName}: ${record.result}`);
    return record;
  }
}

function applyOverrides(store: VariableStore, ctx: SchedulerContext): void {
  for (const [name, value] of Object.entries(ctx.overrides)) store.set(name, value, { force: true });
  for (const [name, value] of Object.entries(ctx.secretOverrides)) store.set(name, value, { secret: true, force: true });
}

function emptyStep(name: string, displayName: string): StepRecord {
  return { name, displayName: displayName || name, result: 'Skipped', durationSeconds: 0, issues: [], outputVariables: {}, variablesSet: {}, summaries: [], attachments: [], buildTags: [] };
}

/** A fresh cancellation that fires after `ms` (0: never). */
function cancelWindow(ms: number): { cancellation: Cancellation; dispose(): void } {
  const cancellation = new Cancellation();
  const timer = ms > 0 ? setTimeout(() => cancellation.cancel(), ms) : undefined;
  return { cancellation, dispose: () => clearTimeout(timer) };
}
