// The emulator's JobExecutor: runs submitted jobs for real on this machine. Command jobs go
// NotStarted → Queued (waiting for cluster nodes) → Preparing (node, code, inputs) → Running (the
// process) → Finalizing (outputs) → Completed | Failed | Canceled; pipeline jobs run their steps as
// child jobs; sweep jobs run a few trials; Spark and AutoML jobs end Failed, saying the emulator does
// not execute them. stop() cancels everything still running.
import type { ServiceContext } from '../contract';
import { type JobExecutor, type JobStatus, TERMINAL_JOB_STATUSES, acquireNodes, releaseNodes, setJobStatus } from '../arm';
import { type ArmResource, type Properties, getResource } from '../arm/resources';
import { type CommandRunDeps, STD_LOG, describeExit, prepareCommand, runProcess, uploadOutputs } from './commandRun';
import type { ParentRunOptions } from './childJobs';
import { runPipeline } from './pipelineRun';
import { runSweep } from './sweepRun';
import { type RunError, createRunRecord, getRunRecord, nowIso, updateRunRecord } from './runRecords';
import { JobInputError, type LiveLog, runArtifactFolder, ARTIFACT_CONTAINER } from './storage';
import { ensureExperiment } from './tracking';

const NODE_POLL_MS = 250;
/** The pipeline's own log, where Azure ML's orchestrator writes it. */
const PIPELINE_LOG = 'logs/azureml/executionlogs.txt';
const SWEEP_LOG = 'azureml-logs/hyperdrive.txt';

export class Canceled extends Error {}

/** Job types Azure ML accepts (and the emulator validates like it) that cannot run here: they end Failed with this. */
const NOT_EXECUTED: Record<string, string> = {
  Spark: 'The emulator does not execute Spark jobs: it accepted and validated the job as Azure ML does, but it has no Spark pool to run it on. Run the job in Azure ML.',
  AutoML: 'The emulator does not execute AutoML jobs: it accepted and validated the job as Azure ML does, but it has no AutoML service to train models. Run the job in Azure ML.',
};

/** Azure ML's ids are case-insensitive; the workspace is the job id's parent. */
export function workspaceIdOf(job: ArmResource): string {
  return job.id.slice(0, job.id.toLowerCase().lastIndexOf('/jobs/'));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Canceled());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Canceled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class LocalJobExecutor implements JobExecutor {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private deps: CommandRunDeps | undefined;

  /** The executor exists before the emulator listens; `attach` hands it what jobs need once it does. */
  attach(deps: CommandRunDeps): void {
    this.deps = deps;
    this.recoverInterrupted(deps.ctx);
  }

  /**
   * Jobs a previous emulator process left mid-way (it was killed rather than stopped) have no process
   * any more: they end Failed (Canceled if cancellation was requested), and give their nodes back.
   */
  private recoverInterrupted(ctx: ServiceContext): void {
    for (const { value: job } of ctx.store.list<ArmResource>('arm.jobs')) {
      const status: JobStatus = job.properties.status;
      if (status === 'NotStarted' || TERMINAL_JOB_STATUSES.includes(status)) continue;
      const workspaceId = workspaceIdOf(job);
      const canceled = status === 'CancelRequested';
      if (!getRunRecord(ctx, workspaceId, job.name)) createRunRecord(ctx, { runId: job.name, workspaceId, experimentName: job.properties.experimentName ?? 'Default' });
      updateRunRecord(ctx, workspaceId, job.name, (r) => {
        r.endTimeUtc ??= nowIso(ctx);
        if (!canceled) r.error = { code: 'SystemError', message: `The emulator stopped while the job was ${status}; its process did not survive. Submit the job again.` };
      });
      if (typeof job.properties.computeId === 'string') releaseNodes(ctx, job.properties.computeId, job.name);
      setJobStatus(ctx, job.id, canceled ? 'Canceled' : 'Failed');
    }
  }

  submit(ctx: ServiceContext, job: ArmResource): void {
    this.start(ctx, job, undefined);
  }

  cancel(ctx: ServiceContext, job: ArmResource): void {
    const run = this.running.get(job.id.toLowerCase());
    if (run) run.controller.abort();
    // Nothing of this job runs here (submitted before a restart): there is nothing to stop.
    else setJobStatus(ctx, job.id, 'Canceled');
  }

  /** Cancels every running job and waits until their processes are gone. */
  async stop(): Promise<void> {
    const all = [...this.running.values()];
    for (const run of all) run.controller.abort();
    await Promise.all(all.map((r) => r.done));
    this.deps?.guard?.close();
  }

  /** Starts a job (also a pipeline's child job); resolves with its final status. */
  start(ctx: ServiceContext, job: ArmResource, parentRunId: string | undefined): Promise<JobStatus> {
    const workspaceId = workspaceIdOf(job);
    const experiment = ensureExperiment(ctx, workspaceId, job.properties.experimentName ?? 'Default');
    if (!getRunRecord(ctx, workspaceId, job.name)) createRunRecord(ctx, { runId: job.name, workspaceId, experimentName: experiment.name, parentRunId });
    const controller = new AbortController();
    const finished = this.execute(ctx, job, workspaceId, experiment.experiment_id, controller.signal);
    const done = finished.then(() => undefined);
    this.running.set(job.id.toLowerCase(), { controller, done });
    void done.then(() => this.running.delete(job.id.toLowerCase()));
    return finished;
  }

  private async execute(ctx: ServiceContext, job: ArmResource, workspaceId: string, experimentId: string, signal: AbortSignal): Promise<JobStatus> {
    let status: JobStatus;
    let error: RunError | undefined;
    try {
      const deps = this.deps;
      if (!deps) throw new JobInputError('The emulator was not ready to run jobs.');
      const jobType = String(job.properties.jobType ?? '');
      if (jobType === 'Command') status = await this.runCommand(deps, job, workspaceId, experimentId, signal);
      else if (jobType === 'Pipeline') status = await this.runParent(deps, job, workspaceId, signal, PIPELINE_LOG, runPipeline);
      else if (jobType === 'Sweep') status = await this.runParent(deps, job, workspaceId, signal, SWEEP_LOG, runSweep);
      else throw new JobInputError(NOT_EXECUTED[jobType] ?? `The emulator does not execute ${jobType} jobs; it runs command, pipeline and sweep jobs.`);
      if (status === 'Failed') error = { code: 'UserError', message: getRunRecord(ctx, workspaceId, job.name)?.error?.message ?? 'The job failed.' };
    } catch (e) {
      if (e instanceof Canceled || signal.aborted) status = 'Canceled';
      else {
        status = 'Failed';
        error = { code: e instanceof JobInputError ? 'UserError' : 'SystemError', message: (e as Error).message };
        if (!(e instanceof JobInputError)) ctx.log(`job ${job.name} failed in the emulator: ${(e as Error).stack ?? String(e)}`);
      }
    }
    updateRunRecord(ctx, workspaceId, job.name, (r) => {
      r.endTimeUtc = nowIso(ctx);
      if (error) r.error = error;
    });
    this.setStatus(ctx, job, status);
    return status;
  }

  private setStatus(ctx: ServiceContext, job: ArmResource, status: JobStatus, extra: Properties = {}): void {
    const current = getResource(ctx, 'jobs', job.id);
    // A job deleted meanwhile, or already final, keeps what it has.
    if (!current || TERMINAL_JOB_STATUSES.includes(current.properties.status)) return;
    // Once cancellation is requested only the final status follows.
    if (current.properties.status === 'CancelRequested' && !TERMINAL_JOB_STATUSES.includes(status)) return;
    setJobStatus(ctx, job.id, status, extra);
    if (status === 'Running') updateRunRecord(ctx, workspaceIdOf(job), job.name, (r) => void (r.startTimeUtc ??= nowIso(ctx)));
  }

  /** Pipeline and sweep jobs: their children run through this executor; their own log is `logName`. */
  private async runParent(deps: CommandRunDeps, job: ArmResource, workspaceId: string, signal: AbortSignal, logName: string, run: (o: ParentRunOptions) => Promise<JobStatus>): Promise<JobStatus> {
    const { ctx } = deps;
    const log = await this.openLog(deps, workspaceId, job, logName);
    const note = (line: string) => log.write(`[${nowIso(ctx)}] ${line}\n`);
    try {
      const status = await run({ ctx, job, workspaceId, signal, note, startChild: (child) => this.start(ctx, child, job.name), cancelChild: (child) => this.cancel(ctx, child), setStatus: (s) => this.setStatus(ctx, job, s) });
      note(`${job.properties.jobType} job ${job.name} finished: ${status}.`);
      return status;
    } catch (e) {
      note(`${job.properties.jobType} job ${job.name} failed: ${(e as Error).message}`);
      throw e;
    } finally {
      await log.flushed();
    }
  }

  /** Queued until the cluster gives the job its nodes; the nodes go back however the job ends. */
  private async runCommand(deps: CommandRunDeps, job: ArmResource, workspaceId: string, experimentId: string, signal: AbortSignal): Promise<JobStatus> {
    const { ctx } = deps;
    this.setStatus(ctx, job, 'Queued');
    const computeId: string | undefined = job.properties.computeId ?? undefined;
    const compute = computeId ? getResource(ctx, 'computes', computeId) : undefined;
    const usesNodes = compute?.properties.computeType === 'AmlCompute';
    try {
      if (usesNodes) await this.waitForNodes(ctx, job, computeId!, signal);
      this.setStatus(ctx, job, 'Preparing');
      const log = await this.openLog(deps, workspaceId, job, STD_LOG);
      try {
        return await this.prepareAndRun(deps, job, workspaceId, experimentId, log, signal);
      } finally {
        await log.flushed();
      }
    } finally {
      if (usesNodes) releaseNodes(ctx, computeId!, job.name);
    }
  }

  private async waitForNodes(ctx: ServiceContext, job: ArmResource, computeId: string, signal: AbortSignal): Promise<void> {
    const nodeCount = Number(job.properties.resources?.instanceCount ?? 1) || 1;
    for (;;) {
      const allocation = acquireNodes(ctx, computeId, job.name, nodeCount);
      if (allocation.state === 'Ready') return;
      if (allocation.state === 'Preparing') this.setStatus(ctx, job, 'Preparing');
      await sleep(NODE_POLL_MS, signal);
    }
  }

  /** A log file of the run, listed in run history from now on. */
  private async openLog(deps: CommandRunDeps, workspaceId: string, job: ArmResource, name: string): Promise<LiveLog> {
    const location = { container: ARTIFACT_CONTAINER, path: `${runArtifactFolder(job.name)}/${name}` };
    const log = await deps.storage.createLog(location);
    updateRunRecord(deps.ctx, workspaceId, job.name, (r) => void (r.logFiles[name] = location));
    return log;
  }

  private async prepareAndRun(deps: CommandRunDeps, job: ArmResource, workspaceId: string, experimentId: string, log: LiveLog, signal: AbortSignal): Promise<JobStatus> {
    const { ctx } = deps;
    let prepared;
    try {
      prepared = await prepareCommand(deps, workspaceId, job, experimentId, log);
    } catch (e) {
      log.write(`Preparing the job failed: ${(e as Error).message}\n`);
      throw e;
    }
    if (signal.aborted) throw new Canceled();
    this.setStatus(ctx, job, 'Running');
    const outcome = await runProcess(deps, prepared, log, signal);
    if (outcome.canceled) return 'Canceled';
    this.setStatus(ctx, job, 'Finalizing');
    const outputs = await uploadOutputs(deps, workspaceId, job, prepared, log);
    this.setStatus(ctx, job, 'Finalizing', { outputs: { ...job.properties.outputs, ...outputs } });
    if (outcome.exitCode === 0) return 'Completed';
    const message = `Execution failed: ${describeExit(outcome)}. See ${STD_LOG} for the command's output.`;
    log.write(`${message}\n`);
    updateRunRecord(ctx, workspaceId, job.name, (r) => void (r.error = { code: 'UserError', message }));
    return 'Failed';
  }
}
