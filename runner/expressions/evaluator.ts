// Azure Pipelines expressions: the language of conditions, ${{ }} and $[ ].
// Functions only (no infix operators), literals, and property access with `.` and `['...']`.
// Comparison and conversion rules follow the Azure DevOps documentation ("Expressions"):
// strings compare case-insensitively, the right operand is converted to the left operand's type.

export type ExprValue = string | number | boolean | null | ExprValue[] | { [key: string]: ExprValue } | VariableLookup;

export class ExpressionError extends Error {}

/** `variables.x` and `variables['a.b']`: a case-insensitive view that also accepts dotted names. */
export class VariableLookup {
  constructor(
    private readonly get: (name: string) => string | undefined,
    private readonly prefix = '',
  ) {}

  member(key: string): ExprValue {
    const name = this.prefix + key;
    const value = this.get(name);
    // `variables.Build.SourceBranch` arrives as two member accesses: keep the partial name.
    return value !== undefined ? value : new VariableLookup(this.get, `${name}.`);
  }
}

/** How status functions (succeeded(), failed() ...) are answered where the expression runs. */
export interface StatusFunctions {
  succeeded(names: string[]): boolean;
  failed(names: string[]): boolean;
  succeededOrFailed(names: string[]): boolean;
  canceled(): boolean;
}

export interface ExpressionContext {
  /** Named values: variables, parameters, dependencies, stageDependencies ... (matched ignoring case). */
  values: Record<string, ExprValue>;
  /** Absent where status functions are not allowed (compile time, variables). */
  status?: StatusFunctions;
  /** Functions only some places have (lowercase names), e.g. a server task's jsonpath() and count(). */
  functions?: Record<string, (args: ExprValue[]) => ExprValue>;
}

type Node =
  | { kind: 'literal'; value: ExprValue }
  | { kind: 'name'; name: string }
  | { kind: 'member'; target: Node; key: Node }
  | { kind: 'call'; name: string; args: Node[] };

type Token = { kind: 'str' | 'num' | 'word' | 'punct'; text: string; pos: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new ExpressionError(`unterminated string starting at column ${i + 1}`);
        if (source[j] === "'") {
          if (source[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += source[j++];
      }
      tokens.push({ kind: 'str', text, pos: i });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)*/.exec(source.slice(i))!;
      tokens.push({ kind: 'num', text: m[0], pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))!;
      tokens.push({ kind: 'word', text: m[0], pos: i });
      i += m[0].length;
    } else if ('()[],.'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
    } else {
      throw new ExpressionError(`unexpected character '${c}' at column ${i + 1}`);
    }
  }
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  parseAll(): Node {
    const node = this.parseExpression();
    const extra = this.tokens[this.index];
    if (extra) throw new ExpressionError(`unexpected '${extra.text}' at column ${extra.pos + 1}`);
    return node;
  }

  private peek(text?: string): Token | undefined {
    const t = this.tokens[this.index];
    return t && (text === undefined || (t.kind === 'punct' && t.text === text)) ? t : undefined;
  }

  private expect(text: string): void {
    const t = this.tokens[this.index];
    if (!t || t.kind !== 'punct' || t.text !== text) {
      throw new ExpressionError(t ? `expected '${text}' but found '${t.text}' at column ${t.pos + 1}` : `expected '${text}' at the end`);
    }
    this.index++;
  }

  private parseExpression(): Node {
    let node = this.parsePrimary();
    for (;;) {
      if (this.peek('.')) {
        this.index++;
        const t = this.tokens[this.index++];
        if (!t || t.kind !== 'word') throw new ExpressionError('expected a property name after "."');
        node = { kind: 'member', target: node, key: { kind: 'literal', value: t.text } };
      } else if (this.peek('[')) {
        this.index++;
        const key = this.parseExpression();
        this.expect(']');
        node = { kind: 'member', target: node, key };
      } else {
        return node;
      }
    }
  }

  private parsePrimary(): Node {
    const t = this.tokens[this.index++];
    if (!t) throw new ExpressionError('unexpected end of expression');
    if (t.kind === 'str') return { kind: 'literal', value: t.text };
    if (t.kind === 'num') {
      if (t.text.split('.').length > 2) return { kind: 'literal', value: t.text }; // version literal
      return { kind: 'literal', value: Number(t.text) };
    }
    if (t.kind === 'word') {
      const lower = t.text.toLowerCase();
      if (this.peek('(')) {
        this.index++;
        const args: Node[] = [];
        if (!this.peek(')')) {
          for (;;) {
            args.push(this.parseExpression());
            if (this.peek(',')) {
              this.index++;
              continue;
            }
            break;
          }
        }
        this.expect(')');
        return { kind: 'call', name: lower, args };
      }
      if (lower === 'true') return { kind: 'literal', value: true };
      if (lower === 'false') return { kind: 'literal', value: false };
      if (lower === 'null') return { kind: 'literal', value: null };
      return { kind: 'name', name: lower };
    }
    throw new ExpressionError(`unexpected '${t.text}' at column ${t.pos + 1}`);
  }
}

export function parseExpression(source: string): Node {
  if (!source.trim()) throw new ExpressionError('the expression is empty');
  return new Parser(tokenize(source)).parseAll();
}

function resolve(value: ExprValue): Exclude<ExprValue, VariableLookup> {
  return value instanceof VariableLookup ? null : value;
}

export function toBoolean(value: ExprValue): boolean {
  const v = resolve(value);
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return true;
}

function toNumber(value: ExprValue): number {
  const v = resolve(value);
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v.trim());
  return NaN;
}

/** String form as Azure DevOps renders values: booleans as True/False. */
export function toExprString(value: ExprValue): string {
  const v = resolve(value);
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return JSON.stringify(v);
}

function kindOf(v: ExprValue): string {
  const r = resolve(v);
  return r === null ? 'null' : Array.isArray(r) ? 'array' : typeof r;
}

function compare(left: ExprValue, right: ExprValue): number {
  const l = resolve(left);
  switch (kindOf(l)) {
    case 'number': {
      const a = l as number;
      const b = toNumber(right);
      return a === b ? 0 : a < b ? -1 : a > b ? 1 : NaN;
    }
    case 'boolean': {
      const a = l ? 1 : 0;
      const b = toBoolean(right) ? 1 : 0;
      return a - b;
    }
    case 'null':
      return resolve(right) === null || toExprString(right) === '' ? 0 : -1;
    case 'string': {
      const a = (l as string).toLowerCase();
      const b = toExprString(right).toLowerCase();
      return a === b ? 0 : a < b ? -1 : 1;
    }
    default:
      return l === resolve(right) ? 0 : NaN;
  }
}

function member(target: ExprValue, key: ExprValue): ExprValue {
  if (target instanceof VariableLookup) return target.member(toExprString(key));
  if (Array.isArray(target)) return target[toNumber(key)] ?? null;
  if (target && typeof target === 'object') {
    const wanted = toExprString(key).toLowerCase();
    const found = Object.keys(target).find((k) => k.toLowerCase() === wanted);
    return found !== undefined ? target[found] : null;
  }
  return null;
}

const statusFunctions = new Set(['always', 'succeeded', 'failed', 'succeededorfailed', 'canceled']);

export function evaluate(node: Node, context: ExpressionContext): ExprValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name': {
      const key = Object.keys(context.values).find((k) => k.toLowerCase() === node.name);
      if (key === undefined) {
        const known = Object.keys(context.values).join(', ');
        throw new ExpressionError(`unknown name '${node.name}'${known ? ` (known here: ${known})` : ''}`);
      }
      return context.values[key];
    }
    case 'member':
      return member(evaluate(node.target, context), evaluate(node.key, context));
    case 'call':
      return call(node.name, node.args, context);
  }
}

function call(name: string, argNodes: Node[], context: ExpressionContext): ExprValue {
  const arity = (min: number, max = min) => {
    if (argNodes.length < min || argNodes.length > max) {
      throw new ExpressionError(`${name}() takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} argument(s), got ${argNodes.length}`);
    }
  };
  const arg = (i: number) => evaluate(argNodes[i], context);
  if (statusFunctions.has(name)) {
    if (!context.status) throw new ExpressionError(`${name}() is only allowed in conditions`);
    const names = argNodes.map((_, i) => toExprString(arg(i)));
    switch (name) {
      case 'always':
        arity(0);
        return true;
      case 'canceled':
        arity(0);
        return context.status.canceled();
      case 'succeeded':
        return context.status.succeeded(names);
      case 'failed':
        return context.status.failed(names);
      default:
        return context.status.succeededOrFailed(names);
    }
  }
  switch (name) {
    case 'and':
      arity(2, Infinity);
      return argNodes.every((_, i) => toBoolean(arg(i)));
    case 'or':
      arity(2, Infinity);
      return argNodes.some((_, i) => toBoolean(arg(i)));
    case 'not':
      arity(1);
      return !toBoolean(arg(0));
    case 'xor':
      arity(2);
      return toBoolean(arg(0)) !== toBoolean(arg(1));
    case 'eq':
      arity(2);
      return compare(arg(0), arg(1)) === 0;
    case 'ne':
      arity(2);
      return compare(arg(0), arg(1)) !== 0;
    case 'gt':
      arity(2);
      return compare(arg(0), arg(1)) > 0;
    case 'ge':
      arity(2);
      return compare(arg(0), arg(1)) >= 0;
    case 'lt':
      arity(2);
      return compare(arg(0), arg(1)) < 0;
    case 'le':
      arity(2);
      return compare(arg(0), arg(1)) <= 0;
    case 'in':
    case 'notin': {
      arity(1, Infinity);
      const needle = arg(0);
      const found = argNodes.slice(1).some((_, i) => compare(needle, arg(i + 1)) === 0);
      return name === 'in' ? found : !found;
    }
    case 'contains':
      arity(2);
      return toExprString(arg(0)).toLowerCase().includes(toExprString(arg(1)).toLowerCase());
    case 'startswith':
      arity(2);
      return toExprString(arg(0)).toLowerCase().startsWith(toExprString(arg(1)).toLowerCase());
    case 'endswith':
      arity(2);
      return toExprString(arg(0)).toLowerCase().endsWith(toExprString(arg(1)).toLowerCase());
    case 'containsvalue': {
      arity(2);
      const collection = resolve(arg(0));
      const values = Array.isArray(collection) ? collection : collection && typeof collection === 'object' ? Object.values(collection) : [];
      return values.some((v) => compare(v, arg(1)) === 0);
    }
    case 'lower':
      arity(1);
      return toExprString(arg(0)).toLowerCase();
    case 'upper':
      arity(1);
      return toExprString(arg(0)).toUpperCase();
    case 'length': {
      arity(1);
      const v = resolve(arg(0));
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      return v && typeof v === 'object' ? Object.keys(v).length : 0;
    }
    case 'replace':
      arity(3);
      return toExprString(arg(0)).split(toExprString(arg(1))).join(toExprString(arg(2)));
    case 'split':
      arity(2);
      return toExprString(arg(0)).split(toExprString(arg(1)));
    case 'join': {
      arity(2);
      const v = resolve(arg(1));
      return Array.isArray(v) ? v.map(toExprString).join(toExprString(arg(0))) : toExprString(v);
    }
    case 'iif':
      // Only the chosen branch is evaluated.
      arity(3);
      return toBoolean(arg(0)) ? arg(1) : arg(2);
    case 'trim':
      arity(1);
      return toExprString(arg(0)).trim();
    case 'coalesce':
      arity(1, Infinity);
      for (let i = 0; i < argNodes.length; i++) {
        const v = arg(i);
        if (toExprString(v) !== '') return v;
      }
      return null;
    case 'format': {
      arity(1, Infinity);
      const args = argNodes.slice(1).map((_, i) => toExprString(arg(i + 1)));
      return toExprString(arg(0)).replace(/\{(\d+)\}/g, (m, i: string) => args[Number(i)] ?? m);
    }
    case 'converttojson':
      arity(1);
      return JSON.stringify(resolve(arg(0)), null, 2);
    default: {
      const extra = context.functions?.[name];
      if (extra) return extra(argNodes.map((_, i) => arg(i)));
      throw new ExpressionError(`function '${name}' is not supported by the local runner`);
    }
  }
}

/** Parses and evaluates in one go. */
export function evaluateExpression(source: string, context: ExpressionContext): ExprValue {
  return evaluate(parseExpression(source), context);
}
