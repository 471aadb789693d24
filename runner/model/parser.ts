// The expanded pipeline tree → the model the scheduler runs, with file:line on every error.
// Templates and ${{ }} are already resolved (templates.ts); runtime expressions ($[ ]) and
// macros stay text. Everything the runner does not implement is refused with the construct's
// name and position, never skipped.
import { formatPosition, PipelineFileError, type SourcePosition } from '../errors';
import { ExpressionError, parseExpression } from '../expressions/evaluator';
import { DEPLOYMENT_HOOKS, type Condition, type Deployment, type DeploymentHook, type Job, type JobLeg, type Pipeline, type ScriptStep, type Stage, type Step, type TaskStep, type VariableDefinition } from './pipeline';
import { expandPipelineTree } from './templates';
import { parseTree, readTreeFile, toYaml, type TreeNode } from './tree';
import { repositoryInfo, templateVariables } from '../agentEnvironment';

export interface GroupVariable {
  name: string;
  value: string;
  secret: boolean;
}

export interface ParseOptions {
  /** --param name=value: values for the pipeline's parameters, converted to their declared types. */
  parameters?: Record<string, string>;
  /** --var name=value: queue-time variables, visible to ${{ variables.x }} too. */
  variables?: Record<string, string>;
  /** --variable-group name=file.yml: the library's variable groups, by name. */
  variableGroups?: Record<string, GroupVariable[]>;
}

const DEFAULT_JOB_TIMEOUT_MINUTES = 60;
const DEFAULT_CANCEL_TIMEOUT_MINUTES = 5;
const REFERENCE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Keys accepted and deliberately without effect locally: triggers and pools concern the service. */
const PIPELINE_METADATA = new Set(['trigger', 'pr', 'pool', 'schedules', 'appendcommitmessagetorunname', 'lockbehavior']);

interface Entry {
  key: string;
  keyPosition: SourcePosition;
  value: TreeNode;
}

/** Stage keys that only steer the service (exclusive-lock checks, skipping stages when queuing a run). */
const STAGE_METADATA = ['lockBehavior', 'isSkippable'];
/** `checkout: self` options about how the agent fetches; the runner uses the working copy as it is. */
const CHECKOUT_FETCH_OPTIONS = ['clean', 'fetchDepth', 'fetchFilter', 'fetchTags', 'lfs', 'submodules', 'persistCredentials'];
/** The most legs a matrix or parallel job may have, as on the service. */
const MAX_LEGS = 256;

class PipelineParser {
  private readonly warnings: string[] = [];

  constructor(
    private readonly file: string,
    private readonly options: ParseOptions,
  ) {}

  parse(tree: TreeNode): Pipeline {
    const root = this.entries(tree, 'the pipeline');
    const pipeline: Pipeline = { file: this.file, variables: [], stages: [], warnings: this.warnings };
    const bodies = root.filter((e) => e.key === 'stages' || e.key === 'jobs' || e.key === 'steps');
    if (bodies.length > 1) this.fail(bodies[1].keyPosition, `'${bodies[1].key}' cannot be used together with '${bodies[0].key}' at the top level`);
    for (const entry of root) {
      switch (entry.key) {
        case 'stages':
        case 'jobs':
        case 'steps':
          break;
        case 'name':
          pipeline.buildNumberFormat = this.string(entry.value, 'name');
          break;
        case 'variables':
          pipeline.variables = this.variables(entry.value);
          break;
        default:
          if (!PIPELINE_METADATA.has(entry.key.toLowerCase())) this.refuseKey(entry, 'at the top level of a pipeline');
      }
    }
    const body = bodies[0];
    if (!body) this.fail({ file: this.file, line: 1, column: 1 }, "the pipeline has no 'stages', 'jobs' or 'steps'");
    const position = body.keyPosition;
    if (body.key === 'stages') {
      pipeline.stages = this.list(body.value, 'stages').map((n) => this.stage(n));
    } else {
      const jobs = body.key === 'jobs' ? this.jobs(body.value) : [this.defaultJob(body)];
      pipeline.stages = [this.implicitStage(jobs, position)];
    }
    this.checkDependencies(pipeline.stages, 'stage');
    return pipeline;
  }

  // ---- tree helpers -------------------------------------------------------------------------

  private fail(position: SourcePosition, message: string): never {
    throw new PipelineFileError(position, message);
  }

  private isEmpty(node: TreeNode | undefined): boolean {
    return node === undefined || (node.kind === 'scalar' && node.value === null);
  }

  private entries(node: TreeNode, what: string): Entry[] {
    if (node.kind !== 'map') this.fail(node.position, `${what} must be a mapping (key: value)`);
    return node.items.map(({ key, value }) => ({ key: key.value ?? '', keyPosition: key.position, value }));
  }

  private keyed(node: TreeNode, what: string): { all: Entry[]; e: Map<string, Entry> } {
    const all = this.entries(node, what);
    return { all, e: new Map(all.map((x) => [x.key, x])) };
  }

  private list(node: TreeNode, what: string): TreeNode[] {
    if (node.kind !== 'seq') this.fail(node.position, `'${what}' must be a list`);
    return node.items;
  }

  private refuse(position: SourcePosition, construct: string): never {
    this.fail(position, `${construct} is not supported by the local runner`);
  }

  /** A key kept as metadata: accepted, with a warning that it changes nothing in a local run. */
  private acceptWithoutEffect(entry: Entry, why: string): void {
    this.warnings.push(`${formatPosition(entry.keyPosition)}: '${entry.key}' ${why}`);
  }

  private refuseKey(entry: Entry, where: string): never {
    const unsupported = ['resources', 'strategy', 'container', 'services', 'uses', 'templatecontext', 'target', 'environment', 'workspace'];
    if (unsupported.includes(entry.key.toLowerCase())) this.refuse(entry.keyPosition, `'${entry.key}' ${where}`);
    this.fail(entry.keyPosition, `unexpected key '${entry.key}' ${where}`);
  }

  /** A scalar's text; missing values (`key:`) read as ''. */
  private string(node: TreeNode | undefined, what: string): string {
    if (node === undefined || this.isEmpty(node)) return '';
    if (node.kind !== 'scalar') this.fail(node.position, `'${what}' must be a single value, not a list or mapping`);
    return node.value ?? '';
  }

  private boolean(node: TreeNode, what: string): boolean {
    const text = this.string(node, what).trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    this.fail(node.position, `'${what}' must be true or false, not '${text}'`);
  }

  private integer(node: TreeNode, what: string): number {
    const text = this.string(node, what).trim();
    if (!/^\d+$/.test(text)) this.fail(node.position, `'${what}' must be a whole number, not '${text}'`);
    return Number(text);
  }

  private stringMap(node: TreeNode | undefined, what: string): Record<string, string> {
    if (node === undefined || this.isEmpty(node)) return {};
    const result: Record<string, string> = {};
    for (const e of this.entries(node, `'${what}'`)) result[e.key] = this.string(e.value, `${what}.${e.key}`);
    return result;
  }

  private nameList(node: TreeNode, what: string): string[] {
    if (node.kind === 'seq') return node.items.map((n) => this.string(n, what));
    const single = this.string(node, what);
    return single ? [single] : [];
  }

  private condition(node: TreeNode | undefined, fallback: string, anchor: SourcePosition): Condition {
    if (node === undefined) return { expression: fallback, position: anchor };
    const expression = this.string(node, 'condition');
    this.checkSyntax(expression, node.position, 'condition');
    return { expression, position: node.position };
  }

  private checkSyntax(expression: string, position: SourcePosition, what: string): void {
    try {
      parseExpression(expression);
    } catch (err) {
      if (err instanceof ExpressionError) this.fail(position, `invalid ${what} '${expression}': ${err.message}`);
      throw err;
    }
  }

  // ---- variables ----------------------------------------------------------------------------

  private variables(node: TreeNode): VariableDefinition[] {
    if (this.isEmpty(node)) return [];
    const result: VariableDefinition[] = [];
    const add = (name: string, value: string, readonly: boolean, position: SourcePosition, secret = false) => {
      if (/\s/.test(name) || !name) this.fail(position, `'${name}' is not a valid variable name`);
      if (value.trim().startsWith('$[')) this.checkSyntax(runtimeExpressionBody(value, position), position, 'runtime expression');
      result.push({ name, value, readonly, position, ...(secret ? { secret } : {}) });
    };
    if (node.kind === 'map') {
      for (const e of this.entries(node, "'variables'")) add(e.key, this.string(e.value, e.key), false, e.keyPosition);
      return result;
    }
    for (const item of this.list(node, 'variables')) {
      const { e } = this.keyed(item, 'a variable');
      const group = e.get('group');
      if (group) {
        for (const x of e.values()) if (x.key !== 'group') this.refuseKey(x, 'in a variable group reference');
        const name = this.string(group.value, 'group');
        const found = Object.entries(this.options.variableGroups ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
        if (!found) this.fail(group.value.position, `variable group '${name}' is not defined here: give it with --variable-group ${name}=<file.yml>`);
        for (const v of found[1]) add(v.name, v.value, false, group.value.position, v.secret);
        continue;
      }
      if (!e.has('name')) this.fail(item.position, "a variable in list form needs 'name' and 'value'");
      for (const x of e.values()) if (!['name', 'value', 'readonly'].includes(x.key)) this.refuseKey(x, 'in a variable');
      add(this.string(e.get('name')!.value, 'name'), this.string(e.get('value')?.value, 'value'), e.has('readonly') ? this.boolean(e.get('readonly')!.value, 'readonly') : false, e.get('name')!.keyPosition);
    }
    return result;
  }

  // ---- stages, jobs, steps ------------------------------------------------------------------

  private implicitStage(jobs: Job[], position: SourcePosition): Stage {
    return { name: '__default', displayName: '__default', dependsOn: [], condition: { expression: 'succeeded()', position }, variables: [], jobs, position };
  }

  private defaultJob(body: Entry): Job {
    return {
      name: 'Job',
      displayName: 'Job',
      dependsOn: [],
      condition: { expression: 'succeeded()', position: body.keyPosition },
      continueOnError: false,
      timeoutInMinutes: DEFAULT_JOB_TIMEOUT_MINUTES,
      cancelTimeoutInMinutes: DEFAULT_CANCEL_TIMEOUT_MINUTES,
      variables: [],
      steps: this.steps(body.value),
      legs: [{ name: '', variables: {} }],
      maxParallel: 0,
      position: body.keyPosition,
    };
  }

  private stage(node: TreeNode): Stage {
    const position = node.position;
    const { all, e } = this.keyed(node, 'a stage');
    if (!e.has('stage')) this.fail(position, "each item under 'stages' must start with 'stage: <name>'");
    const name = this.referenceName(e.get('stage')!, 'stage');
    for (const x of all) {
      if (STAGE_METADATA.includes(x.key)) this.acceptWithoutEffect(x, 'has no effect in a local run (it steers the Azure DevOps service)');
      else if (!['stage', 'displayName', 'dependsOn', 'condition', 'variables', 'jobs', 'pool'].includes(x.key)) this.refuseKey(x, 'in a stage');
    }
    return {
      name,
      displayName: e.has('displayName') ? this.string(e.get('displayName')!.value, 'displayName') : name,
      dependsOn: e.has('dependsOn') ? this.nameList(e.get('dependsOn')!.value, 'dependsOn') : ['<previous>'],
      condition: this.condition(e.get('condition')?.value, 'succeeded()', position),
      variables: e.has('variables') ? this.variables(e.get('variables')!.value) : [],
      jobs: e.has('jobs') ? this.jobs(e.get('jobs')!.value) : this.fail(position, `stage '${name}' has no 'jobs'`),
      position,
    };
  }

  private jobs(node: TreeNode): Job[] {
    const jobs = this.list(node, 'jobs').map((n, i) => this.job(n, i));
    this.checkDependencies(jobs, 'job');
    return jobs;
  }

  private job(node: TreeNode, index: number): Job {
    const position = node.position;
    const { all, e } = this.keyed(node, 'a job');
    const isDeployment = e.has('deployment');
    if (!e.has('job') && !isDeployment) this.fail(position, "each item under 'jobs' must start with 'job: <name>' or 'deployment: <name>'");
    const nameEntry = e.get(isDeployment ? 'deployment' : 'job')!;
    const name = this.isEmpty(nameEntry.value) ? `Job${index === 0 ? '' : index}` : this.referenceName(nameEntry, 'job');
    // The service reserves it: "deploy" is a keyword and unsupported as a deployment's name.
    if (isDeployment && name === 'deploy') this.fail(nameEntry.value.position, "'deploy' is a keyword and cannot name a deployment job");
    const common = ['displayName', 'dependsOn', 'condition', 'continueOnError', 'timeoutInMinutes', 'cancelTimeoutInMinutes', 'variables', 'pool'];
    const known = isDeployment ? ['deployment', 'environment', 'strategy', ...common] : ['job', 'steps', 'strategy', 'server', ...common];
    for (const x of all) {
      // workspace: clean would delete folders of the agent's work directory; nothing here emulates that.
      if (!known.includes(x.key)) this.refuseKey(x, isDeployment ? 'in a deployment job' : 'in a job');
    }
    if (!isDeployment && !e.has('steps')) this.fail(position, `job '${name}' has no 'steps'`);
    const agentless = !isDeployment && this.isAgentless(e);
    const steps = isDeployment ? [] : this.steps(e.get('steps')!.value, agentless);
    const multiplied = !isDeployment && e.has('strategy') ? this.jobStrategy(e.get('strategy')!) : { legs: [{ name: '', variables: {} }], maxParallel: 0 };
    return {
      name,
      displayName: e.has('displayName') ? this.string(e.get('displayName')!.value, 'displayName') : name,
      dependsOn: e.has('dependsOn') ? this.nameList(e.get('dependsOn')!.value, 'dependsOn') : [],
      condition: this.condition(e.get('condition')?.value, 'succeeded()', position),
      continueOnError: e.has('continueOnError') ? this.boolean(e.get('continueOnError')!.value, 'continueOnError') : false,
      timeoutInMinutes: e.has('timeoutInMinutes') ? this.integer(e.get('timeoutInMinutes')!.value, 'timeoutInMinutes') : DEFAULT_JOB_TIMEOUT_MINUTES,
      cancelTimeoutInMinutes: e.has('cancelTimeoutInMinutes') ? this.integer(e.get('cancelTimeoutInMinutes')!.value, 'cancelTimeoutInMinutes') : DEFAULT_CANCEL_TIMEOUT_MINUTES,
      variables: e.has('variables') ? this.variables(e.get('variables')!.value) : [],
      steps,
      ...multiplied,
      ...(agentless ? { agentless } : {}),
      ...(isDeployment ? { deployment: this.deployment(name, e, position) } : {}),
      position,
    };
  }

  /** `pool: server` (the YAML schema's form) or the older `server: true`. */
  private isAgentless(e: Map<string, Entry>): boolean {
    const pool = e.get('pool')?.value;
    const byPool = pool?.kind === 'scalar' && (pool.value ?? '').trim().toLowerCase() === 'server';
    const byServer = e.has('server') && this.boolean(e.get('server')!.value, 'server');
    return byPool || byServer;
  }

  /** Agentless jobs run server tasks only; ManualValidation runs only there. */
  private checkStepPlace(step: Step, agentless: boolean): void {
    const manualValidation = step.kind === 'task' && step.taskName.toLowerCase() === 'manualvalidation';
    if (agentless && step.kind !== 'task') this.fail(step.position, `a '${step.kind === 'script' ? step.keyword : step.kind}' step cannot run in an agentless job (pool: server): it runs server tasks only`);
    if (!agentless && manualValidation) this.fail(step.position, `${(step as TaskStep).reference} runs only in an agentless job: put it in a job with 'pool: server'`);
  }

  /** `strategy: matrix` (one leg per entry) or `strategy: parallel: N` (slices Job1..JobN) of a job. */
  private jobStrategy(entry: Entry): { legs: JobLeg[]; maxParallel: number } {
    const { all, e } = this.keyed(entry.value, "a job's 'strategy'");
    for (const x of all) if (!['matrix', 'parallel', 'maxParallel'].includes(x.key)) this.fail(x.keyPosition, `unexpected key '${x.key}' in a job's strategy (matrix, parallel, maxParallel)`);
    const maxParallel = e.has('maxParallel') ? this.integer(e.get('maxParallel')!.value, 'maxParallel') : 0;
    const matrix = e.get('matrix');
    const parallel = e.get('parallel');
    if (matrix && parallel) this.fail(parallel.keyPosition, "'matrix' and 'parallel' cannot be used together");
    if (matrix) {
      // A runtime expression matrix (`matrix: $[ ... ]`) is produced by an earlier job: not yet supported.
      if (matrix.value.kind === 'scalar') this.refuse(matrix.value.position, 'a matrix computed at runtime');
      const legs = this.entries(matrix.value, "'matrix'").map((leg) => {
        if (!REFERENCE_NAME.test(leg.key)) this.fail(leg.keyPosition, `matrix leg name '${leg.key}' is invalid: use letters, digits and '_'`);
        return { name: leg.key, variables: this.stringMap(leg.value, `matrix.${leg.key}`) };
      });
      if (legs.length === 0) this.fail(matrix.keyPosition, "'matrix' has no legs");
      if (legs.length > MAX_LEGS) this.fail(matrix.keyPosition, `'matrix' has ${legs.length} legs; at most ${MAX_LEGS}`);
      return { legs, maxParallel };
    }
    if (parallel) {
      const count = this.integer(parallel.value, 'parallel');
      if (count < 1 || count > MAX_LEGS) this.fail(parallel.value.position, `'parallel' must be between 1 and ${MAX_LEGS}`);
      return { legs: Array.from({ length: count }, (_, i) => ({ name: `Job${i + 1}`, variables: {} })), maxParallel };
    }
    return { legs: [{ name: '', variables: {} }], maxParallel };
  }

  private deployment(jobName: string, e: Map<string, Entry>, position: SourcePosition): Deployment {
    const envEntry = e.get('environment');
    if (!envEntry) this.fail(position, `deployment '${jobName}' needs an 'environment'`);
    const environment = this.environment(envEntry);
    const strategyEntry = e.get('strategy');
    if (!strategyEntry) this.fail(position, `deployment '${jobName}' needs a 'strategy' (runOnce, rolling or canary)`);
    const strategies = this.entries(strategyEntry.value, "a deployment's 'strategy'");
    if (strategies.length !== 1 || !['runOnce', 'rolling', 'canary'].includes(strategies[0].key)) {
      this.fail(strategies[0]?.keyPosition ?? strategyEntry.keyPosition, "a deployment's 'strategy' must be exactly one of runOnce, rolling, canary");
    }
    const strategy = strategies[0].key as Deployment['strategy'];
    const { all, e: keys } = this.keyed(strategies[0].value, `'${strategy}'`);
    const hooks: Deployment['hooks'] = {};
    let maxParallel: string | undefined;
    let increments: number[] = [];
    for (const x of all) {
      if (x.key === 'maxParallel' && strategy === 'rolling') {
        maxParallel = this.string(x.value, 'maxParallel').trim();
        if (!/^\d+%?$/.test(maxParallel) || /^0+%?$/.test(maxParallel)) this.fail(x.value.position, `'maxParallel' must be a count or a percentage like 50%, not '${maxParallel}'`);
      } else if (x.key === 'increments' && strategy === 'canary') {
        increments = this.nameList(x.value, 'increments').map((text) => {
          const n = Number(text);
          if (!/^\d+$/.test(text.trim()) || n < 1 || n > 100) this.fail(x.value.position, `canary increments are percentages from 1 to 100, not '${text}'`);
          return n;
        });
      } else if (x.key === 'on') {
        for (const o of this.entries(x.value, "'on'")) {
          if (o.key !== 'success' && o.key !== 'failure') this.fail(o.keyPosition, `unexpected key '${o.key}' under 'on' (success, failure)`);
          hooks[`on.${o.key}` as DeploymentHook] = this.hookSteps(o);
        }
      } else if ((DEPLOYMENT_HOOKS as readonly string[]).includes(x.key)) {
        hooks[x.key as DeploymentHook] = this.hookSteps(x);
      } else {
        this.fail(x.keyPosition, `unexpected key '${x.key}' in the ${strategy} strategy`);
      }
    }
    if (strategy === 'canary' && !keys.has('increments')) this.fail(strategies[0].keyPosition, "the canary strategy needs 'increments' (traffic percentages)");
    return { environment, strategy, maxParallel, increments, hooks, position: strategies[0].keyPosition };
  }

  private hookSteps(hook: Entry): Step[] {
    const { all, e } = this.keyed(hook.value, `the '${hook.key}' hook`);
    for (const x of all) if (x.key !== 'steps' && x.key !== 'pool') this.fail(x.keyPosition, `unexpected key '${x.key}' in the '${hook.key}' hook (steps, pool)`);
    // `pool: server` makes the hook a server job (server tasks only): that comes with gates.
    const pool = e.get('pool')?.value;
    if (pool && (pool.kind === 'scalar' ? pool.value : '')?.toLowerCase() === 'server') this.refuse(pool.position, `a server job hook ('pool: server' in '${hook.key}')`);
    if (!e.has('steps')) this.fail(hook.keyPosition, `the '${hook.key}' hook has no 'steps'`);
    return this.steps(e.get('steps')!.value);
  }

  /** `environment: name`, `environment: name.resource`, or the mapping form. */
  private environment(entry: Entry): Deployment['environment'] {
    if (entry.value.kind === 'scalar') {
      const text = this.string(entry.value, 'environment').trim();
      if (!text) this.fail(entry.value.position, "'environment' needs a name");
      const dot = text.indexOf('.');
      return dot < 0 ? { name: text, position: entry.value.position } : { name: text.slice(0, dot), resourceName: text.slice(dot + 1), position: entry.value.position };
    }
    const { all, e } = this.keyed(entry.value, "'environment'");
    for (const x of all) {
      if (x.key === 'tags') this.refuse(x.keyPosition, "'tags' (virtual machine resources)");
      if (!['name', 'resourceName', 'resourceId', 'resourceType'].includes(x.key)) this.fail(x.keyPosition, `unexpected key '${x.key}' in 'environment'`);
    }
    const name = this.string(e.get('name')?.value, 'name').trim();
    if (!name) this.fail(entry.value.position, "'environment' needs a 'name'");
    const resourceType = e.has('resourceType') ? this.string(e.get('resourceType')!.value, 'resourceType') : undefined;
    if (resourceType && resourceType.toLowerCase() === 'virtualmachine') this.refuse(e.get('resourceType')!.value.position, "resourceType 'VirtualMachine' (deployment to registered machines)");
    return { name, resourceName: e.has('resourceName') ? this.string(e.get('resourceName')!.value, 'resourceName') : undefined, resourceType, position: entry.value.position };
  }

  private referenceName(entry: Entry, what: string): string {
    const name = this.string(entry.value, what);
    if (!REFERENCE_NAME.test(name)) this.fail(entry.value.position, `${what} name '${name}' is invalid: use letters, digits and '_', not starting with a digit`);
    return name;
  }

  private checkDependencies(items: Array<{ name: string; dependsOn: string[]; position: SourcePosition }>, what: string): void {
    const names = new Map<string, SourcePosition>();
    items.forEach((item, i) => {
      if (names.has(item.name.toLowerCase())) this.fail(item.position, `${what} name '${item.name}' is used twice`);
      names.set(item.name.toLowerCase(), item.position);
      // Stages run after the previous one unless dependsOn says otherwise.
      if (item.dependsOn.length === 1 && item.dependsOn[0] === '<previous>') item.dependsOn = i > 0 ? [items[i - 1].name] : [];
    });
    for (const item of items) {
      for (const dep of item.dependsOn) if (!names.has(dep.toLowerCase())) this.fail(item.position, `${what} '${item.name}' depends on '${dep}', which is not a ${what} here`);
    }
  }

  serverSteps(node: TreeNode): TaskStep[] {
    return this.steps(node, true) as TaskStep[];
  }

  private steps(node: TreeNode, agentless = false): Step[] {
    const counters = new Map<string, number>();
    const autoName = (base: string) => {
      const n = counters.get(base) ?? 0;
      counters.set(base, n + 1);
      return n === 0 ? base : `${base}${n}`;
    };
    const steps = this.list(node, 'steps').map((n) => this.step(n, autoName));
    for (const step of steps) this.checkStepPlace(step, agentless);
    const seen = new Set<string>();
    for (const s of steps) {
      if (seen.has(s.name.toLowerCase())) this.fail(s.position, `step name '${s.name}' is used twice in this job`);
      seen.add(s.name.toLowerCase());
    }
    return steps;
  }

  private step(node: TreeNode, autoName: (base: string) => string): Step {
    const position = node.position;
    const { all, e } = this.keyed(node, 'a step');
    const kinds = ['task', 'script', 'bash', 'checkout', 'template', 'pwsh', 'powershell', 'download', 'downloadBuild', 'getPackage', 'publish', 'reviewApp', 'restoreCacheStep', 'saveCacheStep'];
    const kindEntry = all.find((x) => kinds.includes(x.key)) ?? all[0];
    if (!kindEntry) this.fail(position, 'a step cannot be empty');
    const common = ['name', 'displayName', 'condition', 'continueOnError', 'enabled', 'env', 'timeoutInMinutes', 'retryCountOnTaskFailure'];
    const allowed = (extra: string[]) => {
      for (const x of all) if (x !== kindEntry && !common.includes(x.key) && !extra.includes(x.key)) this.refuseKey(x, `in a '${kindEntry.key}' step`);
    };
    const base = (fallbackName: string): Omit<TaskStep | ScriptStep, 'kind' | 'reference' | 'taskName' | 'majorVersion' | 'inputs' | 'keyword' | 'script' | 'failOnStderr'> => ({
      name: e.has('name') ? this.referenceName(e.get('name')!, 'step') : autoName(fallbackName),
      // Tasks get their default display name from task.json's instanceNameFormat when they run.
      displayName: e.has('displayName') ? this.string(e.get('displayName')!.value, 'displayName') : ({ script: 'CmdLine', bash: 'Bash' } as Record<string, string>)[kindEntry.key] ?? '',
      condition: this.condition(e.get('condition')?.value, 'succeeded()', position),
      continueOnError: e.has('continueOnError') ? this.boolean(e.get('continueOnError')!.value, 'continueOnError') : false,
      enabled: e.has('enabled') ? this.boolean(e.get('enabled')!.value, 'enabled') : true,
      env: this.stringMap(e.get('env')?.value, 'env'),
      timeoutInMinutes: e.has('timeoutInMinutes') ? this.integer(e.get('timeoutInMinutes')!.value, 'timeoutInMinutes') : 0,
      retryCountOnTaskFailure: e.has('retryCountOnTaskFailure') ? this.integer(e.get('retryCountOnTaskFailure')!.value, 'retryCountOnTaskFailure') : 0,
      position,
    });
    switch (kindEntry.key) {
      case 'task': {
        allowed(['inputs']);
        const reference = this.string(kindEntry.value, 'task');
        const m = /^(?:[A-Za-z0-9_.-]+\.)?([A-Za-z0-9_-]+)@(\d+)$/.exec(reference.trim());
        if (!m) this.fail(kindEntry.value.position, `task reference '${reference}' must look like Name@MajorVersion, e.g. AzureMLWorkspace@1`);
        const inputs: TaskStep['inputs'] = {};
        const inputsNode = e.get('inputs')?.value;
        if (inputsNode && !this.isEmpty(inputsNode)) {
          for (const i of this.entries(inputsNode, "'inputs'")) inputs[i.key] = { value: this.string(i.value, `inputs.${i.key}`), position: i.keyPosition };
        }
        return { kind: 'task', ...base(m[1]), reference: reference.trim(), taskName: m[1], majorVersion: Number(m[2]), inputs };
      }
      case 'script':
      case 'bash':
        allowed(['workingDirectory', 'failOnStderr']);
        return {
          kind: 'script',
          ...base(kindEntry.key === 'script' ? 'CmdLine' : 'Bash'),
          keyword: kindEntry.key,
          script: this.string(kindEntry.value, kindEntry.key),
          workingDirectory: e.has('workingDirectory') ? this.string(e.get('workingDirectory')!.value, 'workingDirectory') : undefined,
          failOnStderr: e.has('failOnStderr') ? this.boolean(e.get('failOnStderr')!.value, 'failOnStderr') : false,
        };
      case 'checkout': {
        const target = this.string(kindEntry.value, 'checkout');
        if (target !== 'self' && target !== 'none') this.refuse(kindEntry.value.position, `'checkout: ${target}' (only self and none)`);
        for (const x of all) {
          if (CHECKOUT_FETCH_OPTIONS.includes(x.key)) this.acceptWithoutEffect(x, 'has no effect in a local run: checkout: self uses the working copy as it is, nothing is fetched');
          // These change where the sources are or which files exist: a local run cannot honour them.
          else if (['path', 'sparseCheckoutDirectories', 'sparseCheckoutPatterns', 'workspaceRepo'].includes(x.key)) this.refuse(x.keyPosition, `'${x.key}' in a checkout step`);
        }
        allowed(CHECKOUT_FETCH_OPTIONS);
        return { kind: 'checkout', ...base('Checkout'), repository: target };
      }
      default: {
        if (kinds.includes(kindEntry.key)) this.refuse(kindEntry.keyPosition, `the '${kindEntry.key}' step`);
        this.fail(kindEntry.keyPosition, `a step must start with 'task', 'script', 'bash' or 'checkout', not '${kindEntry.key}'`);
      }
    }
  }
}

/** A list of server task steps outside a pipeline (an environment's gates), checked like an agentless job's. */
export function parseServerTaskSteps(node: TreeNode, file: string): TaskStep[] {
  return new PipelineParser(file, {}).serverSteps(node);
}

/** The body of a `$[ expression ]` variable value. */
export function runtimeExpressionBody(value: string, position: SourcePosition): string {
  const trimmed = value.trim();
  if (!trimmed.endsWith(']')) throw new PipelineFileError(position, `a runtime expression must be the whole value: '$[ ... ]', got '${value}'`);
  return trimmed.slice(2, -1);
}

function expand(tree: TreeNode, file: string, options: ParseOptions): TreeNode {
  // Queue-time variables win over predefined ones, as they do at run time.
  const variables = { ...templateVariables(file), ...(options.variables ?? {}) };
  return expandPipelineTree(tree, { parameters: options.parameters, variables, repositoryRoot: repositoryInfo(file).localPath });
}

/** Expands templates and ${{ }} (compile time), then reads the result into the model. */
export function parsePipelineTree(tree: TreeNode, file: string, options: ParseOptions = {}): Pipeline {
  return new PipelineParser(file, options).parse(expand(tree, file, options));
}

/** The pipeline as the server compiles it, as YAML (--expand); checked like a run would check it. */
export function expandedPipelineYaml(file: string, options: ParseOptions = {}): string {
  const expanded = expand(readTreeFile(file), file, options);
  new PipelineParser(file, options).parse(expanded);
  return toYaml(expanded);
}

export function parsePipelineFile(file: string, options: ParseOptions = {}): Pipeline {
  return parsePipelineTree(readTreeFile(file), file, options);
}

export function parsePipeline(text: string, file: string, options: ParseOptions = {}): Pipeline {
  return parsePipelineTree(parseTree(text, file), file, options);
}
