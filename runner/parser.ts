// Pipeline YAML → model, with file:line on every error. The document is read with the YAML
// failsafe schema so that every scalar stays the text the user wrote, as Azure DevOps reads it
// (`true` is the string "true"; `01` stays "01"). Compile-time expressions (${{ }}) are resolved
// here against parameters and the variables defined so far; everything the runner does not
// implement is refused with the construct's name and position, never skipped.
import * as fs from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { formatPosition, PipelineFileError, UserError, type SourcePosition } from './errors';
import { ExpressionError, evaluateExpression, parseExpression, toExprString, VariableLookup, type ExprValue } from './expressions';
import type { Condition, Job, Pipeline, ScriptStep, Stage, Step, TaskStep, VariableDefinition } from './model';

export interface ParseOptions {
  /** --param name=value: values for the pipeline's parameters, converted to their declared types. */
  parameters?: Record<string, string>;
  /** --var name=value: queue-time variables, visible to ${{ variables.x }} too. */
  variables?: Record<string, string>;
}

const DEFAULT_JOB_TIMEOUT_MINUTES = 60;
const DEFAULT_CANCEL_TIMEOUT_MINUTES = 5;
const REFERENCE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Keys accepted and deliberately without effect locally: triggers and pools concern the service. */
const PIPELINE_METADATA = new Set(['trigger', 'pr', 'pool', 'schedules', 'appendcommitmessagetorunname', 'lockbehavior']);

interface Entry {
  key: string;
  keyPosition: SourcePosition;
  value: YamlNode | null;
}

interface Scope {
  parameters: Record<string, ExprValue>;
  /** Compile-time view of variables defined so far (lower-case names). */
  variables: Map<string, string>;
}

/** Stage keys that only steer the service (exclusive-lock checks, skipping stages when queuing a run). */
const STAGE_METADATA = ['lockBehavior', 'isSkippable'];
/** `checkout: self` options about how the agent fetches; the runner uses the working copy as it is. */
const CHECKOUT_FETCH_OPTIONS = ['clean', 'fetchDepth', 'fetchFilter', 'fetchTags', 'lfs', 'submodules', 'persistCredentials'];

class PipelineParser {
  private readonly lines = new LineCounter();
  private readonly warnings: string[] = [];

  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly options: ParseOptions,
  ) {}

  parse(): Pipeline {
    const doc = parseDocument(this.text, { schema: 'failsafe', lineCounter: this.lines, uniqueKeys: true, prettyErrors: true });
    const problem = doc.errors[0];
    if (problem) {
      const [line, column] = [problem.linePos?.[0].line ?? 1, problem.linePos?.[0].col ?? 1];
      throw new PipelineFileError({ file: this.file, line, column }, `invalid YAML: ${problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    if (!doc.contents) throw new PipelineFileError({ file: this.file, line: 1, column: 1 }, 'the pipeline file is empty');
    const root = this.entries(doc.contents as YamlNode, 'the pipeline');
    const byKey = new Map(root.map((e) => [e.key, e]));

    const scope: Scope = { parameters: this.parameters(byKey.get('parameters')), variables: new Map() };
    for (const [name, value] of Object.entries(this.options.variables ?? {})) scope.variables.set(name.toLowerCase(), value);

    const pipeline: Pipeline = { file: this.file, parameters: scope.parameters, variables: [], stages: [], warnings: this.warnings };
    const bodies = root.filter((e) => e.key === 'stages' || e.key === 'jobs' || e.key === 'steps');
    if (bodies.length > 1) this.fail(bodies[1].keyPosition, `'${bodies[1].key}' cannot be used together with '${bodies[0].key}' at the top level`);
    for (const entry of root) {
      switch (entry.key) {
        case 'parameters':
        case 'stages':
        case 'jobs':
        case 'steps':
          break;
        case 'name':
          pipeline.buildNumberFormat = this.string(entry.value, scope, 'name');
          break;
        case 'variables':
          pipeline.variables = this.variables(entry.value, scope);
          break;
        default:
          if (!PIPELINE_METADATA.has(entry.key.toLowerCase())) this.refuseKey(entry, 'at the top level of a pipeline');
      }
    }
    const body = bodies[0];
    if (!body) this.fail({ file: this.file, line: 1, column: 1 }, "the pipeline has no 'stages', 'jobs' or 'steps'");
    const position = body.keyPosition;
    if (body.key === 'stages') {
      pipeline.stages = this.list(body.value, 'stages').map((n) => this.stage(n, scope));
    } else {
      const jobs = body.key === 'jobs' ? this.jobs(body.value, scope) : [this.defaultJob(body, scope)];
      pipeline.stages = [this.implicitStage(jobs, position)];
    }
    this.checkDependencies(pipeline.stages, 'stage');
    return pipeline;
  }

  // ---- YAML helpers -------------------------------------------------------------------------

  private position(node: YamlNode | null | undefined): SourcePosition {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  private fail(position: SourcePosition, message: string): never {
    throw new PipelineFileError(position, message);
  }

  private entries(node: YamlNode | null, what: string): Entry[] {
    if (!isMap(node)) this.fail(this.position(node), `${what} must be a mapping (key: value)`);
    return (node as YAMLMap<YamlNode, YamlNode>).items.map((pair) => {
      const keyNode = pair.key as YamlNode;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const keyPosition = this.position(keyNode);
      if (!isScalar(keyNode)) this.fail(keyPosition, `${what} has a key that is not a plain name`);
      if (key.includes('${{')) this.refuse(keyPosition, `the template expression key '${key}' (conditional insertion, each, insert)`);
      return { key, keyPosition, value: (pair.value as YamlNode | null) ?? null };
    });
  }

  private list(node: YamlNode | null, what: string): YamlNode[] {
    if (!isSeq(node)) this.fail(this.position(node), `'${what}' must be a list`);
    return node.items as YamlNode[];
  }

  private refuse(position: SourcePosition, construct: string): never {
    this.fail(position, `${construct} is not supported by the local runner`);
  }

  /** A key kept as metadata: accepted, with a warning that it changes nothing in a local run. */
  private acceptWithoutEffect(entry: Entry, why: string): void {
    this.warnings.push(`${formatPosition(entry.keyPosition)}: '${entry.key}' ${why}`);
  }

  private refuseKey(entry: Entry, where: string): never {
    const unsupported = ['template', 'extends', 'resources', 'strategy', 'container', 'services', 'deployment', 'uses', 'templatecontext', 'target', 'environment'];
    if (unsupported.includes(entry.key.toLowerCase())) this.refuse(entry.keyPosition, `'${entry.key}' ${where}`);
    this.fail(entry.keyPosition, `unexpected key '${entry.key}' ${where}`);
  }

  /** A scalar with ${{ }} resolved; missing values (`key:`) read as ''. */
  private string(node: YamlNode | null, scope: Scope, what: string): string {
    if (node === null || (isScalar(node) && node.value === null)) return '';
    if (!isScalar(node)) this.fail(this.position(node), `'${what}' must be a single value, not a list or mapping`);
    return this.compile(String(node.value), this.position(node), scope);
  }

  private boolean(node: YamlNode | null, scope: Scope, what: string): boolean {
    const text = this.string(node, scope, what).trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    this.fail(this.position(node), `'${what}' must be true or false, not '${text}'`);
  }

  private integer(node: YamlNode | null, scope: Scope, what: string): number {
    const text = this.string(node, scope, what).trim();
    if (!/^\d+$/.test(text)) this.fail(this.position(node), `'${what}' must be a whole number of minutes or times, not '${text}'`);
    return Number(text);
  }

  private stringMap(node: YamlNode | null, scope: Scope, what: string): Record<string, string> {
    if (node === null) return {};
    const result: Record<string, string> = {};
    for (const e of this.entries(node, `'${what}'`)) result[e.key] = this.string(e.value, scope, `${what}.${e.key}`);
    return result;
  }

  private nameList(node: YamlNode | null, scope: Scope, what: string): string[] {
    if (node === null) return [];
    if (isSeq(node)) return (node.items as YamlNode[]).map((n) => this.string(n, scope, what));
    const single = this.string(node, scope, what);
    return single ? [single] : [];
  }

  // ---- compile-time expressions -------------------------------------------------------------

  /** Resolves ${{ expression }} in a scalar; a scalar that is only an expression takes its value. */
  private compile(text: string, position: SourcePosition, scope: Scope): string {
    if (!text.includes('${{')) return text;
    const values = {
      parameters: scope.parameters as ExprValue,
      variables: new VariableLookup((name) => scope.variables.get(name.toLowerCase())),
    };
    return text.replace(/\$\{\{(.*?)\}\}/gs, (_, source: string) => {
      const head = source.trim().split(/\s/)[0].toLowerCase();
      if (['if', 'elseif', 'else', 'each', 'insert'].includes(head)) this.refuse(position, `the template directive '\${{ ${head} }}'`);
      try {
        const value = evaluateExpression(source, { values });
        if (value !== null && typeof value === 'object' && !(value instanceof VariableLookup)) {
          this.refuse(position, `inserting a list or mapping with '\${{${source}}}'`);
        }
        return toExprString(value);
      } catch (err) {
        if (err instanceof ExpressionError) this.fail(position, `in '\${{${source}}}': ${err.message}`);
        throw err;
      }
    });
  }

  private condition(node: YamlNode | null | undefined, scope: Scope, fallback: string, anchor: SourcePosition): Condition {
    if (node === undefined) return { expression: fallback, position: anchor };
    const position = this.position(node);
    const expression = this.string(node ?? null, scope, 'condition');
    this.checkSyntax(expression, position, 'condition');
    return { expression, position };
  }

  private checkSyntax(expression: string, position: SourcePosition, what: string): void {
    try {
      parseExpression(expression);
    } catch (err) {
      if (err instanceof ExpressionError) this.fail(position, `invalid ${what} '${expression}': ${err.message}`);
      throw err;
    }
  }

  // ---- parameters and variables -------------------------------------------------------------

  private parameters(entry: Entry | undefined): Record<string, ExprValue> {
    const result: Record<string, ExprValue> = {};
    const given = new Map(Object.entries(this.options.parameters ?? {}).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
    if (entry) {
      const declarations = isMap(entry.value)
        ? this.entries(entry.value, "'parameters'").map((e) => ({ name: e.key, type: 'legacy', defaultNode: e.value, position: e.keyPosition, values: undefined as string[] | undefined }))
        : this.list(entry.value, 'parameters').map((n) => this.parameterDeclaration(n));
      for (const d of declarations) {
        const supplied = given.get(d.name.toLowerCase());
        given.delete(d.name.toLowerCase());
        let value: ExprValue;
        if (supplied) value = this.convertParameter(supplied.value, d.type, d.name, d.position);
        else if (d.defaultNode !== undefined) value = this.defaultParameter(d.defaultNode, d.type, d.name);
        else this.fail(d.position, `parameter '${d.name}' has no default: give it with --param ${d.name}=<value>`);
        if (d.values && !d.values.some((allowed) => allowed.toLowerCase() === toExprString(value).toLowerCase())) {
          this.fail(d.position, `parameter '${d.name}' is '${toExprString(value)}' but must be one of: ${d.values.join(', ')}`);
        }
        result[d.name] = value;
      }
    }
    for (const { name } of given.values()) throw new UserError(`--param ${name}: the pipeline ${this.file} declares no parameter '${name}'`);
    return result;
  }

  private parameterDeclaration(node: YamlNode) {
    const e = new Map(this.entries(node, 'a parameter').map((x) => [x.key, x]));
    const position = this.position(node);
    const noScope: Scope = { parameters: {}, variables: new Map() };
    const name = e.get('name') ? this.string(e.get('name')!.value, noScope, 'name') : this.fail(position, "a parameter needs a 'name'");
    const type = e.get('type') ? this.string(e.get('type')!.value, noScope, 'type').toLowerCase() : 'string';
    const stringLike = ['string', 'number', 'boolean', 'object', 'filepath', 'serviceconnection', 'environment', 'securefile', 'pool'];
    if (!stringLike.includes(type)) this.refuse(this.position(e.get('type')!.value), `the parameter type '${type}' (used with templates)`);
    for (const key of e.keys()) if (!['name', 'type', 'default', 'values', 'displayname'].includes(key.toLowerCase())) this.refuseKey(e.get(key)!, 'in a parameter');
    const values = e.get('values') ? this.nameList(e.get('values')!.value, noScope, 'values') : undefined;
    return { name, type, defaultNode: e.get('default')?.value ?? undefined, position, values };
  }

  private defaultParameter(node: YamlNode | null, type: string, name: string): ExprValue {
    if (type === 'object' || (type === 'legacy' && node !== null && !isScalar(node))) return (node?.toJSON() ?? null) as ExprValue;
    const text = node === null ? '' : isScalar(node) ? String(node.value) : this.fail(this.position(node), `the default of parameter '${name}' must be a single value for type ${type}`);
    return this.convertParameter(text, type, name, this.position(node));
  }

  private convertParameter(text: string, type: string, name: string, position: SourcePosition): ExprValue {
    switch (type) {
      case 'boolean': {
        const lower = text.trim().toLowerCase();
        if (lower !== 'true' && lower !== 'false') this.fail(position, `parameter '${name}' is a boolean: '${text}' is neither true nor false`);
        return lower === 'true';
      }
      case 'number': {
        const n = Number(text);
        if (text.trim() === '' || Number.isNaN(n)) this.fail(position, `parameter '${name}' is a number: '${text}' is not`);
        return n;
      }
      case 'object':
        try {
          return JSON.parse(text) as ExprValue;
        } catch {
          this.fail(position, `parameter '${name}' is an object: give it as JSON`);
        }
      // falls through (unreachable: fail() throws)
      default:
        return text;
    }
  }

  private variables(node: YamlNode | null, scope: Scope): VariableDefinition[] {
    if (node === null) return [];
    const result: VariableDefinition[] = [];
    const add = (name: string, value: string, readonly: boolean, position: SourcePosition) => {
      if (/\s/.test(name) || !name) this.fail(position, `'${name}' is not a valid variable name`);
      if (value.trim().startsWith('$[')) this.checkSyntax(runtimeExpressionBody(value, position), position, 'runtime expression');
      result.push({ name, value, readonly, position });
      scope.variables.set(name.toLowerCase(), value);
    };
    if (isMap(node)) {
      for (const e of this.entries(node, "'variables'")) add(e.key, this.string(e.value, scope, e.key), false, e.keyPosition);
      return result;
    }
    for (const item of this.list(node, 'variables')) {
      const e = new Map(this.entries(item, 'a variable').map((x) => [x.key, x]));
      if (e.has('group')) this.refuse(e.get('group')!.keyPosition, 'a variable group (- group:)');
      if (e.has('template')) this.refuse(e.get('template')!.keyPosition, 'a variable template (- template:)');
      if (!e.has('name')) this.fail(this.position(item), "a variable in list form needs 'name' and 'value'");
      for (const x of e.values()) if (!['name', 'value', 'readonly'].includes(x.key)) this.refuseKey(x, 'in a variable');
      add(
        this.string(e.get('name')!.value, scope, 'name'),
        this.string(e.get('value')?.value ?? null, scope, 'value'),
        e.has('readonly') ? this.boolean(e.get('readonly')!.value, scope, 'readonly') : false,
        e.get('name')!.keyPosition,
      );
    }
    return result;
  }

  // ---- stages, jobs, steps ------------------------------------------------------------------

  private implicitStage(jobs: Job[], position: SourcePosition): Stage {
    return { name: '__default', displayName: '__default', dependsOn: [], condition: { expression: 'succeeded()', position }, variables: [], jobs, position };
  }

  private defaultJob(body: Entry, scope: Scope): Job {
    const jobScope = { ...scope, variables: new Map(scope.variables) };
    return {
      name: 'Job',
      displayName: 'Job',
      dependsOn: [],
      condition: { expression: 'succeeded()', position: body.keyPosition },
      continueOnError: false,
      timeoutInMinutes: DEFAULT_JOB_TIMEOUT_MINUTES,
      cancelTimeoutInMinutes: DEFAULT_CANCEL_TIMEOUT_MINUTES,
      variables: [],
      steps: this.steps(body.value, jobScope),
      position: body.keyPosition,
    };
  }

  private stage(node: YamlNode, outer: Scope): Stage {
    const position = this.position(node);
    const all = this.entries(node, 'a stage');
    const e = new Map(all.map((x) => [x.key, x]));
    if (e.has('template')) this.refuse(e.get('template')!.keyPosition, 'a stage template (- template:)');
    if (!e.has('stage')) this.fail(position, "each item under 'stages' must start with 'stage: <name>'");
    const scope: Scope = { ...outer, variables: new Map(outer.variables) };
    const name = this.referenceName(e.get('stage')!, outer, 'stage');
    const variables = e.has('variables') ? this.variables(e.get('variables')!.value, scope) : [];
    for (const x of all) {
      if (STAGE_METADATA.includes(x.key)) this.acceptWithoutEffect(x, 'has no effect in a local run (it steers the Azure DevOps service)');
      else if (!['stage', 'displayName', 'dependsOn', 'condition', 'variables', 'jobs', 'pool'].includes(x.key)) this.refuseKey(x, 'in a stage');
    }
    const jobs = this.jobs(e.get('jobs')?.value ?? null, scope);
    return {
      name,
      displayName: e.has('displayName') ? this.string(e.get('displayName')!.value, scope, 'displayName') : name,
      dependsOn: e.has('dependsOn') ? this.nameList(e.get('dependsOn')!.value, scope, 'dependsOn') : ['<previous>'],
      condition: this.condition(e.get('condition')?.value, scope, 'succeeded()', position),
      variables,
      jobs,
      position,
    };
  }

  private jobs(node: YamlNode | null, scope: Scope): Job[] {
    const jobs = this.list(node, 'jobs').map((n, i) => this.job(n, scope, i));
    this.checkDependencies(jobs, 'job');
    return jobs;
  }

  private job(node: YamlNode, outer: Scope, index: number): Job {
    const position = this.position(node);
    const all = this.entries(node, 'a job');
    const e = new Map(all.map((x) => [x.key, x]));
    if (e.has('template')) this.refuse(e.get('template')!.keyPosition, 'a job template (- template:)');
    if (e.has('deployment')) this.refuse(e.get('deployment')!.keyPosition, 'a deployment job (- deployment:)');
    if (!e.has('job')) this.fail(position, "each item under 'jobs' must start with 'job: <name>'");
    const scope: Scope = { ...outer, variables: new Map(outer.variables) };
    const jobEntry = e.get('job')!;
    const name = jobEntry.value === null || (isScalar(jobEntry.value) && !jobEntry.value.value) ? `Job${index === 0 ? '' : index}` : this.referenceName(jobEntry, outer, 'job');
    const variables = e.has('variables') ? this.variables(e.get('variables')!.value, scope) : [];
    const known = ['job', 'displayName', 'dependsOn', 'condition', 'continueOnError', 'timeoutInMinutes', 'cancelTimeoutInMinutes', 'variables', 'steps', 'pool'];
    for (const x of all) {
      // workspace: clean would delete folders of the agent's work directory; nothing here emulates that.
      if (x.key === 'workspace') this.refuse(x.keyPosition, "'workspace' in a job");
      if (!known.includes(x.key)) this.refuseKey(x, 'in a job');
    }
    if (!e.has('steps')) this.fail(position, `job '${name}' has no 'steps'`);
    return {
      name,
      displayName: e.has('displayName') ? this.string(e.get('displayName')!.value, scope, 'displayName') : name,
      dependsOn: e.has('dependsOn') ? this.nameList(e.get('dependsOn')!.value, scope, 'dependsOn') : [],
      condition: this.condition(e.get('condition')?.value, scope, 'succeeded()', position),
      continueOnError: e.has('continueOnError') ? this.boolean(e.get('continueOnError')!.value, scope, 'continueOnError') : false,
      timeoutInMinutes: e.has('timeoutInMinutes') ? this.integer(e.get('timeoutInMinutes')!.value, scope, 'timeoutInMinutes') : DEFAULT_JOB_TIMEOUT_MINUTES,
      cancelTimeoutInMinutes: e.has('cancelTimeoutInMinutes') ? this.integer(e.get('cancelTimeoutInMinutes')!.value, scope, 'cancelTimeoutInMinutes') : DEFAULT_CANCEL_TIMEOUT_MINUTES,
      variables,
      steps: this.steps(e.get('steps')!.value, scope),
      position,
    };
  }

  private referenceName(entry: Entry, scope: Scope, what: string): string {
    const name = this.string(entry.value, scope, what);
    if (!REFERENCE_NAME.test(name)) this.fail(this.position(entry.value), `${what} name '${name}' is invalid: use letters, digits and '_', not starting with a digit`);
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

  private steps(node: YamlNode | null, scope: Scope): Step[] {
    const counters = new Map<string, number>();
    const autoName = (base: string) => {
      const n = counters.get(base) ?? 0;
      counters.set(base, n + 1);
      return n === 0 ? base : `${base}${n}`;
    };
    const steps = this.list(node, 'steps').map((n) => this.step(n, scope, autoName));
    const seen = new Set<string>();
    for (const s of steps) {
      if (seen.has(s.name.toLowerCase())) this.fail(s.position, `step name '${s.name}' is used twice in this job`);
      seen.add(s.name.toLowerCase());
    }
    return steps;
  }

  private step(node: YamlNode, scope: Scope, autoName: (base: string) => string): Step {
    const position = this.position(node);
    const all = this.entries(node, 'a step');
    const e = new Map(all.map((x) => [x.key, x]));
    const kinds = ['task', 'script', 'bash', 'checkout', 'template', 'pwsh', 'powershell', 'download', 'downloadBuild', 'getPackage', 'publish', 'reviewApp', 'restoreCacheStep', 'saveCacheStep'];
    const kindEntry = all.find((x) => kinds.includes(x.key)) ?? all[0];
    if (!kindEntry) this.fail(position, 'a step cannot be empty');
    const common = ['name', 'displayName', 'condition', 'continueOnError', 'enabled', 'env', 'timeoutInMinutes', 'retryCountOnTaskFailure'];
    const allowed = (extra: string[]) => {
      for (const x of all) if (x !== kindEntry && !common.includes(x.key) && !extra.includes(x.key)) this.refuseKey(x, `in a '${kindEntry.key}' step`);
    };
    const base = (fallbackName: string): Omit<TaskStep | ScriptStep, 'kind' | 'reference' | 'taskName' | 'majorVersion' | 'inputs' | 'keyword' | 'script' | 'failOnStderr'> => ({
      name: e.has('name') ? this.referenceName(e.get('name')!, scope, 'step') : autoName(fallbackName),
      // Tasks get their default display name from task.json's instanceNameFormat when they run.
      displayName: e.has('displayName') ? this.string(e.get('displayName')!.value, scope, 'displayName') : ({ script: 'CmdLine', bash: 'Bash' } as Record<string, string>)[kindEntry.key] ?? '',
      condition: this.condition(e.get('condition')?.value, scope, 'succeeded()', position),
      continueOnError: e.has('continueOnError') ? this.boolean(e.get('continueOnError')!.value, scope, 'continueOnError') : false,
      enabled: e.has('enabled') ? this.boolean(e.get('enabled')!.value, scope, 'enabled') : true,
      env: this.stringMap(e.get('env')?.value ?? null, scope, 'env'),
      timeoutInMinutes: e.has('timeoutInMinutes') ? this.integer(e.get('timeoutInMinutes')!.value, scope, 'timeoutInMinutes') : 0,
      retryCountOnTaskFailure: e.has('retryCountOnTaskFailure') ? this.integer(e.get('retryCountOnTaskFailure')!.value, scope, 'retryCountOnTaskFailure') : 0,
      position,
    });
    switch (kindEntry.key) {
      case 'task': {
        allowed(['inputs']);
        const reference = this.string(kindEntry.value, scope, 'task');
        const m = /^(?:[A-Za-z0-9_.-]+\.)?([A-Za-z0-9_-]+)@(\d+)$/.exec(reference.trim());
        if (!m) this.fail(this.position(kindEntry.value), `task reference '${reference}' must look like Name@MajorVersion, e.g. AzureMLWorkspace@1`);
        const inputs: TaskStep['inputs'] = {};
        if (e.has('inputs') && e.get('inputs')!.value !== null) {
          for (const i of this.entries(e.get('inputs')!.value, "'inputs'")) inputs[i.key] = { value: this.string(i.value, scope, `inputs.${i.key}`), position: i.keyPosition };
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
          script: this.string(kindEntry.value, scope, kindEntry.key),
          workingDirectory: e.has('workingDirectory') ? this.string(e.get('workingDirectory')!.value, scope, 'workingDirectory') : undefined,
          failOnStderr: e.has('failOnStderr') ? this.boolean(e.get('failOnStderr')!.value, scope, 'failOnStderr') : false,
        };
      case 'checkout': {
        const target = this.string(kindEntry.value, scope, 'checkout');
        if (target !== 'self' && target !== 'none') this.refuse(this.position(kindEntry.value), `'checkout: ${target}' (only self and none)`);
        for (const x of all) {
          if (CHECKOUT_FETCH_OPTIONS.includes(x.key)) this.acceptWithoutEffect(x, 'has no effect in a local run: checkout: self uses the working copy as it is, nothing is fetched');
          // These change where the sources are or which files exist: a local run cannot honour them.
          else if (['path', 'sparseCheckoutDirectories', 'sparseCheckoutPatterns', 'workspaceRepo'].includes(x.key)) this.refuse(x.keyPosition, `'${x.key}' in a checkout step`);
        }
        allowed(CHECKOUT_FETCH_OPTIONS);
        return { kind: 'checkout', ...base('Checkout'), repository: target };
      }
      case 'template':
        this.refuse(kindEntry.keyPosition, 'a step template (- template:)');
      // falls through (unreachable)
      default: {
        if (kinds.includes(kindEntry.key)) this.refuse(kindEntry.keyPosition, `the '${kindEntry.key}' step`);
        this.fail(kindEntry.keyPosition, `a step must start with 'task', 'script', 'bash' or 'checkout', not '${kindEntry.key}'`);
      }
    }
  }
}

/** The body of a `$[ expression ]` variable value. */
export function runtimeExpressionBody(value: string, position: SourcePosition): string {
  const trimmed = value.trim();
  if (!trimmed.endsWith(']')) throw new PipelineFileError(position, `a runtime expression must be the whole value: '$[ ... ]', got '${value}'`);
  return trimmed.slice(2, -1);
}

export function parsePipeline(text: string, file: string, options: ParseOptions = {}): Pipeline {
  return new PipelineParser(file, text, options).parse();
}

export function parsePipelineFile(file: string, options: ParseOptions = {}): Pipeline {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the pipeline file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parsePipeline(text, file, options);
}
