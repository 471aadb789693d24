// Environments and their checks. In Azure DevOps the checks live on the environment, not in the
// YAML: here they come from an environments file (--environments), answered from the command line
// (--approve / --reject), an interactive prompt, or an answer file written while the run waits.
// Checks run when a stage that deploys to the environment starts, before any of its jobs, as on
// the server. Checks that run server tasks are written as `gates:` (gates.ts): any server task,
// re-evaluated like a classic release's gates; `EnvironmentCheck` is the seam every check plugs into.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cancellation } from '../cancellation';
import { PipelineFileError, UserError, type SourcePosition } from '../errors';
import { readTreeFile, type TreeNode } from '../model/tree';
import type { RunLog } from '../runLog';
import type { TaskStep } from '../model/pipeline';
import type { StepRecord } from '../stepExecutor';
import { gatesCheck, readGates, type GatesCheck } from './gates';

export interface ApprovalCheck {
  kind: 'approval';
  timeoutMinutes: number;
  instructions?: string;
  position: SourcePosition;
}

export interface EnvironmentSettings {
  name: string;
  /** In the order they are written; approvals and gates. */
  checks: Array<ApprovalCheck | GatesCheck>;
  /** The exclusive lock check: one stage at a time deploys to the environment (across runs). */
  exclusiveLock: boolean;
  /** Resources a rolling deployment iterates over (default: the one local agent). */
  resources: string[];
}

/** Azure DevOps' built-in checks that run server tasks: here they are written as `gates:` with the task. */
const SERVER_TASK_CHECKS = ['invokeRestApi', 'invokeAzureFunction', 'azureMonitor', 'queryWorkItems', 'businessHours', 'branchControl', 'requiredTemplate', 'evaluateArtifact'];
/** Azure DevOps' default approval timeout: 30 days. */
const DEFAULT_APPROVAL_TIMEOUT_MINUTES = 30 * 24 * 60;

function fail(position: SourcePosition, message: string): never {
  throw new PipelineFileError(position, message);
}

/**
 * The environments file:
 *   prod:
 *     approval: { timeoutInMinutes: 60, instructions: Check the dashboard }
 *     exclusiveLock: true
 *     resources: [blue, green]
 */
export function readEnvironmentsFile(file: string): Map<string, EnvironmentSettings> {
  const root = readTreeFile(file);
  const result = new Map<string, EnvironmentSettings>();
  if (root.kind !== 'map') fail(root.position, 'the environments file must map environment names to their checks');
  for (const { key, value } of root.items) {
    const name = key.value ?? '';
    const settings: EnvironmentSettings = { name, checks: [], exclusiveLock: false, resources: [] };
    if (value.kind !== 'map') fail(value.position, `environment '${name}' must be a mapping (approval, exclusiveLock, resources)`);
    for (const item of value.items) {
      const k = item.key.value ?? '';
      if (k === 'approval') settings.checks.push(approval(item.value));
      else if (k === 'gates') settings.checks.push(readGates(item.value));
      else if (k === 'exclusiveLock') settings.exclusiveLock = text(item.value, k).toLowerCase() === 'true';
      else if (k === 'resources') settings.resources = item.value.kind === 'seq' ? item.value.items.map((n) => text(n, k)) : fail(item.value.position, "'resources' must be a list of names");
      else if (SERVER_TASK_CHECKS.includes(k)) fail(item.key.position, `the check '${k}' runs a server task: write it under 'gates:' with 'tasks:' (e.g. InvokeRESTAPI@1 or AzureMonitor@1 from build/tasks)`);
      else fail(item.key.position, `unknown check '${k}': use approval, gates, exclusiveLock or resources`);
    }
    result.set(name.toLowerCase(), settings);
  }
  return result;
}

function text(node: TreeNode, what: string): string {
  if (node.kind !== 'scalar') fail(node.position, `'${what}' must be a single value`);
  return (node.value ?? '').trim();
}

function approval(node: TreeNode): ApprovalCheck {
  const check: ApprovalCheck = { kind: 'approval', timeoutMinutes: DEFAULT_APPROVAL_TIMEOUT_MINUTES, position: node.position };
  if (node.kind === 'scalar' && (node.value === null || node.value === 'true')) return check;
  if (node.kind !== 'map') fail(node.position, "'approval' must be true or a mapping (timeoutInMinutes, instructions)");
  for (const { key, value } of node.items) {
    if (key.value === 'timeoutInMinutes') {
      const minutes = text(value, 'timeoutInMinutes');
      if (!/^\d+(\.\d+)?$/.test(minutes)) fail(value.position, `'timeoutInMinutes' must be a number of minutes, not '${minutes}'`);
      check.timeoutMinutes = Number(minutes);
    } else if (key.value === 'instructions') {
      check.instructions = text(value, 'instructions');
    } else {
      fail(key.position, `unexpected key '${key.value}' in 'approval' (timeoutInMinutes, instructions)`);
    }
  }
  return check;
}

/** How approvals get answered in this run. */
export interface ApprovalAnswers {
  /** --approve / --reject: environment names (any case). */
  approve: string[];
  reject: string[];
  /** An interactive question (a terminal is attached); resolves with the typed answer. */
  prompt?: (question: string, cancellation: Cancellation) => Promise<string>;
}

export interface CheckContext {
  answers: ApprovalAnswers;
  log: RunLog;
  cancellation: Cancellation;
  /** Where answer files are watched: <dir>/<environment>.approval holding 'approve' or 'reject'. */
  answerDirectory: string;
  minuteMs: number;
  /** Runs a server task (a gate) as an agentless job would. */
  runServerTask?: (step: TaskStep) => Promise<StepRecord>;
}

export interface CheckOutcome {
  passed: boolean;
  /** Who or what decided, for the log and the report. */
  detail: string;
}

/** The seam for checks: approvals and gates. */
export interface EnvironmentCheck {
  evaluate(environment: string, stage: string, ctx: CheckContext): Promise<CheckOutcome>;
}

const ANSWER_POLL_MS = 200;

function parseAnswer(answer: string): 'approve' | 'reject' | undefined {
  const a = answer.trim().toLowerCase();
  if (['y', 'yes', 'approve', 'approved'].includes(a)) return 'approve';
  if (['n', 'no', 'reject', 'rejected'].includes(a)) return 'reject';
  return undefined;
}

/** A question a person answers: at the prompt, or by writing approve/reject to a file; or it times out. */
export interface PendingDecision {
  /** Printed first: what waits and why. */
  announcement: string;
  question: string;
  answerFile: string;
  timeoutMinutes: number;
  /** The words the log uses for the two answers ('approved'/'rejected', 'resumed'/'rejected'). */
  words: { yes: string; no: string };
  timedOut: string;
}

/** Waits for a person's decision (approvals, ManualValidation). */
export function waitForDecision(pending: PendingDecision, ctx: Pick<CheckContext, 'answers' | 'log' | 'cancellation' | 'minuteMs'>): Promise<CheckOutcome & { timedOut?: boolean }> {
  const { answerFile } = pending;
  fs.mkdirSync(path.dirname(answerFile), { recursive: true });
  fs.rmSync(answerFile, { force: true });
  ctx.log.line(pending.announcement);
  ctx.log.line(`  Answer at the prompt, or write 'approve' or 'reject' to ${answerFile}; it times out in ${pending.timeoutMinutes} minute(s).`);
  return new Promise((resolve) => {
    let done = false;
    const promptCancellation = new Cancellation();
    const finish = (outcome: CheckOutcome & { timedOut?: boolean }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      unsubscribe();
      promptCancellation.cancel();
      resolve(outcome);
    };
    const decided = (decision: 'approve' | 'reject', where: string) => finish({ passed: decision === 'approve', detail: `${decision === 'approve' ? pending.words.yes : pending.words.no} ${where}` });
    const timer = setTimeout(() => finish({ passed: false, detail: pending.timedOut, timedOut: true }), pending.timeoutMinutes * ctx.minuteMs);
    const poll = setInterval(() => {
      let answer: string;
      try {
        answer = fs.readFileSync(answerFile, 'utf8');
      } catch {
        return;
      }
      const decision = parseAnswer(answer);
      if (decision) decided(decision, `in ${answerFile}`);
    }, ANSWER_POLL_MS);
    const unsubscribe = ctx.cancellation.subscribe(() => finish({ passed: false, detail: 'the run was canceled while waiting for an answer' }));
    const ask = async (): Promise<void> => {
      if (!ctx.answers.prompt) return;
      const answer = await ctx.answers.prompt(pending.question, promptCancellation).catch(() => '');
      if (done) return;
      const decision = parseAnswer(answer);
      if (decision) decided(decision, 'at the prompt');
      else if (answer !== '') return ask();
    };
    void ask();
  });
}

export function approvalCheck(check: ApprovalCheck): EnvironmentCheck {
  return {
    async evaluate(environment, stage, ctx) {
      const is = (names: string[]) => names.some((n) => n.toLowerCase() === environment.toLowerCase());
      if (is(ctx.answers.reject)) return { passed: false, detail: `rejected from the command line (--reject ${environment})` };
      if (is(ctx.answers.approve)) return { passed: true, detail: `approved from the command line (--approve ${environment})` };
      return waitForDecision(
        {
          announcement: `Stage ${stage} waits for an approval to deploy to environment '${environment}'${check.instructions ? `: ${check.instructions}` : ''}.`,
          question: `Approve the deployment of stage ${stage} to '${environment}'? [y/n] `,
          answerFile: path.join(ctx.answerDirectory, `${environment}.approval`),
          timeoutMinutes: check.timeoutMinutes,
          words: { yes: 'approved', no: 'rejected' },
          timedOut: `the approval timed out after ${check.timeoutMinutes} minute(s)`,
        },
        ctx,
      );
    },
  };
}

/** Checks of one environment, in the order the service runs them. */
export function checksOf(settings: EnvironmentSettings | undefined): EnvironmentCheck[] {
  return (settings?.checks ?? []).map((check) => (check.kind === 'gates' ? gatesCheck(check) : approvalCheck(check)));
}

/**
 * The exclusive lock: held while a stage deploys to the environment. In this process a queue; across
 * runs on this machine a lock file naming the holder, taken over when its process is gone.
 */
export class EnvironmentLocks {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly directory = path.join(os.tmpdir(), 'azureml-pipeline-locks')) {}

  async acquire(environment: string, holder: string, log: RunLog, cancellation: Cancellation): Promise<() => void> {
    const key = environment.toLowerCase();
    const previous = this.queues.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.queues.set(key, previous.then(() => mine));
    await previous;
    const file = path.join(this.directory, `${encodeURIComponent(key)}.lock`);
    fs.mkdirSync(this.directory, { recursive: true });
    let waiting = false;
    while (!cancellation.canceled) {
      try {
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, holder }), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot take the lock on environment '${environment}' (${file}): ${(err as Error).message}`);
        if (!holderAlive(file)) {
          fs.rmSync(file, { force: true });
          continue;
        }
        if (!waiting) log.line(`Environment '${environment}' is locked by another run (${file}); waiting for it (exclusive lock).`);
        waiting = true;
        await new Promise((r) => setTimeout(r, ANSWER_POLL_MS));
      }
    }
    return () => {
      // Only our own lock file is removed: a canceled wait never took one.
      try {
        if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid === process.pid) fs.rmSync(file, { force: true });
      } catch {
        // Already gone.
      }
      release();
    };
  }
}

function holderAlive(file: string): boolean {
  try {
    const { pid } = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number };
    if (pid === process.pid) return true;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
