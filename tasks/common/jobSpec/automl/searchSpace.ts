// AutoML's search_space (image and NLP tasks): a list of subspaces, each mapping a model setting to
// a fixed value or a distribution. The REST model takes every value as a string in the
// `choice('a','b')` / `uniform(0.1,1.0)` notation (search_space_utils._convert_to_rest_object).
import { pythonFloat } from '../pythonText';
import { checkFields, oneOf } from '../schema';
import { DISTRIBUTION_PARAMETERS } from '../sweepJob';
import type { YNode } from '../yamlSource';
import { matchEnum, type EnumKind, type Field } from './settings';

/** Distributions an integer setting may take (IntegerQUniform/IntegerQNormal, randint, choice); floats take any. */
const INT_DISTRIBUTIONS = ['choice', 'randint', 'quniform', 'qnormal'];

/** float_to_str: Python's repr() of the float written out without an exponent. */
export function floatToStr(x: number): string {
  const repr = pythonFloat(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(repr);
  if (!m) return repr;
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead + frac;
  const point = 1 + Number(expText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  return `${sign}${digits.padEnd(point, '0')}${digits.length > point ? '.' + digits.slice(point) : ''}`;
}

/** A number as the schema loads it: ints stay ints; a float field's plain number becomes a float. */
interface Loaded {
  value: unknown;
  text: string;
}

function isIntNode(node: YNode): boolean {
  return node.kind === 'number' && Number.isInteger(node.scalar) && !/[.eE]/.test(node.sourceText ?? '');
}

function number(node: YNode, what: string, asFloat: boolean): Loaded {
  const n = node.num(what);
  if (!asFloat && isIntNode(node)) return { value: n, text: String(n) };
  return { value: n, text: floatToStr(n) };
}

function scalar(node: YNode, f: Field, what: string): Loaded {
  const kind = f.kind;
  if (typeof kind === 'object' && 'enum' in kind) {
    const given = matchEnum(node, kind.enum as EnumKind, what).node as string;
    return { value: given, text: given };
  }
  switch (kind) {
    case 'bool': {
      const b = node.bool(what);
      return { value: b, text: b ? 'True' : 'False' };
    }
    case 'int':
      return { value: node.int(what), text: String(node.int(what)) };
    case 'float':
      return number(node, what, true);
    default: {
      const s = node.str(what);
      return { value: s, text: s };
    }
  }
}

const quoted = (l: Loaded): string => (typeof l.value === 'string' ? `'${l.text}'` : l.text);

/** One setting's value: its REST string and its dumped form (a dict for distributions). */
function subspaceValue(node: YNode, f: Field, what: string): { rest: string; dumped: unknown } {
  if (node.kind !== 'mapping') {
    const l = scalar(node, f, what);
    return { rest: l.text, dumped: l.value };
  }
  const isNumeric = f.kind === 'int' || f.kind === 'float';
  const allowed = Object.keys(DISTRIBUTION_PARAMETERS).filter((d) => (f.kind === 'int' ? INT_DISTRIBUTIONS.includes(d) : isNumeric || d === 'choice'));
  const type = oneOf(node.require('type', what), allowed, `${what} distribution`);
  const parameters = DISTRIBUTION_PARAMETERS[type];
  checkFields(node, ['type', ...parameters], `${what} (${type})`);
  if (type === 'choice') {
    const items = node.require('values', what).items(`${what}.values`);
    if (!items.length) node.fail(`${what}.values must not be empty`);
    // A float field's choice keeps whole numbers only when all of them are (Choice[int] is tried first).
    const asFloat = f.kind === 'float' && !items.every(isIntNode);
    const values = items.map((item, i) => (f.kind === 'float' ? number(item, `${what}.values[${i}]`, asFloat) : scalar(item, f, `${what}.values[${i}]`)));
    return { rest: `choice(${values.map(quoted).join(',')})`, dumped: { type, values: values.map((v) => v.value) } };
  }
  const args = parameters.map((p) => {
    const param = node.require(p, `${what} (${type})`);
    return p === 'upper' || f.kind === 'int' ? { value: param.int(`${what}.${p}`), text: String(param.int(`${what}.${p}`)) } : number(param, `${what}.${p}`, false);
  });
  const dumped: Record<string, unknown> = { type };
  parameters.forEach((p, i) => (dumped[p] = args[i].value));
  return { rest: `${type}(${args.map((a) => a.text).join(',')})`, dumped };
}

export interface SearchSpace {
  /** The REST list: camelCase keys, string values. */
  rest: Array<Record<string, string>>;
  /** Snake keys, string values (image steps in a pipeline). */
  nodeStrings: Array<Record<string, string>>;
  /** Snake keys, distributions as mappings (NLP steps in a pipeline keep them so). */
  nodeDicts: Array<Record<string, unknown>>;
}

export function readSearchSpace(node: YNode, fields: readonly Field[], what: string): SearchSpace {
  const out: SearchSpace = { rest: [], nodeStrings: [], nodeDicts: [] };
  node.items(what).forEach((subspace, i) => {
    const at = `${what}[${i}]`;
    checkFields(subspace, fields.map((f) => f.yaml), at);
    const rest: Record<string, string> = {};
    const strings: Record<string, string> = {};
    const dicts: Record<string, unknown> = {};
    for (const f of fields) {
      const value = subspace.get(f.yaml);
      if (!value || value.isNull) continue;
      const v = subspaceValue(value, f, `${at}.${f.yaml}`);
      rest[f.rest] = v.rest;
      strings[f.yaml] = v.rest;
      dicts[f.yaml] = v.dumped;
    }
    if (!Object.keys(rest).length) subspace.fail(`${at} sets no setting to search`);
    out.rest.push(rest);
    out.nodeStrings.push(strings);
    out.nodeDicts.push(dicts);
  });
  if (!out.rest.length) node.fail(`${what} needs at least one subspace`);
  return out;
}
