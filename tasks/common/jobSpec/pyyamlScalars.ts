// Plain-scalar resolution exactly as PyYAML's SafeLoader does it (azure-ai-ml, and so az ml, loads
// job files with PyYAML). The `yaml` package's YAML 1.1 schema differs in corners that matter for
// job files: it reads `code: .` as NaN, `1e-5` as a number and `0o17` as 15, where PyYAML reads
// strings. test/fixtures/pyyaml-scalars.json (made by scripts/goldens/scalars.py) is the reference.
import type { ScalarTag } from 'yaml';

// PyYAML's implicit resolvers (yaml/resolver.py), anchored.
export const PY_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
export const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_TIMESTAMP =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

/** Base-60 parts ("1:20:30") as PyYAML sums them. */
function sexagesimal(text: string, parse: (part: string) => number): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const parts = text.replace(/^[-+]/, '').split(':').map(parse).reverse();
  return sign * parts.reduce((sum, part, i) => sum + part * 60 ** i, 0);
}

/** construct_yaml_int: 0b binary, 0x hex, leading 0 octal, base 60, else decimal. */
export function pythonInt(source: string): number | bigint {
  const text = source.replace(/_/g, '');
  const sign = text.startsWith('-') ? -1n : 1n;
  const digits = text.replace(/^[-+]/, '');
  let value: bigint;
  if (digits === '0') value = 0n;
  else if (digits.startsWith('0b')) value = BigInt(digits);
  else if (digits.startsWith('0x')) value = BigInt(digits);
  else if (digits.startsWith('0')) value = BigInt(`0o${digits.slice(1)}`);
  else if (digits.includes(':')) return Number(sign) * sexagesimal(digits, Number);
  else value = BigInt(digits);
  const signed = sign * value;
  return Number.isSafeInteger(Number(signed)) ? Number(signed) : signed;
}

/** construct_yaml_float. */
export function pythonFloatValue(source: string): number {
  const text = source.replace(/_/g, '').toLowerCase();
  if (/^[-+]?\.inf$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (text === '.nan') return NaN;
  if (text.includes(':')) return sexagesimal(text, Number);
  return Number(text);
}

/**
 * str() of a date or datetime PyYAML constructs ("2023-01-15", "2023-01-15 10:20:30+00:00").
 * Timestamps are kept as that text: azure-ai-ml only ever passes them on as str().
 */
export function pythonTimestampText(source: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d*))?(?:[ \t]*(Z|[-+]\d{1,2}(?::\d{2})?))?)?$/.exec(source);
  if (!m) return source;
  const two = (s: string): string => s.padStart(2, '0');
  const date = `${m[1]}-${two(m[2])}-${two(m[3])}`;
  if (m[4] === undefined) return date;
  const fraction = m[7] ? `.${m[7].slice(0, 6).padEnd(6, '0')}` : '';
  let zone = '';
  if (m[8] === 'Z') zone = '+00:00';
  else if (m[8]) {
    const [hours, minutes = '00'] = m[8].slice(1).split(':');
    zone = `${m[8][0]}${two(hours)}:${minutes}`;
  }
  return `${date} ${two(m[4])}:${m[5]}:${m[6]}${fraction}${zone}`;
}

const tag = (name: string): string => `tag:yaml.org,2002:${name}`;

/** The implicit int, float, bool and timestamp rules of PyYAML, replacing the `yaml` package's 1.1 ones. */
export const PYYAML_TAGS: ScalarTag[] = [
  {
    identify: (value) => typeof value === 'boolean',
    default: true,
    tag: tag('bool'),
    test: PY_BOOL,
    resolve: (text) => /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(text),
  },
  {
    identify: (value) => typeof value === 'bigint' || Number.isInteger(value),
    default: true,
    tag: tag('int'),
    test: PY_INT,
    resolve: (text) => pythonInt(text),
  },
  {
    identify: (value) => typeof value === 'number',
    default: true,
    tag: tag('float'),
    test: PY_FLOAT,
    resolve: (text) => pythonFloatValue(text),
  },
  {
    identify: () => false,
    default: true,
    tag: tag('timestamp'),
    test: PY_TIMESTAMP,
    resolve: (text) => pythonTimestampText(text),
  },
];

/** `!!int 7` / `!!float 1`: explicit tags resolve any text, as PyYAML's constructors do. */
const EXPLICIT_TAGS: ScalarTag[] = [
  { identify: () => false, tag: tag('int'), resolve: (text) => pythonInt(text.trim()) },
  { identify: () => false, tag: tag('float'), resolve: (text) => pythonFloatValue(text.trim()) },
];

const REPLACED = new Set(PYYAML_TAGS.map((t) => t.tag));
/** The `yaml` package's 1.1 tags with PyYAML's scalar rules in place of its own. */
export function pyyamlTags(tags: Array<ScalarTag | { tag: string }>): Array<ScalarTag | { tag: string }> {
  return [...tags.filter((t) => !REPLACED.has(t.tag)), ...PYYAML_TAGS, ...EXPLICIT_TAGS];
}
