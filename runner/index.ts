// The runner's programmatic API: run a pipeline file against a target (the emulator or Azure).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newRunFacts } from './agentEnvironment';
import { Cancellation } from './cancellation';
import { startDevOpsServer } from './devopsServer';
import { UserError } from './errors';
import { createLoopbackCertificate, type LoopbackCertificate } from './loopbackTls';
import { SecretMasker } from './masker';
import type { Pipeline, TaskResult } from './model/pipeline';
import { parsePipelineFile } from './model/parser';
import { AGENT_GRACE_PERIODS, type GracePeriods } from './processRunner';
import { deploymentHistory, overallResult, summaryLines, writeReport, type PipelineReport } from './report';
import { RunLog, type LogSink } from './runLog';
import { readEnvironmentsFile, EnvironmentLocks, type ApprovalAnswers, type EnvironmentSettings } from './executor/environments';
import { WorkingCopy } from './executor/checkout';
import { Scheduler } from './executor/scheduler';
import { readVariableGroups } from './executor/variableGroups';
import { EndpointRegistry, type AzureTarget } from './serviceConnection';
import { TaskCatalog } from './taskCatalog';
import type { ValidationAnswers } from './server/serverTaskExecutor';

export { Cancellation } from './cancellation';
export { AGENT_GRACE_PERIODS } from './processRunner';
export type { PipelineReport } from './report';
export { emulatorTarget, azureTargetFromEnvironment, readConnectionFile, type AzureTarget, type EmulatorConnection, type AuthChoice } from './serviceConnection';

/** Exclusive locks are per machine; runs in one process share the queue. */
const ENVIRONMENT_LOCKS = new EnvironmentLocks();

export const DEFAULT_TASKS_DIRECTORY = path.resolve(__dirname, '..', 'build', 'tasks');

export interface RunOptions {
  pipelineFile: string;
  target: AzureTarget;
  /** Packaged task folders (task.json + bundle); default build/tasks. */
  tasksDirectory?: string;
  /** The agent's work folder (_temp, build directories); default a fresh temporary one. */
  workFolder?: string;
  /** Keep the temporary work folder after the run (a --work folder is always kept). */
  keepWork?: boolean;
  variables?: Record<string, string>;
  secrets?: Record<string, string>;
  parameters?: Record<string, string>;
  /** SIGINT → SIGTERM → SIGKILL delays; the agent's 7.5 s / 2.5 s unless a test shortens them. */
  grace?: GracePeriods;
  sink?: LogSink;
  debug?: boolean;
  /** Cancel it to stop the run like Ctrl-C on the agent. */
  cancellation?: Cancellation;
  reportFile?: string;
  emulatorStateDir?: string;
  onSignal?: (step: string, signal: NodeJS.Signals) => void;
  /** Length of a minute for timeoutInMinutes; tests shorten it. */
  minuteMs?: number;
  /** --parallel: agents, i.e. jobs that may run at the same time (default 1). */
  parallel?: number;
  /** --variable-group name=file.yml. */
  variableGroups?: Record<string, string>;
  /** --environments: the environments' checks (approvals, exclusive lock) and resources. */
  environmentsFile?: string;
  /** --approve / --reject and the interactive prompt. */
  approvals?: ApprovalAnswers;
  /** --resume / --reject-validation: ManualValidation@0 answers by step name. */
  validations?: ValidationAnswers;
}

export interface RunOutcome {
  result: TaskResult;
  report: PipelineReport;
  /** Masked console lines summarising each step. */
  summary: string[];
}

export async function runPipeline(options: RunOptions): Promise<RunOutcome> {
  const pipeline = parsePipelineFile(options.pipelineFile, { parameters: options.parameters, variables: options.variables, variableGroups: readVariableGroups(options.variableGroups ?? {}) });
  const environments = options.environmentsFile ? readEnvironmentsFile(options.environmentsFile) : new Map<string, EnvironmentSettings>();
  checkApprovalOptions(pipeline, options.approvals);
  const masker = new SecretMasker();
  options.target.secrets.forEach((s) => masker.add(s));
  Object.values(options.secrets ?? {}).forEach((s) => masker.add(s));
  // System.Debug may also come as a variable, as when queuing a run with it set.
  const debug = options.debug || Object.entries(options.variables ?? {}).some(([k, v]) => k.toLowerCase() === 'system.debug' && v.toLowerCase() === 'true');
  const log = new RunLog(options.sink ?? ((line) => console.log(line)), masker, debug);
  const workFolder = options.workFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-pipeline-'));
  // A folder the runner made is its own to remove; one the user named is theirs.
  const removeWorkFolder = !options.workFolder && !options.keepWork;
  const cancellation = options.cancellation ?? new Cancellation();

  const started = new Date();
  const run = newRunFacts({ pipelineFile: options.pipelineFile, collectionUri: '', workFolder, debug, buildNumberFormat: pipeline.buildNumberFormat, now: started });
  const tls = createLoopbackCertificate();
  const target = trustLoopback(options.target, tls, workFolder);
  const devops = await startDevOpsServer({ accessToken: run.accessToken, tls, federation: target.federation, onTokenIssued: (t) => masker.add(t) });
  run.collectionUri = devops.collectionUri;
  masker.add(run.accessToken);
  try {
    log.line(`Pipeline ${options.pipelineFile} — run ${run.buildNumber}, ${describeTarget(target)}`);
    pipeline.warnings.forEach((warning) => log.warning(warning));
    const scheduler = new Scheduler({
      pipeline,
      run,
      target,
      catalog: new TaskCatalog(options.tasksDirectory ?? DEFAULT_TASKS_DIRECTORY),
      endpoints: new EndpointRegistry(target, (id) => devops.allowFederation(id)),
      masker,
      log,
      grace: options.grace ?? AGENT_GRACE_PERIODS,
      cancellation,
      oidcRequestUri: (jobId) => devops.oidcRequestUri(run.projectId, run.planId, jobId),
      overrides: options.variables ?? {},
      secretOverrides: options.secrets ?? {},
      onSignal: options.onSignal,
      minuteMs: options.minuteMs ?? 60_000,
      parallel: options.parallel,
      workingCopy: new WorkingCopy(run.repository.localPath, workFolder),
      planEvents: devops,
      validations: options.validations ?? { resume: [], reject: [] },
      environments: { settings: environments, answers: options.approvals ?? { approve: [], reject: [] }, locks: ENVIRONMENT_LOCKS },
    });
    const stages = await scheduler.run();
    const finished = new Date();
    const report: PipelineReport = {
      pipeline: options.pipelineFile,
      result: cancellation.canceled ? 'Canceled' : overallResult(stages),
      buildId: run.buildId,
      buildNumber: run.buildNumber,
      startTime: started.toISOString(),
      finishTime: finished.toISOString(),
      durationSeconds: (finished.getTime() - started.getTime()) / 1000,
      target: { kind: options.target.kind, auth: options.target.auth, scheme: options.target.scheme, subscriptionId: options.target.subscriptionId, ...(options.emulatorStateDir ? { emulatorStateDir: options.emulatorStateDir } : {}) },
      workFolder,
      workFolderKept: !removeWorkFolder,
      stages,
      deployments: deploymentHistory(scheduler.deployments),
    };
    if (options.reportFile) writeReport(options.reportFile, report, masker);
    const summary = summaryLines(stages, report.deployments).map((l) => masker.mask(l));
    return { result: report.result, report: masker.maskDeep(report), summary };
  } finally {
    await devops.stop();
    if (removeWorkFolder) fs.rmSync(workFolder, { recursive: true, force: true });
  }
}

/** An --approve or --reject for an environment the pipeline never deploys to is a typo: say so. */
function checkApprovalOptions(pipeline: Pipeline, approvals: ApprovalAnswers | undefined): void {
  const used = new Set(pipeline.stages.flatMap((s) => s.jobs.flatMap((j) => (j.deployment ? [j.deployment.environment.name] : []))));
  const known = [...used].join(', ') || 'none';
  for (const [option, names] of [['--approve', approvals?.approve ?? []], ['--reject', approvals?.reject ?? []]] as const) {
    for (const name of names) {
      if (![...used].some((u) => u.toLowerCase() === name.toLowerCase())) throw new UserError(`${option} ${name}: the pipeline deploys to no environment '${name}' (its environments: ${known})`);
    }
  }
}

/**
 * The agent machine trusts the emulator's CA; it must also trust the runner's stand-in for Azure
 * DevOps, so the run's CA file (Agent.CAInfo, NODE_EXTRA_CA_CERTS) holds both.
 */
function trustLoopback(target: AzureTarget, tls: LoopbackCertificate, workFolder: string): AzureTarget {
  if (!target.proxy) return target;
  let emulatorCa: string;
  try {
    emulatorCa = fs.readFileSync(target.proxy.caCertFile, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the emulator's CA certificate ${target.proxy.caCertFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const bundle = path.join(workFolder, '_tls', 'trusted-ca.pem');
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  fs.writeFileSync(bundle, `${emulatorCa.trimEnd()}\n${tls.certPem}`);
  return { ...target, proxy: { ...target.proxy, caCertFile: bundle } };
}

export function describeTarget(target: AzureTarget): string {
  const where = target.kind === 'emulator' ? 'the Azure emulator' : 'Azure';
  return `${where}, subscription ${target.subscriptionId}, ${target.scheme} (${target.auth})`;
}
