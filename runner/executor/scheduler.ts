// Runs stages, jobs and steps the way Azure Pipelines orchestrates a run: stages after their
// dependsOn (default: the previous stage), jobs after theirs, each as soon as its dependencies have
// finished, on a pool of --parallel agents; a matrix or parallel job as one agent job per leg, a
// deployment as one agent job per lifecycle hook after the environment's checks; steps in order,
// each gated by its condition over Agent.JobStatus. Output variables flow as $(step.var) within a
// job, dependencies.<job>.outputs['<prefix>.step.var'] between jobs (prefix: the leg or hook, see
// Phase), and stageDependencies.<stage>.<job>.outputs[...] between stages.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDirectoryVariables, jobVariables, runVariables, type RunFacts } from '../agentEnvironment';
import { Cancellation } from '../cancellation';
import { PipelineFileError } from '../errors';
import { evaluateExpression, ExpressionError, toBoolean, VariableLookup, type ExprValue, type StatusFunctions } from '../expressions/evaluator';
import { expandVariableValues } from '../expressions/macros';
import type { SecretMasker } from '../masker';
import { isSuccess, mergeResults, type Condition, type DeploymentHook, type Job, type Pipeline, type Stage, type Step, type TaskResult, type VariableDefinition } from '../model/pipeline';
import type { WorkingCopy } from './checkout';
import { checksOf, type ApprovalAnswers, type EnvironmentLocks, type EnvironmentSettings } from './environments';
import { runtimeExpressionBody } from '../model/parser';
import type { GracePeriods } from '../processRunner';
import type { RunLog } from '../runLog';
import type { AzureTarget, EndpointRegistry } from '../serviceConnection';
import { executeStep, type StepRecord } from '../stepExecutor';
import type { DevOpsServer } from '../devopsServer';
import { executeServerStep, type ServerStepEnvironment, type ValidationAnswers } from '../server/serverTaskExecutor';

/** A gate evaluation without a timeoutInMinutes of its own: the server's default for a server task. */
const DEFAULT_GATE_TIMEOUT_MINUTES = 60;
import type { TaskCatalog } from '../taskCatalog';
import { VariableStore } from '../variables';

/** A step's record in a job; `phase` names the matrix leg or lifecycle hook it ran in. */
export type JobStepRecord = StepRecord & { phase?: string };

/** One deployment of a job to an environment: the run's deployment history. */
export interface DeploymentRecord {
  environment: string;
  resource?: string;
  stage: string;
  job: string;
  strategy: string;
  result: TaskResult;
  /** The run's build number. */
  run: string;
  startTime: string;
  finishTime: string;
}

export interface JobRecord {
  name: string;
  displayName: string;
  result: TaskResult;
  reason?: string;
  startTime?: string;
  durationSeconds: number;
  /** 'step.var' → value: what dependencies.<job>.outputs[...] reads. */
  outputs: Record<string, string>;
  steps: JobStepRecord[];
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
  /** --parallel: agents, i.e. jobs running at the same time (default 1). */
  parallel?: number;
  environments: EnvironmentContext;
  /** What `checkout: self` copies. */
  workingCopy: WorkingCopy;
  /** The plan events endpoint server tasks with WaitForCompletion are completed through. */
  planEvents: Pick<DevOpsServer, 'taskCompleted'>;
  /** ManualValidation@0 answers given on the command line. */
  validations: ValidationAnswers;
}

export interface EnvironmentContext {
  settings: Map<string, EnvironmentSettings>;
  answers: ApprovalAnswers;
  locks: EnvironmentLocks;
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
    if (!store.set(def.name, value, { readonly: def.readonly, secret: def.secret })) throw new PipelineFileError(def.position, `variable '${def.name}' is read-only and cannot be redefined`);
  }
}

/** A pool of agents: at most `size` jobs (legs, lifecycle hooks) run at a time. */
export class AgentPool {
  private readonly free: number[];
  private readonly waiting: Array<(slot: number) => void> = [];

  constructor(readonly size: number) {
    this.free = Array.from({ length: size }, (_, i) => i + 1);
  }

  /** Runs `work` on a free agent, numbered from 1 (each agent has its own build directory). */
  async use<T>(work: (agent: number) => Promise<T>): Promise<T> {
    const agent = this.free.shift() ?? (await new Promise<number>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(agent);
    } finally {
      const next = this.waiting.shift();
      if (next) next(agent);
      else this.free.unshift(agent);
    }
  }
}

/** Runs every item once all its dependencies have finished; independent items run concurrently. */
async function runGraph<T extends { name: string; dependsOn: string[]; position: Stage['position'] }>(items: T[], what: string, run: (item: T) => Promise<void>): Promise<void> {
  dependencyOrder(items, what); // a cycle is a file error before anything runs
  const finished = new Map<string, Promise<void>>();
  const start = (item: T): Promise<void> => {
    const key = item.name.toLowerCase();
    let promise = finished.get(key);
    if (!promise) {
      promise = Promise.all(item.dependsOn.map((d) => start(items.find((i) => i.name.toLowerCase() === d.toLowerCase())!))).then(() => run(item));
      finished.set(key, promise);
    }
    return promise;
  };
  await Promise.all(items.map(start));
}

/** One agent job: a plain job, a matrix leg, or one lifecycle hook of a deployment. */
interface Phase {
  /** The leg or hook's name, '' for a plain job. */
  name: string;
  displayName: string;
  steps: Step[];
  variables: Record<string, string>;
  /** Outputs are published as '<prefix>.<step>.<var>' ('' for a plain job: '<step>.<var>'). */
  outputPrefix: string;
  /** Variables System.JobName etc. name the leg, as the server names matrix jobs. */
  jobName: string;
}

interface PhaseRecord {
  result: TaskResult;
  reason?: string;
  startTime: string;
  outputs: Record<string, string>;
  steps: JobStepRecord[];
}

export class Scheduler {
  private readonly stageResults = new Map<string, TaskResult>();
  private readonly jobRecords = new Map<string, Map<string, JobRecord>>();
  private readonly agents: AgentPool;
  readonly deployments: DeploymentRecord[] = [];

  constructor(private readonly ctx: SchedulerContext) {
    this.agents = new AgentPool(ctx.parallel ?? 1);
  }

  async run(): Promise<StageRecord[]> {
    const { ctx } = this;
    const pipelineVars = new VariableStore(ctx.masker);
    for (const v of runVariables(ctx.run, ctx.target)) pipelineVars.set(v.name, v.value, { secret: v.secret, readonly: true });
    defineVariables(pipelineVars, ctx.pipeline.variables, {}, ctx.overrides);
    applyOverrides(pipelineVars, ctx);
    const records = new Map<string, StageRecord>();
    await runGraph(ctx.pipeline.stages, 'stage', async (stage) => {
      records.set(stage.name, await this.runStage(stage, pipelineVars));
    });
    // Keep file order in the report.
    return ctx.pipeline.stages.map((s) => records.get(s.name)!);
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
    const skipJobs = (reason: string) => stage.jobs.map((j): JobRecord => ({ name: j.name, displayName: j.displayName, result: 'Skipped', reason, durationSeconds: 0, outputs: {}, steps: [] }));
    if (!evaluateCondition(stage.condition, variableValues(pipelineVars, context), status)) {
      record.reason = `condition '${stage.condition.expression}' was false`;
      ctx.log.section(`Skipping stage ${stage.displayName}: ${record.reason}`);
      record.jobs = skipJobs('stage skipped');
    } else {
      defineVariables(stageVars, stage.variables, context, ctx.overrides);
      if (stage.name !== '__default') ctx.log.section(`Stage: ${stage.displayName}`);
      const releases: Array<() => void> = [];
      try {
        const refusal = await this.environmentChecks(stage, stageVars, releases);
        if (refusal) {
          record.result = ctx.cancellation.canceled ? 'Canceled' : 'Failed';
          record.reason = refusal;
          record.jobs = skipJobs(refusal);
        } else {
          const jobRecords = new Map<string, JobRecord>();
          this.jobRecords.set(stage.name.toLowerCase(), jobRecords);
          const jobResults = new Map<string, TaskResult>();
          await runGraph(stage.jobs, 'job', async (job) => {
            const jobRecord = await this.runJob(stage, job, stageVars, jobRecords, jobResults);
            jobRecords.set(job.name, jobRecord);
            jobResults.set(job.name.toLowerCase(), jobRecord.result);
          });
          record.jobs = stage.jobs.map((j) => jobRecords.get(j.name)!);
          const ran = record.jobs.filter((j) => j.result !== 'Skipped').map((j) => j.result);
          record.result = ran.length ? mergeResults(ran) : 'Skipped';
        }
      } finally {
        releases.forEach((release) => release());
      }
    }
    this.stageResults.set(stage.name.toLowerCase(), record.result);
    return record;
  }

  /**
   * The checks of every environment the stage deploys to, before any of its jobs: the exclusive
   * lock first (held until the stage ends), then approvals. Returns why the stage may not run.
   */
  private async environmentChecks(stage: Stage, stageVars: VariableStore, releases: Array<() => void>): Promise<string | undefined> {
    const { ctx } = this;
    const names = [...new Map(stage.jobs.filter((j) => j.deployment).map((j) => [j.deployment!.environment.name.toLowerCase(), j.deployment!.environment.name])).values()];
    for (const name of names) {
      const settings = ctx.environments.settings.get(name.toLowerCase());
      if (settings?.exclusiveLock) releases.push(await ctx.environments.locks.acquire(name, `${ctx.run.buildNumber} ${stage.name}`, ctx.log, ctx.cancellation));
      if (ctx.cancellation.canceled) return `environment '${name}': the run was canceled before the stage started`;
      for (const check of checksOf(settings)) {
        const outcome = await check.evaluate(name, stage.displayName, {
          answers: ctx.environments.answers,
          log: ctx.log,
          cancellation: ctx.cancellation,
          answerDirectory: path.join(ctx.run.workFolder, '_approvals'),
          minuteMs: ctx.minuteMs,
          runServerTask: (step) => executeServerStep(step, this.serverStepEnvironment(stageVars, ctx.log, ctx.cancellation, randomUUID(), step.timeoutInMinutes || DEFAULT_GATE_TIMEOUT_MINUTES)),
        });
        ctx.log.line(`Environment '${name}': ${outcome.detail}.`);
        if (!outcome.passed) {
          ctx.log.error(`Stage ${stage.displayName} does not run: the check on environment '${name}' did not pass (${outcome.detail}).`);
          return `environment '${name}': ${outcome.detail}`;
        }
      }
    }
    return undefined;
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
    const started = Date.now();
    record.startTime = new Date(started).toISOString();
    const phases: PhaseRecord[] = [];
    const runPhase = async (phase: Phase) => {
      // An agentless job runs on the server: it takes no agent from the pool.
      const result = job.agentless ? await this.runPhase(stage, job, phase, stageVars, context, 0) : await this.agents.use((agent) => this.runPhase(stage, job, phase, stageVars, context, agent));
      phases.push(result);
      record.steps.push(...result.steps);
      Object.assign(record.outputs, result.outputs);
      return result;
    };
    if (job.deployment) {
      await this.runDeployment(stage, job, runPhase);
    } else {
      const legs = job.legs.map((leg, i): Phase => ({
        name: leg.name,
        displayName: leg.name ? `${job.displayName} ${leg.name}` : job.displayName,
        steps: job.steps,
        variables: { ...leg.variables, ...(job.legs.length > 1 ? { 'System.JobPositionInPhase': String(i + 1), 'System.TotalJobsInPhase': String(job.legs.length) } : {}) },
        outputPrefix: leg.name,
        jobName: leg.name || job.name,
      }));
      const legPool = new AgentPool(job.maxParallel > 0 ? job.maxParallel : legs.length);
      await Promise.all(legs.map((leg) => legPool.use(() => runPhase(leg))));
    }
    const ran = phases.filter((p) => p.result !== 'Skipped');
    record.result = ran.length ? mergeResults(ran.map((p) => p.result)) : 'Skipped';
    record.reason = ran.find((p) => p.reason)?.reason;
    if (record.result === 'Failed' && job.continueOnError) {
      record.result = 'SucceededWithIssues';
      record.reason = `${record.reason ?? 'a step failed'} (continueOnError)`;
    }
    record.durationSeconds = (Date.now() - started) / 1000;
    ctx.log.section(`Finished job ${job.displayName}: ${record.result}`);
    return record;
  }

  /**
   * A deployment's lifecycle hooks in the server's order. runOnce: preDeploy, deploy, routeTraffic,
   * postRouteTraffic. canary: preDeploy, then deploy, routeTraffic, postRouteTraffic for each
   * increment. rolling: the four hooks on each target, maxParallel targets at a time. Then
   * on.failure if a hook failed, else on.success. A failed hook skips the hooks after it.
   */
  private async runDeployment(stage: Stage, job: Job, runPhase: (phase: Phase) => Promise<PhaseRecord>): Promise<void> {
    const { ctx } = this;
    const d = job.deployment!;
    const env = d.environment;
    const settings = ctx.environments.settings.get(env.name.toLowerCase());
    const started = new Date().toISOString();
    const results: TaskResult[] = [];
    const base = {
      'Environment.Name': env.name,
      'Environment.Id': String(environmentId(env.name)),
      'Environment.ResourceName': env.resourceName ?? '',
      'Environment.ResourceType': env.resourceType ?? '',
      'Strategy.Name': d.strategy,
    };
    let failed = false;
    const hook = async (h: DeploymentHook, prefix: string, extra: Record<string, string> = {}) => {
      const steps = d.hooks[h];
      // A failed hook skips the iteration's later hooks; on.failure runs precisely then.
      const final = h === 'on.failure' || h === 'on.success';
      if (!steps || (failed && !final) || ctx.cancellation.canceled) return;
      const action = h === 'on.failure' ? 'reject' : h === 'on.success' ? 'promote' : 'deploy';
      const label = extra['Strategy.Increment'] ? `${h} ${extra['Strategy.Increment']}%` : extra['Environment.ResourceName'] ? `${h} ${extra['Environment.ResourceName']}` : h;
      ctx.log.section(`Deployment ${job.displayName} to ${env.name}: ${label}`);
      const r = await runPhase({
        name: prefix,
        displayName: `${job.displayName} ${label}`,
        steps,
        variables: { ...base, 'Strategy.Action': action, 'Strategy.CycleName': h, ...extra },
        outputPrefix: prefix,
        jobName: job.name,
      });
      results.push(r.result);
      if (!isSuccess(r.result) && !final) failed = true;
    };
    const iteration: DeploymentHook[] = ['preDeploy', 'deploy', 'routeTraffic', 'postRouteTraffic'];
    // on.success / on.failure of a canary see the increment reached.
    const finalVariables: Record<string, string> = {};
    const targets: string[] = [];
    switch (d.strategy) {
      case 'runOnce': {
        // The docs: runOnce outputs are '<job>.<step>.<var>', or '<hook>_<resource>...' with a resource.
        for (const h of iteration) await hook(h, env.resourceName ? `${h}_${env.resourceName}` : job.name);
        break;
      }
      case 'canary':
        await hook('preDeploy', 'preDeploy');
        for (const increment of d.increments) {
          if (failed) break;
          finalVariables['Strategy.Increment'] = String(increment);
          for (const h of iteration.slice(1)) await hook(h, `${h}_${increment}`, { 'Strategy.Increment': String(increment) });
        }
        break;
      case 'rolling': {
        targets.push(...(settings?.resources.length ? settings.resources : [env.resourceName ?? 'local-runner']));
        const size = rollingBatchSize(d.maxParallel, targets.length);
        for (let i = 0; i < targets.length && !failed; i += size) {
          await Promise.all(
            targets.slice(i, i + size).map(async (target) => {
              for (const h of iteration) await hook(h, `${h}_${target}`, { 'Environment.ResourceName': target });
            }),
          );
        }
        break;
      }
    }
    const final: DeploymentHook = failed ? 'on.failure' : 'on.success';
    const finalPrefix = d.strategy === 'runOnce' ? (env.resourceName ? `${final.replace('.', '_')}_${env.resourceName}` : job.name) : final === 'on.failure' ? 'onFailure' : 'onSuccess';
    await hook(final, finalPrefix, finalVariables);
    const result = ctx.cancellation.canceled ? 'Canceled' : results.length ? mergeResults(results) : 'Skipped';
    this.deployments.push({
      environment: env.name,
      resource: env.resourceName ?? (targets.length ? targets.join(', ') : undefined),
      stage: stage.name,
      job: job.name,
      strategy: d.strategy,
      result,
      run: ctx.run.buildNumber,
      startTime: started,
      finishTime: new Date().toISOString(),
    });
  }

  /** What a server task (an agentless job's step, a gate) runs with. */
  private serverStepEnvironment(variables: VariableStore, log: RunLog, cancellation: Cancellation, jobId: string, jobTimeoutMinutes: number): ServerStepEnvironment {
    const { ctx } = this;
    return {
      run: ctx.run,
      target: ctx.target,
      catalog: ctx.catalog,
      endpoints: ctx.endpoints,
      variables,
      log,
      cancellation,
      minuteMs: ctx.minuteMs,
      jobId,
      jobTimeoutMinutes,
      planEvents: ctx.planEvents,
      answers: ctx.environments.answers,
      validations: ctx.validations,
      answerDirectory: path.join(ctx.run.workFolder, '_approvals'),
    };
  }

  /** One agent job: its variables, the steps in order under their conditions, its timeout. */
  private async runPhase(stage: Stage, job: Job, phase: Phase, stageVars: VariableStore, context: Record<string, ExprValue>, agent: number): Promise<PhaseRecord> {
    const { ctx } = this;
    // With several agents, jobs run side by side: each line says which job printed it.
    const log = this.agents.size > 1 ? ctx.log.prefixed(`[${[stage.name === '__default' ? '' : stage.name, job.name, phase.name].filter(Boolean).join('.')}] `) : ctx.log;
    const jobId = randomUUID();
    const tempDirectory = path.join(ctx.run.workFolder, '_temp', `${stage.name}.${job.name}${phase.name ? `.${phase.name}` : ''}`);
    fs.rmSync(tempDirectory, { recursive: true, force: true });
    fs.mkdirSync(tempDirectory, { recursive: true });
    // Each job starts on a clean agent: empty sources, staging and binaries directories.
    const buildDirectory = path.join(ctx.run.workFolder, String(agent));
    for (const dir of ['s', 'a', 'b', 'TestResults']) {
      fs.rmSync(path.join(buildDirectory, dir), { recursive: true, force: true });
      fs.mkdirSync(path.join(buildDirectory, dir), { recursive: true });
    }
    const sourcesDirectory = path.join(buildDirectory, 's');

    const variables = stageVars.clone();
    for (const v of buildDirectoryVariables(buildDirectory)) variables.set(v.name, v.value, { force: true, readonly: true });
    const facts = { stageName: stage.name, stageDisplayName: stage.displayName, jobName: phase.jobName, jobDisplayName: phase.displayName, jobId, tempDirectory, oidcRequestUri: ctx.oidcRequestUri(jobId) };
    for (const v of jobVariables(facts)) variables.set(v.name, v.value, { force: true, readonly: v.name !== 'Agent.JobStatus' });
    defineVariables(variables, job.variables, context, ctx.overrides);
    for (const [name, value] of Object.entries(phase.variables)) variables.set(name, value, { force: true });
    applyOverrides(variables, ctx);
    expandVariableValues(variables);

    log.section(`Job: ${phase.displayName}`);
    const record: PhaseRecord = { result: 'Succeeded', startTime: new Date().toISOString(), outputs: {}, steps: [] };
    const tag = (step: StepRecord): JobStepRecord => (phase.name ? { ...step, phase: phase.name } : step);

    // The job's cancellation: the run's Ctrl-C or the job's timeout.
    const cancellation = new Cancellation();
    let timedOut = false;
    const unsubscribe = ctx.cancellation.subscribe(() => cancellation.cancel());
    const timer = job.timeoutInMinutes > 0 ? setTimeout(() => ((timedOut = true), cancellation.cancel()), job.timeoutInMinutes * ctx.minuteMs) : undefined;

    let jobStatus: TaskResult = 'Succeeded';
    const prependPath: string[] = [];
    const checkout = (repository: 'self' | 'none') =>
      repository === 'none' ? `checkout: none — ${sourcesDirectory} stays empty.` : `checkout: self — ${ctx.workingCopy.checkout(sourcesDirectory)} files of the working copy ${ctx.workingCopy.root} copied to ${sourcesDirectory} (nothing fetched).`;
    // A job checks out its repository unless it says otherwise; a deployment's hooks do not (as on the service).
    if (!job.deployment && !job.agentless && !phase.steps.some((s) => s.kind === 'checkout')) log.line(`Implicit ${checkout('self')}`);
    try {
      for (const step of phase.steps) {
        if (cancellation.canceled) jobStatus = 'Canceled';
        variables.set('Agent.JobStatus', jobStatus, { force: true });
        if (!step.enabled) {
          record.steps.push(tag({ ...emptyStep(step.name, step.displayName), reason: 'disabled (enabled: false)' }));
          continue;
        }
        if (!evaluateCondition(step.condition, variableValues(variables), jobStatusFunctions(() => jobStatus))) {
          const reason = `condition '${step.condition.expression}' was false`;
          log.line(`Skipping step ${step.displayName || step.name}: ${reason}`);
          record.steps.push(tag({ ...emptyStep(step.name, step.displayName), reason }));
          continue;
        }
        // Steps that still run after a cancel (always(), canceled()) get the job's cancel timeout.
        const stepCancellation = cancellation.canceled ? cancelWindow(job.cancelTimeoutInMinutes * ctx.minuteMs) : { cancellation, dispose: () => undefined };
        const stepRecord =
          job.agentless && step.kind === 'task'
            ? await executeServerStep(step, this.serverStepEnvironment(variables, log, stepCancellation.cancellation, jobId, job.timeoutInMinutes))
            : await executeStep(step, {
                run: ctx.run,
                target: ctx.target,
                catalog: ctx.catalog,
                endpoints: ctx.endpoints,
                variables,
                masker: ctx.masker,
                log,
                grace: ctx.grace,
                cancellation: stepCancellation.cancellation,
                prependPath,
                tempDirectory,
                sourcesDirectory,
                checkout,
                minuteMs: ctx.minuteMs,
                onSignal: ctx.onSignal,
              });
        stepCancellation.dispose();
        record.steps.push(tag(stepRecord));
        for (const [k, v] of Object.entries(stepRecord.outputVariables)) record.outputs[`${phase.outputPrefix ? `${phase.outputPrefix}.` : ''}${step.name}.${k}`] = v;
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
      log.error(record.reason);
    } else if (cancellation.canceled) {
      record.result = 'Canceled';
      record.reason = 'The job was canceled.';
    } else {
      record.result = jobStatus;
    }
    return record;
  }
}

/** rolling maxParallel: a count, or a percentage of the targets (at least one). */
function rollingBatchSize(maxParallel: string | undefined, targets: number): number {
  if (!maxParallel) return 1;
  if (maxParallel.endsWith('%')) return Math.max(1, Math.floor((targets * Number(maxParallel.slice(0, -1))) / 100));
  return Math.max(1, Number(maxParallel));
}

/** A stable small number per environment name, standing in for the service's environment id. */
function environmentId(name: string): number {
  let hash = 0;
  for (const c of name.toLowerCase()) hash = (hash * 31 + c.charCodeAt(0)) % 100_000;
  return hash + 1;
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
