// JSONPath as the server's jsonpath() function reads it (Json.NET SelectTokens): `$` or an implicit
// root, `.name`, `['name']`, `[n]` (negative from the end), `[*]`/`.*`, `..name` (recursive),
// `[a,b]` and filters `[?(@.path op value)]` with ==, !=, <, <=, >, >=, &&, || and `[?(@.path)]`.
import { ExpressionError } from '../expressions/evaluator';

type Json = unknown;
type Segment =
  | { kind: 'child'; names: Array<string | number> }
  | { kind: 'wildcard' }
  | { kind: 'recursive'; name: string | '*' }
  | { kind: 'filter'; test: (item: Json) => boolean };

function children(node: Json): Json[] {
  if (Array.isArray(node)) return node;
  if (node && typeof node === 'object') return Object.values(node as Record<string, Json>);
  return [];
}

function child(node: Json, key: string | number): Json[] {
  if (Array.isArray(node) && typeof key === 'number') {
    const item = node[key < 0 ? node.length + key : key];
    return item === undefined ? [] : [item];
  }
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    const record = node as Record<string, Json>;
    return Object.prototype.hasOwnProperty.call(record, String(key)) ? [record[String(key)]] : [];
  }
  return [];
}

function descendants(node: Json): Json[] {
  const all: Json[] = [node];
  for (const c of children(node)) all.push(...descendants(c));
  return all;
}

/** Reads a JSON literal or a quoted string in a filter ('a', "a", 12, true, null). */
function literal(text: string): Json {
  const t = text.trim();
  if (/^'.*'$/s.test(t)) return t.slice(1, -1);
  try {
    return JSON.parse(t);
  } catch {
    throw new ExpressionError(`jsonpath: '${t}' is not a value`);
  }
}

function compareValues(op: string, left: Json, right: Json): boolean {
  if (op === '==') return left === right || (typeof left === 'number' && Number(right) === left && typeof right === 'string');
  if (op === '!=') return !compareValues('==', left, right);
  if (typeof left !== typeof right || (typeof left !== 'number' && typeof left !== 'string')) return false;
  const l = left as number | string;
  const r = right as number | string;
  return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
}

function filterTest(source: string): (item: Json) => boolean {
  const or = splitTopLevel(source, '||');
  if (or.length > 1) {
    const tests = or.map(filterTest);
    return (item) => tests.some((t) => t(item));
  }
  const and = splitTopLevel(source, '&&');
  if (and.length > 1) {
    const tests = and.map(filterTest);
    return (item) => tests.every((t) => t(item));
  }
  const m = /^\s*@((?:\.[A-Za-z_$][\w$-]*|\[[^\]]*\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*$/s.exec(source);
  if (!m) throw new ExpressionError(`jsonpath: unsupported filter '${source}'`);
  const path = parseSegments(m[1]);
  if (!m[2]) return (item) => select(item, path).some((v) => v !== null && v !== false && v !== undefined);
  const right = literal(m[3]);
  return (item) => select(item, path).some((v) => compareValues(m[2], v, right));
}

/** Splits on an operator outside quotes and parentheses. */
function splitTopLevel(source: string, operator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && source.startsWith(operator, i)) {
      parts.push(source.slice(start, i));
      start = i + operator.length;
      i += operator.length - 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}

/** The matching `]` of the `[` at `open`, skipping quotes and nested brackets. */
function closingBracket(path: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < path.length; i++) {
    const c = path[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new ExpressionError(`jsonpath: unclosed '[' in '${path}'`);
}

function parseSegments(path: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      const m = /^\.\.([A-Za-z_$][\w$-]*|\*)/.exec(path.slice(i));
      if (!m) throw new ExpressionError(`jsonpath: expected a name after '..' in '${path}'`);
      segments.push({ kind: 'recursive', name: m[1] });
      i += m[0].length;
    } else if (path[i] === '.') {
      const m = /^\.([A-Za-z_$][\w$-]*|\*)/.exec(path.slice(i));
      if (!m) throw new ExpressionError(`jsonpath: expected a name after '.' in '${path}'`);
      segments.push(m[1] === '*' ? { kind: 'wildcard' } : { kind: 'child', names: [m[1]] });
      i += m[0].length;
    } else if (path[i] === '[') {
      const close = closingBracket(path, i);
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (inner.startsWith('?(') && inner.endsWith(')')) segments.push({ kind: 'filter', test: filterTest(inner.slice(2, -1)) });
      else segments.push({ kind: 'child', names: splitTopLevel(inner, ',').map((p) => (/^\s*-?\d+\s*$/.test(p) ? Number(p) : String(literal(p)))) });
      i = close + 1;
    } else {
      // A leading name without `$.` ("Items[?(...)]"), as Json.NET accepts.
      const m = /^([A-Za-z_$][\w$-]*)/.exec(path.slice(i));
      if (!m || segments.length) throw new ExpressionError(`jsonpath: unexpected '${path.slice(i)}' in '${path}'`);
      segments.push({ kind: 'child', names: [m[1]] });
      i += m[0].length;
    }
  }
  return segments;
}

function select(root: Json, segments: Segment[]): Json[] {
  let current: Json[] = [root];
  for (const s of segments) {
    const next: Json[] = [];
    for (const node of current) {
      switch (s.kind) {
        case 'child':
          for (const name of s.names) next.push(...child(node, name));
          break;
        case 'wildcard':
          next.push(...children(node));
          break;
        case 'recursive':
          for (const d of descendants(node)) next.push(...(s.name === '*' ? children(d) : child(d, s.name)));
          break;
        case 'filter':
          next.push(...children(node).filter(s.test));
          break;
      }
    }
    current = next;
  }
  return current;
}

/** Every value the path selects in `document`, in document order. */
export function selectJsonPath(document: Json, path: string): Json[] {
  const trimmed = path.trim();
  return select(document, parseSegments(trimmed.startsWith('$') ? trimmed.slice(1) : trimmed));
}
