// A schedule's cron trigger: the five-field NCRONTAB expression Azure ML's scheduler takes (minute hour
// day-of-month month day-of-week), checked here so a typo fails the step with the field named instead of
// coming back as a bare 400 from the service. Each field: *, a value, a range a-b, a list a,b and a step
// (*/n, a-b/n, a/n); months and week days also by their three-letter English names.

export interface CronFields {
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: readonly number[];
  months: readonly number[];
  /** 0 = Sunday. */
  daysOfWeek: readonly number[];
}

interface FieldRule {
  name: keyof CronFields;
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const RULES: readonly FieldRule[] = [
  { name: 'minutes', label: 'minute', min: 0, max: 59 },
  { name: 'hours', label: 'hour', min: 0, max: 23 },
  { name: 'daysOfMonth', label: 'day of month', min: 1, max: 31 },
  { name: 'months', label: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'daysOfWeek', label: 'day of week', min: 0, max: 6, names: DAY_NAMES },
];

/** Why an expression is not a valid cron expression (the message names the field), or the fields it allows. */
export type CronParse = { ok: true; fields: CronFields } | { ok: false; problem: string };

const HELP = "expected five fields 'minute hour day-of-month month day-of-week', e.g. '0 3 * * 1' (03:00 every Monday)";

export function parseCron(expression: string): CronParse {
  const parts = expression.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5) return { ok: false, problem: `has ${parts.length} field(s); ${HELP}` };
  const fields: Partial<Record<keyof CronFields, number[]>> = {};
  for (const [i, rule] of RULES.entries()) {
    const parsed = parseField(parts[i], rule);
    if (typeof parsed === 'string') return { ok: false, problem: `${rule.label} field '${parts[i]}': ${parsed}` };
    fields[rule.name] = parsed;
  }
  return { ok: true, fields: fields as CronFields };
}

/** The values a field allows, or why it is invalid. */
function parseField(text: string, rule: FieldRule): number[] | string {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return 'empty list item';
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) return `'${item}' has more than one '/'`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `step '${stepText}' must be a whole number of at least 1`;
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*') {
      [low, high] = [rule.min, rule.max];
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) return `'${range}' is not a value or a range a-b`;
      const numbers = bounds.map((bound) => value(bound, rule));
      const bad = numbers.find((n): n is string => typeof n === 'string');
      if (bad !== undefined) return bad;
      [low, high] = [numbers[0] as number, (numbers[1] ?? (stepText !== undefined ? rule.max : numbers[0])) as number];
      if (low > high) return `range ${range} runs backwards`;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function value(text: string, rule: FieldRule): number | string {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return rule.name === 'months' ? named + 1 : named;
  if (!/^\d+$/.test(text)) {
    return `'${text}' is not a number${rule.names ? ` or a name (${rule.names.join(', ')})` : ''}`;
  }
  const n = Number(text);
  if (n < rule.min || n > rule.max) return `${n} is outside ${rule.min}-${rule.max}`;
  return n;
}
