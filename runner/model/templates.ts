// Compile time, as the Azure DevOps server does it before a run starts: template files are read
// and inlined (steps, jobs, stages, variables and `extends:`), parameters are typed and checked,
// and every ${{ }} is resolved: values, `${{ if }}` / `${{ elseif }}` / `${{ else }}`,
// `${{ each }}` and `${{ insert }}`. What comes out holds no template construct; runtime
// expressions ($[ ]) and macros ($(var)) stay text for the scheduler, as on the server.
import * as path from 'node:path';
import { PipelineFileError, UserError, type SourcePosition } from '../errors';
import { ExpressionError, evaluateExpression, toExprString, VariableLookup, type ExprValue } from '../expressions/evaluator';
import { readTreeFile, scalar, type MapNode, type ScalarNode, type SeqNode, type TreeNode } from './tree';

export interface ExpandOptions {
  /** --param name=value for the pipeline's own parameters, converted to their declared types. */
  parameters?: Record<string, string>;
  /** --var name=value: queue-time variables, visible to ${{ variables.x }}. */
  variables?: Record<string, string>;
  /** Where a template path starting with '/' is resolved: the repository's root. */
  repositoryRoot: string;
}

/** The lists whose items may be `- template: file.yml`, and the key a template of each kind holds. */
type TemplateKind = 'steps' | 'jobs' | 'stages' | 'variables';
const TEMPLATE_KINDS: TemplateKind[] = ['steps', 'jobs', 'stages', 'variables'];

/** Parameter types as the schema names them; the list types hold mappings of the singular kind. */
const PARAMETER_TYPES = ['string', 'number', 'boolean', 'object', 'step', 'steplist', 'job', 'joblist', 'deployment', 'deploymentlist', 'stage', 'stagelist', 'filepath', 'serviceconnection', 'environment', 'securefile', 'pool'];

/** The server's limits on template nesting and on the number of files a pipeline may include. */
const MAX_TEMPLATE_DEPTH = 100;
const MAX_TEMPLATE_FILES = 100;

interface Scope {
  parameters: Record<string, ExprValue>;
  /** Compile-time view of the variables defined so far (lower-case names). */
  variables: Map<string, string>;
  /** `each` loop variables. */
  locals: Record<string, ExprValue>;
  depth: number;
}

type Directive = { kind: 'if' | 'elseif'; condition: string } | { kind: 'else' } | { kind: 'each'; variable: string; collection: string } | { kind: 'insert' };

const DIRECTIVE = /^\$\{\{\s*(if|elseif|else|each|insert)\b(.*?)\}\}$/s;
const WHOLE_EXPRESSION = /^\$\{\{((?:(?!\}\}).)*)\}\}$/s;

function fail(position: SourcePosition, message: string): never {
  throw new PipelineFileError(position, message);
}

function directiveOf(key: ScalarNode): Directive | undefined {
  const text = (key.value ?? '').trim();
  const m = DIRECTIVE.exec(text);
  if (!m) return undefined;
  const rest = m[2].trim();
  switch (m[1]) {
    case 'if':
    case 'elseif':
      if (!rest) fail(key.position, `'\${{ ${m[1]} }}' needs a condition`);
      return { kind: m[1], condition: rest };
    case 'else':
    case 'insert':
      if (rest) fail(key.position, `'\${{ ${m[1]} }}' takes nothing after '${m[1]}'`);
      return { kind: m[1] };
    default: {
      const each = /^([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.+)$/s.exec(rest);
      if (!each) fail(key.position, "'${{ each }}' must read '${{ each <name> in <expression> }}'");
      return { kind: 'each', variable: each[1], collection: each[2] };
    }
  }
}

class TemplateExpander {
  /** Plain values made from tree nodes, mapped back to the nodes so that inserted steps keep their file:line. */
  private readonly origins = new WeakMap<object, TreeNode>();
  private filesRead = 0;

  constructor(private readonly options: ExpandOptions) {}

  expandPipeline(root: TreeNode): TreeNode {
    const map = this.asMap(root, 'the pipeline');
    const parametersEntry = map.items.find((i) => i.key.value === 'parameters');
    const given = new Map(Object.entries(this.options.parameters ?? {}).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
    const parameters = this.declaredParameters(parametersEntry?.value, (name) => {
      const supplied = given.get(name.toLowerCase());
      given.delete(name.toLowerCase());
      return supplied === undefined ? undefined : { text: supplied.value };
    }, (name, position) => fail(position, `parameter '${name}' has no default: give it with --param ${name}=<value>`));
    for (const { name } of given.values()) throw new UserError(`--param ${name}: the pipeline ${root.position.file} declares no parameter '${name}'`);
    const variables = new Map(Object.entries(this.options.variables ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const scope: Scope = { parameters, variables, locals: {}, depth: 0 };
    const withoutParameters: MapNode = { ...map, items: map.items.filter((i) => i.key.value !== 'parameters') };
    const expanded = this.expandMap(withoutParameters, scope, undefined);
    const extendsEntry = expanded.items.find((i) => i.key.value === 'extends');
    return extendsEntry ? this.extend(expanded, extendsEntry, scope) : expanded;
  }

  // ---- parameters ---------------------------------------------------------------------------

  /**
   * Typed parameter values from their declarations: `supplied` gives the caller's value (a
   * --param text or a node from `parameters:` of a template reference), else the default.
   */
  private declaredParameters(
    declarations: TreeNode | undefined,
    supplied: (name: string) => { text: string } | { node: TreeNode } | undefined,
    missing: (name: string, position: SourcePosition) => never,
  ): Record<string, ExprValue> {
    const result: Record<string, ExprValue> = {};
    if (!declarations || (declarations.kind === 'scalar' && declarations.value === null)) return result;
    const list =
      declarations.kind === 'map'
        ? // The older form: `parameters: { name: default }`, untyped.
          declarations.items.map((i) => ({ name: i.key.value ?? '', type: 'legacy', defaultNode: i.value as TreeNode | undefined, values: undefined as string[] | undefined, position: i.key.position }))
        : this.asSeq(declarations, 'parameters').items.map((n) => this.parameterDeclaration(n));
    for (const d of list) {
      const given = supplied(d.name);
      let value: ExprValue;
      if (given && 'text' in given) value = this.convertText(given.text, d.type, d.name, d.position);
      else if (given) value = this.convertNode(given.node, d.type, d.name);
      else if (d.defaultNode !== undefined) value = this.convertNode(d.defaultNode, d.type, d.name);
      else missing(d.name, d.position);
      if (d.values && !d.values.some((allowed) => allowed.toLowerCase() === toExprString(value).toLowerCase())) {
        const where = given && 'node' in given ? given.node.position : d.position;
        fail(where, `parameter '${d.name}' is '${toExprString(value)}' but must be one of: ${d.values.join(', ')}`);
      }
      result[d.name] = value;
    }
    return result;
  }

  private parameterDeclaration(node: TreeNode) {
    const map = this.asMap(node, 'a parameter');
    const get = (key: string) => map.items.find((i) => i.key.value?.toLowerCase() === key.toLowerCase());
    for (const i of map.items) if (!['name', 'type', 'default', 'values', 'displayname'].includes((i.key.value ?? '').toLowerCase())) fail(i.key.position, `unexpected key '${i.key.value}' in a parameter`);
    const nameNode = get('name')?.value;
    if (!nameNode || nameNode.kind !== 'scalar' || !nameNode.value) fail(map.position, "a parameter needs a 'name'");
    const typeNode = get('type')?.value;
    const type = typeNode && typeNode.kind === 'scalar' && typeNode.value ? typeNode.value.toLowerCase() : 'string';
    if (!PARAMETER_TYPES.includes(type)) fail(typeNode!.position, `unknown parameter type '${type}': use one of ${PARAMETER_TYPES.join(', ')}`);
    const valuesNode = get('values')?.value;
    const values = valuesNode ? this.asSeq(valuesNode, 'values').items.map((n) => this.scalarText(n, 'values')) : undefined;
    return { name: nameNode.value, type, defaultNode: get('default')?.value, values, position: map.position };
  }

  /** A --param value given as text. */
  private convertText(text: string, type: string, name: string, position: SourcePosition): ExprValue {
    if (['string', 'number', 'boolean', 'legacy', 'filepath', 'serviceconnection', 'environment', 'securefile', 'pool'].includes(type)) return this.convertScalar(text, type, name, position);
    try {
      return this.convertNode(this.fromValue(JSON.parse(text) as ExprValue, position), type, name);
    } catch (err) {
      if (err instanceof SyntaxError) fail(position, `parameter '${name}' is of type ${type}: give it as JSON`);
      throw err;
    }
  }

  private convertScalar(text: string, type: string, name: string, position: SourcePosition): ExprValue {
    switch (type) {
      case 'boolean': {
        const lower = text.trim().toLowerCase();
        if (lower !== 'true' && lower !== 'false') fail(position, `parameter '${name}' is a boolean: '${text}' is neither true nor false`);
        return lower === 'true';
      }
      case 'number': {
        const n = Number(text);
        if (text.trim() === '' || Number.isNaN(n)) fail(position, `parameter '${name}' is a number: '${text}' is not`);
        return n;
      }
      default:
        return text;
    }
  }

  /** A value given in YAML (a default or a template reference's `parameters:`), checked against its type. */
  private convertNode(node: TreeNode, type: string, name: string): ExprValue {
    // Defaults are values, as on the service: they cannot refer to other parameters or variables.
    if (node.kind === 'scalar' && (node.value ?? '').includes('${{')) {
      fail(node.position, `the value of parameter '${name}' cannot hold a template expression`);
    }
    const mustBe = (ok: boolean, what: string) => {
      if (!ok) fail(node.position, `parameter '${name}' is of type ${type}: expected ${what}`);
    };
    const isMapOf = (n: TreeNode, key: string) => n.kind === 'map' && n.items.some((i) => i.key.value === key || (key === 'step' && ['task', 'script', 'bash', 'checkout', 'template', 'pwsh', 'powershell', 'download', 'publish'].includes(i.key.value ?? '')));
    switch (type) {
      case 'object':
      case 'legacy':
        return node.kind === 'scalar' ? (node.value ?? '') : this.toValue(node);
      case 'step':
      case 'job':
      case 'deployment':
      case 'stage':
        mustBe(isMapOf(node, type === 'step' ? 'step' : type), `a single ${type} (a mapping)`);
        return this.toValue(node);
      case 'steplist':
      case 'joblist':
      case 'deploymentlist':
      case 'stagelist': {
        const item = type.slice(0, -4);
        if (node.kind === 'scalar' && node.value === null) return [];
        mustBe(node.kind === 'seq' && node.items.every((n) => isMapOf(n, item === 'step' ? 'step' : item) || (n.kind === 'map' && n.items.some((i) => i.key.value === 'template' || directiveOf(i.key)))), `a list of ${item}s`);
        return this.toValue(node);
      }
      default:
        mustBe(node.kind === 'scalar', 'a single value, not a list or mapping');
        return this.convertScalar((node as ScalarNode).value ?? '', type, name, node.position);
    }
  }

  // ---- tree ⇄ expression values -------------------------------------------------------------

  private toValue(node: TreeNode): ExprValue {
    if (node.kind === 'scalar') return node.value ?? '';
    const value: ExprValue = node.kind === 'seq' ? node.items.map((n) => this.toValue(n)) : Object.fromEntries(node.items.map((i) => [i.key.value ?? '', this.toValue(i.value)]));
    this.origins.set(value, node);
    return value;
  }

  private fromValue(value: ExprValue, position: SourcePosition): TreeNode {
    if (value !== null && typeof value === 'object' && !(value instanceof VariableLookup)) {
      const origin = this.origins.get(value);
      if (origin) return origin;
      if (Array.isArray(value)) return { kind: 'seq', position, items: value.map((v) => this.fromValue(v, position)) };
      return { kind: 'map', position, items: Object.entries(value).map(([k, v]) => ({ key: scalar(k, position), value: this.fromValue(v, position) })) };
    }
    return scalar(value === null ? null : toExprString(value), position);
  }

  // ---- expressions --------------------------------------------------------------------------

  private evaluate(source: string, position: SourcePosition, scope: Scope): ExprValue {
    const values: Record<string, ExprValue> = {
      parameters: scope.parameters,
      variables: new VariableLookup((name) => scope.variables.get(name.toLowerCase())),
      ...scope.locals,
    };
    try {
      return evaluateExpression(source, { values });
    } catch (err) {
      if (err instanceof ExpressionError) fail(position, `in '\${{${source}}}': ${err.message}`);
      throw err;
    }
  }

  /** A scalar: a whole `${{ expr }}` takes the value's shape (a list or mapping too); else text is interpolated. */
  private expandScalar(node: ScalarNode, scope: Scope): TreeNode {
    const text = node.value;
    if (text === null || !text.includes('${{')) return node;
    const whole = WHOLE_EXPRESSION.exec(text.trim());
    if (whole) {
      if (DIRECTIVE.test(text.trim())) fail(node.position, `'${text.trim()}' can only be a key (followed by ':')`);
      return this.fromValue(this.evaluate(whole[1], node.position, scope), node.position);
    }
    const value = text.replace(/\$\{\{((?:(?!\}\}).)*)\}\}/gs, (whole: string, source: string) => {
      if (DIRECTIVE.test(whole)) fail(node.position, `'${whole}' can only be a key (followed by ':')`);
      const result = this.evaluate(source, node.position, scope);
      if (result !== null && typeof result === 'object' && !(result instanceof VariableLookup)) fail(node.position, `'\${{${source}}}' is a list or mapping and cannot be part of a text`);
      return toExprString(result);
    });
    return scalar(value, node.position);
  }

  private condition(source: string, position: SourcePosition, scope: Scope): boolean {
    const value = this.evaluate(source, position, scope);
    if (value instanceof VariableLookup || value === null) return false;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    if (typeof value === 'string') return value !== '';
    return true;
  }

  // ---- the walk -----------------------------------------------------------------------------

  private expand(node: TreeNode, scope: Scope, kind: TemplateKind | undefined): TreeNode {
    if (node.kind === 'scalar') return this.expandScalar(node, scope);
    if (node.kind === 'seq') return this.expandSeq(node, scope, kind);
    return this.expandMap(node, scope, kind);
  }

  private expandSeq(node: SeqNode, scope: Scope, kind: TemplateKind | undefined): SeqNode {
    const items: TreeNode[] = [];
    let chain: boolean | undefined; // an if/elseif chain: whether a branch was taken
    for (const item of node.items) {
      const directive = item.kind === 'map' && item.items.length === 1 ? directiveOf(item.items[0].key) : undefined;
      if (item.kind === 'map' && directive) {
        const { key, value } = item.items[0];
        chain = this.applyDirective(directive, key, chain, scope, (inner) => {
          const expanded = this.expand(value, inner, kind);
          if (expanded.kind === 'seq') items.push(...expanded.items);
          else if (!(expanded.kind === 'scalar' && expanded.value === null)) items.push(expanded);
        });
        continue;
      }
      chain = undefined;
      const template = kind && item.kind === 'map' ? item.items.find((i) => i.key.value === 'template') : undefined;
      if (template && item.kind === 'map') {
        items.push(...this.includeTemplate(item, template, kind!, scope).items);
        continue;
      }
      const expanded = this.expand(item, scope, kind);
      if (item.kind !== 'scalar') {
        items.push(expanded);
        continue;
      }
      // An item that was only `${{ parameters.steps }}` (a list) splices in; template references
      // among inserted items (a stepList parameter may hold them) are included now.
      for (const inserted of expanded.kind === 'seq' ? expanded.items : [expanded]) {
        const reference = kind && inserted.kind === 'map' ? inserted.items.find((i) => i.key.value === 'template') : undefined;
        if (reference && inserted.kind === 'map') items.push(...this.includeTemplate(inserted, reference, kind!, scope).items);
        else items.push(inserted);
      }
    }
    return { kind: 'seq', position: node.position, items };
  }

  private expandMap(node: MapNode, outer: Scope, kind: TemplateKind | undefined): MapNode {
    // Variables defined here are visible to ${{ variables.x }} in the rest of this mapping.
    const scope: Scope = { ...outer, variables: new Map(outer.variables) };
    const variablesEntry = node.items.find((i) => i.key.value === 'variables');
    const expandedVariables = variablesEntry ? this.expand(variablesEntry.value, scope, 'variables') : undefined;
    if (expandedVariables) this.remember(expandedVariables, scope);
    const items: MapNode['items'] = [];
    const put = (key: ScalarNode, value: TreeNode) => {
      const existing = items.findIndex((i) => i.key.value === key.value);
      if (existing >= 0) fail(key.position, `'${key.value}' is given twice in this mapping (once through a template expression)`);
      items.push({ key, value });
    };
    let chain: boolean | undefined;
    for (const { key, value } of node.items) {
      const directive = directiveOf(key);
      if (directive) {
        chain = this.applyDirective(directive, key, chain, scope, (inner) => {
          const expanded = this.expand(value, inner, kind);
          if (expanded.kind === 'scalar' && expanded.value === null) return;
          if (expanded.kind !== 'map') fail(value.position, `'${key.value}' inside a mapping must hold a mapping`);
          for (const i of expanded.items) put(i.key, i.value);
        });
        continue;
      }
      chain = undefined;
      const expandedKey = this.expandScalar(key, scope);
      if (expandedKey.kind !== 'scalar') fail(key.position, `the key '${key.value}' must be text`);
      if (key === variablesEntry?.key) {
        put(expandedKey, expandedVariables!);
        continue;
      }
      const childKind = TEMPLATE_KINDS.find((k) => k === expandedKey.value);
      put(expandedKey, this.expand(value, scope, childKind));
    }
    return { kind: 'map', position: node.position, items };
  }

  /** Runs one directive; returns the if/elseif chain's state for the next sibling. */
  private applyDirective(directive: Directive, key: ScalarNode, chain: boolean | undefined, scope: Scope, body: (scope: Scope) => void): boolean | undefined {
    switch (directive.kind) {
      case 'if': {
        const taken = this.condition(directive.condition, key.position, scope);
        if (taken) body(scope);
        return taken;
      }
      case 'elseif': {
        if (chain === undefined) fail(key.position, "'${{ elseif }}' must follow '${{ if }}' or '${{ elseif }}'");
        if (chain) return true;
        const taken = this.condition(directive.condition, key.position, scope);
        if (taken) body(scope);
        return taken;
      }
      case 'else':
        if (chain === undefined) fail(key.position, "'${{ else }}' must follow '${{ if }}' or '${{ elseif }}'");
        if (!chain) body(scope);
        return undefined;
      case 'insert':
        body(scope);
        return undefined;
      case 'each': {
        const collection = this.evaluate(directive.collection, key.position, scope);
        const items: ExprValue[] = Array.isArray(collection)
          ? collection
          : collection !== null && typeof collection === 'object' && !(collection instanceof VariableLookup)
            ? Object.entries(collection).map(([k, v]) => ({ key: k, value: v }))
            : collection === null || collection instanceof VariableLookup || collection === ''
              ? []
              : fail(key.position, `'\${{ each }}' needs a list or mapping, and '${directive.collection.trim()}' is '${toExprString(collection)}'`);
        for (const item of items) body({ ...scope, locals: { ...scope.locals, [directive.variable]: item } });
        return undefined;
      }
    }
  }

  /** Variables now known at compile time, from an expanded `variables:` (mapping or list form). */
  private remember(variables: TreeNode, scope: Scope): void {
    if (variables.kind === 'map') {
      for (const i of variables.items) if (i.value.kind === 'scalar') scope.variables.set((i.key.value ?? '').toLowerCase(), i.value.value ?? '');
    } else if (variables.kind === 'seq') {
      for (const item of variables.items) {
        if (item.kind !== 'map') continue;
        const name = item.items.find((i) => i.key.value === 'name')?.value;
        const value = item.items.find((i) => i.key.value === 'value')?.value;
        if (name?.kind === 'scalar' && name.value) scope.variables.set(name.value.toLowerCase(), value?.kind === 'scalar' ? (value.value ?? '') : '');
      }
    }
  }

  // ---- template files -----------------------------------------------------------------------

  private templateFile(reference: ScalarNode, scope: Scope): { file: string; body: MapNode } {
    const ref = (this.expandScalar(reference, scope) as ScalarNode).value ?? '';
    if (!ref.trim()) fail(reference.position, "'template' needs a file path");
    if (ref.includes('@')) fail(reference.position, `a template from another repository ('${ref}') is not supported by the local runner`);
    if (scope.depth >= MAX_TEMPLATE_DEPTH) fail(reference.position, `templates are nested more than ${MAX_TEMPLATE_DEPTH} deep (does '${ref}' include itself?)`);
    if (++this.filesRead > MAX_TEMPLATE_FILES) fail(reference.position, `a pipeline may include at most ${MAX_TEMPLATE_FILES} template files`);
    const file = ref.startsWith('/') ? path.join(this.options.repositoryRoot, ref) : path.resolve(path.dirname(reference.position.file), ref);
    return { file, body: this.asMap(readTreeFile(file, reference.position), `the template ${ref}`) };
  }

  /** Parameters for a template, from a reference's `parameters:` (expanded in the caller's scope). */
  private templateParameters(body: MapNode, given: TreeNode | undefined, reference: ScalarNode, scope: Scope): Record<string, ExprValue> {
    const expanded = given ? this.expand(given, scope, undefined) : undefined;
    if (expanded && !(expanded.kind === 'map' || (expanded.kind === 'scalar' && expanded.value === null))) fail(given!.position, "'parameters' must be a mapping (name: value)");
    const supplied = new Map((expanded?.kind === 'map' ? expanded.items : []).map((i) => [(i.key.value ?? '').toLowerCase(), i]));
    const declarations = body.items.find((i) => i.key.value === 'parameters')?.value;
    const result = this.declaredParameters(
      declarations,
      (name) => {
        const entry = supplied.get(name.toLowerCase());
        supplied.delete(name.toLowerCase());
        return entry ? { node: entry.value } : undefined;
      },
      (name) => fail(reference.position, `the template ${reference.value} needs the parameter '${name}' (it has no default)`),
    );
    for (const { key } of supplied.values()) fail(key.position, `the template ${reference.value} has no parameter '${key.value}'`);
    return result;
  }

  /** `- template: file.yml` in a list of steps, jobs, stages or variables: the file's list, expanded. */
  private includeTemplate(item: MapNode, template: MapNode['items'][number], kind: TemplateKind, scope: Scope): SeqNode {
    for (const i of item.items) if (!['template', 'parameters'].includes(i.key.value ?? '')) fail(i.key.position, `unexpected key '${i.key.value}' beside 'template'`);
    if (template.value.kind !== 'scalar') fail(template.value.position, "'template' needs a file path");
    const { file, body } = this.templateFile(template.value, scope);
    for (const i of body.items) if (i.key.value !== 'parameters' && i.key.value !== kind) fail(i.key.position, `a ${kind} template may only hold 'parameters' and '${kind}', not '${i.key.value}'`);
    const list = body.items.find((i) => i.key.value === kind)?.value;
    if (!list) fail(body.position, `the template ${path.basename(file)} is used in a list of ${kind} but has no '${kind}'`);
    const parameters = this.templateParameters(body, item.items.find((i) => i.key.value === 'parameters')?.value, template.value, scope);
    const inner: Scope = { parameters, variables: scope.variables, locals: {}, depth: scope.depth + 1 };
    const expanded = this.expand(list, inner, kind);
    if (kind === 'variables' && expanded.kind === 'map') {
      // The mapping form of a variables template becomes list items like the caller's.
      return { kind: 'seq', position: expanded.position, items: expanded.items.map((i) => ({ kind: 'map', position: i.key.position, items: [{ key: scalar('name', i.key.position), value: i.key }, { key: scalar('value', i.key.position), value: i.value }] })) };
    }
    if (expanded.kind !== 'seq') fail(list.position, `'${kind}' must be a list`);
    return expanded;
  }

  /** `extends: { template, parameters }`: the template is the pipeline; the file adds settings around it. */
  private extend(pipeline: MapNode, entry: MapNode['items'][number], scope: Scope): MapNode {
    for (const body of ['stages', 'jobs', 'steps']) {
      const own = pipeline.items.find((i) => i.key.value === body);
      if (own) fail(own.key.position, `a pipeline that uses 'extends' cannot have its own '${body}'`);
    }
    const spec = this.asMap(entry.value, "'extends'");
    for (const i of spec.items) if (!['template', 'parameters'].includes(i.key.value ?? '')) fail(i.key.position, `unexpected key '${i.key.value}' in 'extends'`);
    const reference = spec.items.find((i) => i.key.value === 'template')?.value;
    if (!reference || reference.kind !== 'scalar') fail(spec.position, "'extends' needs a 'template'");
    const { body } = this.templateFile(reference, scope);
    const parameters = this.templateParameters(body, spec.items.find((i) => i.key.value === 'parameters')?.value, reference, scope);
    const inner: Scope = { parameters, variables: scope.variables, locals: {}, depth: scope.depth + 1 };
    const expanded = this.expandMap({ ...body, items: body.items.filter((i) => i.key.value !== 'parameters') }, inner, undefined);
    const items = pipeline.items.filter((i) => i !== entry);
    for (const i of expanded.items) {
      const existing = items.findIndex((x) => x.key.value === i.key.value);
      if (existing < 0) items.push(i);
      else if (i.key.value === 'variables' && items[existing].value.kind === 'seq' && i.value.kind === 'seq') items[existing] = { key: items[existing].key, value: { ...i.value, items: [...(items[existing].value as SeqNode).items, ...i.value.items] } };
      else fail(i.key.position, `'${i.key.value}' is set both by the pipeline and by the template it extends`);
    }
    return { ...pipeline, items };
  }

  // ---- shapes -------------------------------------------------------------------------------

  private asMap(node: TreeNode, what: string): MapNode {
    if (node.kind !== 'map') fail(node.position, `${what} must be a mapping (key: value)`);
    return node;
  }

  private asSeq(node: TreeNode, what: string): SeqNode {
    if (node.kind !== 'seq') fail(node.position, `'${what}' must be a list`);
    return node;
  }

  private scalarText(node: TreeNode, what: string): string {
    if (node.kind !== 'scalar') fail(node.position, `'${what}' must be a single value, not a list or mapping`);
    return node.value ?? '';
  }
}

/** The pipeline file with every template inlined and every ${{ }} resolved. */
export function expandPipelineTree(root: TreeNode, options: ExpandOptions): TreeNode {
  return new TemplateExpander(options).expandPipeline(root);
}

export function expandPipelineFile(file: string, options: ExpandOptions): TreeNode {
  return expandPipelineTree(readTreeFile(file), options);
}
