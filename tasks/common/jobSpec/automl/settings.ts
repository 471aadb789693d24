// One reader for AutoML's nested settings (limits, training, featurization, forecasting, model
// settings): each field is declared once with its YAML key, REST key and kind, and read into both
// forms azure-ai-ml sends. A standalone job sends the REST model (camelCase, enums by their REST
// value, minutes as ISO durations); a pipeline step sends the schema's dump (the YAML keys, enums in
// their snake_case form, minutes as numbers).
import { isoDuration } from '../commandParts';
import { isBinding } from '../references';
import { checkFields } from '../schema';
import type { YNode } from '../yamlSource';
import { CASINGS, type Casing } from './enums';

export interface EnumKind {
  values: readonly string[];
  casing: Casing;
}

export type Kind = 'str' | 'int' | 'float' | 'bool' | 'strList' | 'strMap' | 'minutes' | 'any' | { enum: EnumKind } | { enumList: EnumKind };

export interface Field {
  yaml: string;
  rest: string;
  kind: Kind;
}

/** A value in both forms: `rest` for the REST model, `node` for a pipeline step's dump. */
export interface Both {
  rest: unknown;
  node: unknown;
}

export interface Settings {
  rest: Record<string, unknown>;
  node: Record<string, unknown>;
}

export const field = (yaml: string, rest: string, kind: Kind): Field => ({ yaml, rest, kind });
export const enumOf = (values: readonly string[], casing: Casing = 'snake'): { enum: EnumKind } => ({ enum: { values, casing } });
export const enumListOf = (values: readonly string[], casing: Casing = 'snake'): { enumList: EnumKind } => ({ enumList: { values, casing } });

/** Options of a read: pipeline steps take ${{parent...}} bindings in any field. */
export interface ReadOptions {
  bindings?: boolean;
}

/** Reads the fields of a settings mapping, refusing unknown ones as azure-ai-ml's schema does. */
export function readSettings(map: YNode, fields: readonly Field[], what: string, options: ReadOptions = {}): Settings {
  checkFields(map, fields.map((f) => f.yaml), what);
  const out: Settings = { rest: {}, node: {} };
  for (const f of fields) {
    const value = map.get(f.yaml);
    if (!value || value.isNull) continue;
    const both = readValue(value, f.kind, `${what}.${f.yaml}`, options);
    // msrest does not send None (a 0-minute timeout has no ISO form).
    if (both.rest !== undefined) out.rest[f.rest] = both.rest;
    out.node[f.yaml] = both.node;
  }
  return out;
}

export function readValue(value: YNode, kind: Kind, what: string, options: ReadOptions = {}): Both {
  if (options.bindings && isBinding(value.scalar)) return { rest: value.scalar, node: value.scalar };
  const same = (v: unknown): Both => ({ rest: v, node: v });
  if (typeof kind === 'object') {
    if ('enum' in kind) return matchEnum(value, kind.enum, what);
    const items = value.items(what).map((item, i) => matchEnum(item, kind.enumList, `${what}[${i}]`));
    return { rest: items.map((i) => i.rest), node: items.map((i) => i.node) };
  }
  switch (kind) {
    case 'str':
      return same(value.str(what));
    case 'int':
      return same(value.int(what));
    case 'float':
      return same(value.num(what));
    case 'bool':
      return same(value.bool(what));
    case 'strList':
      return same(value.items(what).map((item, i) => item.str(`${what}[${i}]`)));
    case 'strMap':
      return same(value.strMap(what));
    case 'minutes': {
      const minutes = value.int(what);
      // to_iso_duration_format_mins sends nothing for 0.
      return { rest: minutes ? isoDuration(minutes * 60) : undefined, node: minutes };
    }
    case 'any':
      return same(value.toJS());
  }
}

/**
 * StringTransformedEnum: the value and the allowed values compared after the casing transform.
 * snake-cased sets are sent by their REST value ("auc_weighted" → "AUCWeighted"); the others as
 * transformed ("SeasonTrend" → "seasontrend").
 */
export function matchEnum(value: YNode, kind: EnumKind, what: string): Both {
  const transform = CASINGS[kind.casing];
  const text = value.str(what);
  const given = transform(text);
  const match = kind.values.find((v) => transform(v) === given);
  if (match === undefined) value.fail(`invalid ${what} '${text}'; allowed: ${kind.values.map(transform).join(', ')}`);
  return { rest: kind.casing === 'snake' ? match : given, node: given };
}
