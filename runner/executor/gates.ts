// Gates, as a classic release evaluates its pre-deployment gates, as a check on an environment:
// after a delay, every gate (a server task that runs on ServerGate) is evaluated together, again
// every evaluation interval, until all of them have passed in every evaluation over at least the
// minimum duration ("steady results"), or the timeout fails the check.
//   prod:
//     gates:
//       delayBeforeEvaluationMinutes: 0
//       evaluationIntervalMinutes: 5
//       minimumDurationMinutes: 0
//       timeoutMinutes: 15
//       tasks:
//       - task: AzureMLEndpointHealthGate@1
//         inputs: { ... }
import { PipelineFileError, type SourcePosition } from '../errors';
import type { TaskStep } from '../model/pipeline';
import { parseServerTaskSteps } from '../model/parser';
import type { TreeNode } from '../model/tree';
import type { CheckContext, CheckOutcome, EnvironmentCheck } from './environments';

export interface GatesCheck {
  kind: 'gates';
  delayMinutes: number;
  intervalMinutes: number;
  minimumDurationMinutes: number;
  timeoutMinutes: number;
  tasks: TaskStep[];
  position: SourcePosition;
}

/** Classic release defaults: re-evaluate every 5 minutes (the least it allows), time out after 15. */
const DEFAULTS = { delayBeforeEvaluationMinutes: 0, evaluationIntervalMinutes: 5, minimumDurationMinutes: 0, timeoutMinutes: 15 };

export function readGates(node: TreeNode): GatesCheck {
  if (node.kind !== 'map') throw new PipelineFileError(node.position, "'gates' must be a mapping (tasks, evaluationIntervalMinutes, minimumDurationMinutes, timeoutMinutes, delayBeforeEvaluationMinutes)");
  const numbers: Record<string, number> = { ...DEFAULTS };
  let tasks: TaskStep[] | undefined;
  for (const { key, value } of node.items) {
    const k = key.value ?? '';
    if (k === 'tasks') {
      tasks = parseServerTaskSteps(value, node.position.file);
    } else if (k in DEFAULTS) {
      const text = value.kind === 'scalar' ? (value.value ?? '').trim() : '';
      if (!/^\d+(\.\d+)?$/.test(text)) throw new PipelineFileError(value.position, `'${k}' must be a number of minutes, not '${text}'`);
      numbers[k] = Number(text);
    } else {
      throw new PipelineFileError(key.position, `unexpected key '${k}' in 'gates' (tasks, ${Object.keys(DEFAULTS).join(', ')})`);
    }
  }
  if (!tasks?.length) throw new PipelineFileError(node.position, "'gates' needs 'tasks': the server tasks to evaluate");
  if (numbers.evaluationIntervalMinutes <= 0) throw new PipelineFileError(node.position, "'evaluationIntervalMinutes' must be more than 0");
  return {
    kind: 'gates',
    delayMinutes: numbers.delayBeforeEvaluationMinutes,
    intervalMinutes: numbers.evaluationIntervalMinutes,
    minimumDurationMinutes: numbers.minimumDurationMinutes,
    timeoutMinutes: numbers.timeoutMinutes,
    tasks,
    position: node.position,
  };
}

/** Resolves after `minutes`, or early when the run is canceled. */
function pause(minutes: number, ctx: CheckContext): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, minutes * ctx.minuteMs);
    const unsubscribe = ctx.cancellation.subscribe(done);
    function done() {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    }
  });
}

export function gatesCheck(check: GatesCheck): EnvironmentCheck {
  return {
    async evaluate(environment, stage, ctx): Promise<CheckOutcome> {
      const runGate = ctx.runServerTask;
      if (!runGate) return { passed: false, detail: 'gates need server tasks, which this run cannot evaluate' };
      const started = Date.now();
      const deadline = started + check.timeoutMinutes * ctx.minuteMs;
      ctx.log.line(`Gates of environment '${environment}' for stage ${stage}: ${check.tasks.map((t) => t.reference).join(', ')}; every ${check.intervalMinutes} minute(s), steady for ${check.minimumDurationMinutes} minute(s), timeout ${check.timeoutMinutes} minute(s).`);
      if (check.delayMinutes > 0) {
        ctx.log.line(`Waiting ${check.delayMinutes} minute(s) before the first evaluation.`);
        await pause(check.delayMinutes, ctx);
      }
      let steadySince: number | undefined;
      for (let evaluation = 1; ; evaluation++) {
        if (ctx.cancellation.canceled) return { passed: false, detail: 'the run was canceled while the gates were evaluated' };
        const now = Date.now();
        const records = [];
        for (const task of check.tasks) records.push(await runGate(task));
        const failed = records.filter((r) => r.result !== 'Succeeded' && r.result !== 'SucceededWithIssues');
        ctx.log.line(`Gates evaluation ${evaluation}: ${failed.length ? `${failed.length} of ${records.length} did not pass (${failed.map((r) => r.name).join(', ')})` : 'all passed'}.`);
        if (failed.length) steadySince = undefined;
        else steadySince ??= now;
        if (steadySince !== undefined && now - steadySince >= check.minimumDurationMinutes * ctx.minuteMs) {
          return { passed: true, detail: `the gates passed (evaluation ${evaluation})` };
        }
        if (Date.now() + check.intervalMinutes * ctx.minuteMs > deadline) {
          return { passed: false, detail: `the gates did not pass within ${check.timeoutMinutes} minute(s) (${evaluation} evaluation(s))` };
        }
        await pause(check.intervalMinutes, ctx);
      }
    },
  };
}
