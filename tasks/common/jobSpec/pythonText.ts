// azure-ai-ml sends literal inputs as Python's str() of the value PyYAML loaded, so
// `lr: 1.0` goes as "1.0", `flag: true` as "True" and `x: 1e-5` (a string to PyYAML) as "1e-5".
import { isScalar } from 'yaml';
import { PY_INT } from './pyyamlScalars';
import type { YNode } from './yamlSource';

/** Python's repr()/str() of a float: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}e${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || '0'}`;
}

/** str() of the value PyYAML loads for this scalar node (the parser already resolves as PyYAML does). */
export function pythonStr(node: YNode): string {
  const raw = isScalar(node.node) ? node.node.value : null;
  if (raw === null || raw === undefined) return 'None';
  if (typeof raw === 'boolean') return raw ? 'True' : 'False';
  if (typeof raw === 'bigint') return raw.toString();
  if (typeof raw !== 'number') return String(raw);
  const explicit = isScalar(node.node) ? node.node.tag : undefined;
  const isInt = explicit ? explicit.endsWith(':int') : PY_INT.test(node.sourceText ?? '');
  return isInt ? String(raw) : pythonFloat(raw);
}
