// Runs one step of an agentless job the way the Azure DevOps server does: a server task's
// execution.HttpRequest (Execute: EndpointId, EndpointUrl, Method, Body, Headers, WaitForCompletion,
// Expression; Cancel; Events timeouts), or the built-in ManualValidation@0. The request carries
// the connection's token and the plan's callback data (PlanUrl, ProjectId, HubName, PlanId, JobId,
// TimelineId, TaskInstanceId, AuthToken) as headers, as the server sends them; with
// WaitForCompletion the task ends when a TaskCompleted event for it reaches the plan events endpoint.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { RunFacts } from '../agentEnvironment';
import type { Cancellation } from '../cancellation';
import type { DevOpsServer } from '../devopsServer';
import { ExpressionError } from '../expressions/evaluator';
import { waitForDecision, type ApprovalAnswers } from '../executor/environments';
import type { Step, TaskResult, TaskStep } from '../model/pipeline';
import type { RunLog } from '../runLog';
import type { AzureTarget, EndpointRegistry, ServiceEndpoint } from '../serviceConnection';
import { emptyReportedState } from '../stepCommands';
import { resolveTaskInputs, type StepRecord } from '../stepExecutor';
import type { HttpRequestExecution, TaskCatalog, TaskDefinition } from '../taskCatalog';
import type { VariableStore } from '../variables';
import { endpointAccessToken } from './endpointToken';
import { sendRequest } from './http';
import { expandServerMacros, renderTemplate, type TemplateValues } from './httpTemplate';
import { evaluateSuccessCriteria } from './successCriteria';

/** ManualValidation@0's answers from the command line: step names (or '*'). */
export interface ValidationAnswers {
  resume: string[];
  reject: string[];
}

export interface ServerStepEnvironment {
  run: RunFacts;
  target: AzureTarget;
  catalog: TaskCatalog;
  endpoints: EndpointRegistry;
  variables: VariableStore;
  log: RunLog;
  cancellation: Cancellation;
  minuteMs: number;
  jobId: string;
  /** The job's timeout: a step without its own waits at most this long. */
  jobTimeoutMinutes: number;
  planEvents: Pick<DevOpsServer, 'taskCompleted'>;
  answers: ApprovalAnswers;
  validations: ValidationAnswers;
  answerDirectory: string;
}

interface Outcome {
  result: TaskResult;
  reason?: string;
}

/** The built-in server task that pauses a run for a person (it has no task.json of its own here). */
export const MANUAL_VALIDATION = { name: 'ManualValidation', major: 0 };

export function isManualValidation(step: Step): boolean {
  return step.kind === 'task' && step.taskName.toLowerCase() === MANUAL_VALIDATION.name.toLowerCase() && step.majorVersion === MANUAL_VALIDATION.major;
}

/** Runs a step whose condition allowed it; never throws for the step's own failures. */
export async function executeServerStep(step: TaskStep, env: ServerStepEnvironment): Promise<StepRecord> {
  const started = Date.now();
  let displayName = step.displayName || step.reference;
  let task: TaskDefinition | undefined;
  let outcome: Outcome;
  env.log.section(`Starting: ${displayName}`);
  try {
    if (isManualValidation(step)) {
      outcome = await manualValidation(step, env);
    } else {
      task = env.catalog.find(step.taskName, step.majorVersion);
      if (!task.httpRequest || !task.runsOn.some((r) => r.toLowerCase() === 'server')) {
        throw new Error(`${formatPlace(step)}: task ${task.name}@${task.version.Major} runs on an agent (runsOn: ${task.runsOn.join(', ')}); an agentless job (pool: server) runs server tasks only`);
      }
      outcome = await httpRequest(step, task, task.httpRequest, env, (name) => (displayName = name));
    }
  } catch (err) {
    outcome = { result: 'Failed', reason: (err as Error).message };
    env.log.error((err as Error).message);
  }
  if (outcome.result === 'Failed' && step.continueOnError) outcome = { result: 'SucceededWithIssues', reason: `${outcome.reason ?? 'failed'} (continueOnError)` };
  env.log.section(`Finishing: ${displayName}`);
  const { completeResult: _r, completeMessage: _m, ...reported } = emptyReportedState();
  return {
    name: step.name,
    displayName,
    task: task ? `${task.name}@${task.version.Major}` : step.reference,
    ...(task ? { taskVersion: `${task.version.Major}.${task.version.Minor}.${task.version.Patch}` } : {}),
    result: outcome.result,
    reason: outcome.reason,
    startTime: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    ...reported,
    issues: outcome.result === 'Failed' && outcome.reason ? [{ type: 'error', message: outcome.reason }] : [],
  };
}

function formatPlace(step: Step): string {
  return `${step.position.file}:${step.position.line}:${step.position.column}`;
}

/** "hh:mm:ss" or "d.hh:mm:ss" (an Events timeout) in minutes. */
function timeSpanMinutes(text: string | undefined): number | undefined {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)$/.exec(text?.trim() ?? '');
  return m ? Number(m[1] ?? 0) * 1440 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 60 : undefined;
}

async function httpRequest(step: TaskStep, task: TaskDefinition, execution: HttpRequestExecution, env: ServerStepEnvironment, named: (displayName: string) => void): Promise<Outcome> {
  const inputs = resolveTaskInputs(step, task, { variables: env.variables, endpoints: env.endpoints, log: env.log, sourcesDirectory: '' });
  const taskInstanceId = randomUUID();
  // What the server knows of this task instance beyond the job's variables.
  const values: TemplateValues = { ...inputs.values, 'system.TaskInstanceId': taskInstanceId, 'system.JobId': env.jobId };
  const render = (text: string | undefined) => renderTemplate(expandServerMacros(text ?? '', values, (n) => env.variables.get(n)), values);
  named(step.displayName ? expandServerMacros(step.displayName, {}, (n) => env.variables.get(n)) : expandServerMacros(task.instanceNameFormat || task.friendlyName, values, (n) => env.variables.get(n)));
  const endpoint = connection(execution.Execute.EndpointId, inputs.values, render, env);
  if (endpoint) {
    values['endpoint.url'] = endpoint.url;
    // Templates name an AzureRM connection's data with and without the prefix ({{subscriptionId}}).
    for (const [k, v] of Object.entries(endpoint.data)) {
      values[`endpoint.${k}`] = v;
      if (!(k in values)) values[k] = v;
    }
  }
  const x = execution.Execute;
  const url = render(x.EndpointUrl).trim();
  const method = (render(x.Method).trim() || 'POST').toUpperCase();
  const body = render(x.Body);
  const extraHeaders = render(x.Headers).trim();
  const waitForCompletion = render(x.WaitForCompletion).trim().toLowerCase() === 'true';
  const expression = render(x.Expression).trim();
  if (!url) throw new Error(`${formatPlace(step)}: ${task.name}@${task.version.Major} has no EndpointUrl after its inputs were applied`);

  const headers: Record<string, string> = {
    'content-type': 'application/json',
    PlanUrl: env.run.collectionUri,
    ProjectId: env.run.projectId,
    HubName: 'build',
    PlanId: env.run.planId,
    JobId: env.jobId,
    TimelineId: env.run.planId,
    TaskInstanceId: taskInstanceId,
    AuthToken: env.run.accessToken,
  };
  if (extraHeaders) {
    try {
      Object.assign(headers, JSON.parse(extraHeaders) as Record<string, string>);
    } catch {
      throw new Error(`${formatPlace(step)}: the Headers of ${task.name}@${task.version.Major} are not a JSON object: ${extraHeaders}`);
    }
  }

  const timeoutMinutes = step.timeoutInMinutes || env.jobTimeoutMinutes;
  const abort = new AbortController();
  const unsubscribe = env.cancellation.subscribe(() => abort.abort());
  const timer = setTimeout(() => abort.abort(), timeoutMinutes * env.minuteMs);
  try {
    if (endpoint) headers.Authorization = `Bearer ${await endpointAccessToken(endpoint, env.target, abort.signal)}`;
    env.log.line(`${method} ${url}`);
    if (body) env.log.debug(`Request body: ${body}`);
    const answer = await sendRequest({ method, url, headers, body }, env.target, abort.signal);
    env.log.line(`Response Code: ${answer.status}`);
    env.log.line(`Response: ${answer.body.length > 4000 ? `${answer.body.slice(0, 4000)}...` : answer.body}`);
    if (answer.status < 200 || answer.status > 299) return { result: 'Failed', reason: `the request failed with HTTP ${answer.status}` };
    if (waitForCompletion) return await completion(taskInstanceId, execution, timeoutMinutes, abort.signal, env, render, headers);
    if (!expression) return { result: 'Succeeded' };
    let passed: boolean;
    try {
      passed = evaluateSuccessCriteria(expression, answer.body);
    } catch (err) {
      if (err instanceof ExpressionError) throw new Error(`${formatPlace(step)}: the success criteria '${expression}' of ${task.name}@${task.version.Major}: ${err.message}`);
      throw err;
    }
    env.log.line(`Evaluation of expression '${expression}' ${passed ? 'succeeded' : 'failed'}.`);
    return passed ? { result: 'Succeeded' } : { result: 'Failed', reason: `the success criteria '${expression}' was not met` };
  } catch (err) {
    if (abort.signal.aborted) return aborted(env, timeoutMinutes);
    throw err;
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

function aborted(env: ServerStepEnvironment, timeoutMinutes: number): Outcome {
  if (env.cancellation.canceled) return { result: 'Canceled', reason: 'the task was canceled' };
  const reason = `the task timed out after ${timeoutMinutes} minute(s)`;
  env.log.error(reason);
  return { result: 'Failed', reason };
}

/** EndpointId: a macro over an input ("$(connectedServiceNameARM)") or InvokeRestApi's TaskInputs[TaskInputs['selector']]. */
function connection(text: string | undefined, inputs: Record<string, string>, render: (t: string) => string, env: ServerStepEnvironment): ServiceEndpoint | undefined {
  if (!text?.trim()) return undefined;
  let name = text.trim();
  for (let m = /TaskInputs\[\s*'?([^'\]]+?)'?\s*\]/.exec(name); m; m = /TaskInputs\[\s*'?([^'\]]+?)'?\s*\]/.exec(name)) name = name.replace(m[0], `'${inputs[m[1].toLowerCase()] ?? ''}'`);
  name = render(name).replace(/^'(.*)'$/, '$1').trim();
  return name ? env.endpoints.resolve(name) : undefined;
}

/** WaitForCompletion: the TaskCompleted event, within the Events timeout and the task's. */
async function completion(taskInstanceId: string, execution: HttpRequestExecution, timeoutMinutes: number, signal: AbortSignal, env: ServerStepEnvironment, render: (t: string) => string, headers: Record<string, string>): Promise<Outcome> {
  const eventMinutes = timeSpanMinutes(execution.Events?.TaskCompleted?.Timeout);
  const waitMinutes = eventMinutes !== undefined ? Math.min(eventMinutes, timeoutMinutes) : timeoutMinutes;
  env.log.line(`Waiting for the service to complete the task (TaskCompleted event for ${taskInstanceId}), at most ${waitMinutes} minute(s).`);
  const wait = env.planEvents.taskCompleted(taskInstanceId);
  let eventTimer: NodeJS.Timeout | undefined;
  const stopped = new Promise<'stopped'>((resolve) => {
    signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    eventTimer = setTimeout(() => resolve('stopped'), waitMinutes * env.minuteMs);
  });
  try {
    const event = await Promise.race([wait.result, stopped]);
    if (event === 'stopped') {
      await cancelRequest(execution, env, render, headers);
      if (env.cancellation.canceled) return { result: 'Canceled', reason: 'the task was canceled' };
      const reason = `no TaskCompleted event arrived within ${waitMinutes} minute(s): the task timed out`;
      env.log.error(reason);
      return { result: 'Failed', reason };
    }
    const result = (event.result ?? '').toLowerCase();
    env.log.line(`TaskCompleted: ${event.result ?? '(no result)'}`);
    if (result === 'succeeded' || result === 'succeededwithissues') return { result: result === 'succeeded' ? 'Succeeded' : 'SucceededWithIssues' };
    return { result: result === 'canceled' ? 'Canceled' : 'Failed', reason: `the service completed the task as ${event.result ?? 'failed'}` };
  } finally {
    clearTimeout(eventTimer);
    wait.dispose();
  }
}

/** The Cancel section, sent when a waiting task is canceled or times out (best effort, as on the server). */
async function cancelRequest(execution: HttpRequestExecution, env: ServerStepEnvironment, render: (t: string) => string, headers: Record<string, string>): Promise<void> {
  const c = execution.Cancel;
  if (!c?.EndpointUrl) return;
  const url = render(c.EndpointUrl).trim();
  try {
    const answer = await sendRequest({ method: (render(c.Method).trim() || 'POST').toUpperCase(), url, headers, body: render(c.Body) }, env.target, AbortSignal.timeout(env.minuteMs));
    env.log.line(`Cancel request ${url}: HTTP ${answer.status}`);
  } catch (err) {
    env.log.warning(`the cancel request ${url} failed: ${(err as Error).message}`);
  }
}

/** ManualValidation@0: notifyUsers, instructions, onTimeout (reject or resume). */
async function manualValidation(step: TaskStep, env: ServerStepEnvironment): Promise<Outcome> {
  const input = (name: string) => expandServerMacros(Object.entries(step.inputs).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1].value ?? '', {}, (n) => env.variables.get(n));
  const instructions = input('instructions');
  const notify = input('notifyUsers');
  const onTimeout = (input('onTimeout') || 'reject').toLowerCase();
  if (onTimeout !== 'reject' && onTimeout !== 'resume') throw new Error(`${formatPlace(step)}: ManualValidation@0 input 'onTimeout' must be reject or resume, not '${onTimeout}'`);
  const named = (list: string[]) => list.some((n) => n === '*' || n.toLowerCase() === step.name.toLowerCase());
  if (named(env.validations.reject)) return { result: 'Failed', reason: `rejected from the command line (--reject-validation ${step.name})` };
  if (named(env.validations.resume)) {
    env.log.line(`Resumed from the command line (--resume ${step.name}).`);
    return { result: 'Succeeded' };
  }
  const timeoutMinutes = step.timeoutInMinutes || env.jobTimeoutMinutes;
  const decision = await waitForDecision(
    {
      announcement: `Manual validation '${step.name}' waits for ${notify || 'a reviewer'}${instructions ? `: ${instructions}` : ''}.`,
      question: `Resume the run after manual validation '${step.name}'? [y (resume)/n (reject)] `,
      answerFile: path.join(env.answerDirectory, `${step.name}.validation`),
      timeoutMinutes,
      words: { yes: 'resumed', no: 'rejected' },
      timedOut: `the manual validation timed out after ${timeoutMinutes} minute(s) (onTimeout: ${onTimeout})`,
    },
    { answers: env.answers, log: env.log, cancellation: env.cancellation, minuteMs: env.minuteMs },
  );
  env.log.line(`Manual validation '${step.name}': ${decision.detail}.`);
  if (decision.timedOut) return onTimeout === 'resume' ? { result: 'Succeeded' } : { result: 'Failed', reason: decision.detail };
  if (env.cancellation.canceled) return { result: 'Canceled', reason: decision.detail };
  return decision.passed ? { result: 'Succeeded' } : { result: 'Failed', reason: decision.detail };
}
