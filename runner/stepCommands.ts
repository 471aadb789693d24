// What the agent does with each ##vso logging command a step writes (the agent's
// TaskCommandExtension and BuildCommandExtension), recorded for the job and the report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flag, type LoggingCommand } from './loggingCommands';
import type { SecretMasker } from './masker';
import { mergeResults, type TaskResult } from './model/pipeline';
import type { RunLog } from './runLog';
import type { VariableStore } from './variables';

export interface Issue {
  type: 'error' | 'warning';
  message: string;
}

export interface Attachment {
  type: string;
  name: string;
  path: string;
}

/** Everything a step reported through logging commands. */
export interface StepReportedState {
  /** From task.complete (the worst when several). */
  completeResult?: TaskResult;
  completeMessage?: string;
  issues: Issue[];
  outputVariables: Record<string, string>;
  variablesSet: Record<string, string>;
  summaries: Array<{ name: string; text: string }>;
  attachments: Attachment[];
  progress?: { percent: number; message: string };
  buildTags: string[];
}

export interface CommandContext {
  stepName: string;
  variables: VariableStore;
  masker: SecretMasker;
  log: RunLog;
  /** task.prependpath: directories later steps of the job find first on PATH. */
  prependPath: string[];
  /**
   * The task's declared outputVariables (lower-case): the agent treats setting one like
   * isOutput=true (ExecutionContext.SetVariable checks OutputVariables.Contains(name)).
   */
  declaredOutputs: Set<string>;
}

const SUMMARY_TYPE = 'distributedtask.core.summary';
const RESULTS: Record<string, TaskResult> = { succeeded: 'Succeeded', succeededwithissues: 'SucceededWithIssues', failed: 'Failed', canceled: 'Canceled', cancelled: 'Canceled', skipped: 'Skipped' };

export function emptyReportedState(): StepReportedState {
  return { issues: [], outputVariables: {}, variablesSet: {}, summaries: [], attachments: [], buildTags: [] };
}

function readAttachment(file: string, log: RunLog, what: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    log.warning(`${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return undefined;
  }
}

export function applyCommand(cmd: LoggingCommand, state: StepReportedState, ctx: CommandContext): void {
  const { properties: p, message } = cmd;
  switch (cmd.name) {
    case 'task.setvariable': {
      const name = p.variable;
      if (!name) return ctx.log.warning('##vso[task.setvariable] needs variable=<name>');
      const secret = flag(p.issecret);
      if (secret) ctx.masker.add(message);
      if (flag(p.isoutput) || ctx.declaredOutputs.has(name.toLowerCase())) {
        ctx.variables.set(`${ctx.stepName}.${name}`, message, { secret, readonly: flag(p.isreadonly) });
        state.outputVariables[name] = message;
      } else if (ctx.variables.set(name, message, { secret, readonly: flag(p.isreadonly) })) {
        state.variablesSet[name] = message;
      } else {
        ctx.log.warning(`Can't update read-only variable '${name}'`);
      }
      return;
    }
    case 'task.setsecret':
      ctx.masker.add(message);
      return;
    case 'task.complete': {
      const result = RESULTS[(p.result ?? 'succeeded').toLowerCase()];
      if (!result) return ctx.log.warning(`##vso[task.complete] has an unknown result '${p.result}'`);
      state.completeResult = state.completeResult ? mergeResults([state.completeResult, result]) : result;
      if (message) state.completeMessage = message;
      return;
    }
    case 'task.logissue':
    case 'task.issue': {
      const type = (p.type ?? '').toLowerCase() === 'warning' ? 'warning' : 'error';
      state.issues.push({ type, message });
      const where = p.sourcepath ? ` (${p.sourcepath}${p.linenumber ? `:${p.linenumber}` : ''})` : '';
      (type === 'error' ? ctx.log.error : ctx.log.warning).call(ctx.log, `${message}${where}`);
      return;
    }
    case 'task.setprogress':
      state.progress = { percent: Number(p.value ?? 0), message };
      ctx.log.debug(`progress ${p.value ?? 0}% ${message}`);
      return;
    case 'task.uploadsummary':
    case 'build.uploadsummary': {
      const text = readAttachment(message, ctx.log, cmd.name);
      if (text !== undefined) state.summaries.push({ name: path.basename(message), text });
      return;
    }
    case 'task.addattachment': {
      const type = p.type ?? '';
      if (type.toLowerCase() === SUMMARY_TYPE) {
        const text = readAttachment(message, ctx.log, cmd.name);
        if (text !== undefined) state.summaries.push({ name: p.name ?? path.basename(message), text });
      } else {
        state.attachments.push({ type, name: p.name ?? path.basename(message), path: message });
      }
      return;
    }
    case 'task.uploadfile':
      state.attachments.push({ type: 'file', name: path.basename(message), path: message });
      return;
    case 'task.debug':
      ctx.log.debug(message);
      return;
    case 'task.prependpath':
      if (message) ctx.prependPath.push(message);
      return;
    case 'task.logdetail':
    case 'task.settaskvariable':
      // Timeline records and post-job task variables have no local equivalent that matters.
      ctx.log.debug(`##vso[${cmd.name}] noted`);
      return;
    case 'build.updatebuildnumber':
      ctx.variables.set('Build.BuildNumber', message, { force: true });
      ctx.log.line(`Build number updated to ${message}`);
      return;
    case 'build.addbuildtag':
      state.buildTags.push(message);
      return;
    case 'artifact.upload':
    case 'artifact.associate':
    case 'build.uploadlog':
      ctx.log.warning(`##vso[${cmd.name}]: the local runner keeps no artifacts or logs on a server; the file stays at ${message || p.artifactname || '(none)'}`);
      return;
    default:
      ctx.log.warning(`##vso[${cmd.name}] is not a command the local runner supports; ignored`);
  }
}
