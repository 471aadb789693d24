// A schedule's `trigger:` (azure-ai-ml _schema/schedule/trigger.py) → the REST trigger
// (CronTrigger / RecurrenceTrigger of api-version 2023-04-01) as azure-ai-ml 1.4.0 builds it, plus the typed
// trigger the task computes run times from. Start and end times are wall-clock times in time_zone.
import { parseCron, type CronFields } from './cronExpression';
import { checkFields, closest, oneOf } from './schema';
import { AZURE_TIME_ZONES, azureTimeZone } from './timeZones';
import { parseYaml, type YNode } from './yamlSource';

export const RECURRENCE_FREQUENCIES = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type RecurrenceFrequency = (typeof RECURRENCE_FREQUENCIES)[number];
/** WeekDay of the REST model, as azure-ai-ml sends them (lower case). */
export const WEEK_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** A date and time as written (no offset: a wall-clock time in the trigger's time zone). */
export interface TriggerTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  /** Minutes east of UTC when the text carries an offset (Z, +02:00). */
  offsetMinutes?: number;
}

interface TriggerCommon {
  /** An Azure (Windows) time zone name; UTC by default. */
  timeZone: string;
  startTime?: TriggerTime;
  endTime?: TriggerTime;
}

export interface CronTrigger extends TriggerCommon {
  type: 'cron';
  expression: string;
  cron: CronFields;
}

export interface RecurrenceTrigger extends TriggerCommon {
  type: 'recurrence';
  frequency: RecurrenceFrequency;
  interval: number;
  hours: number[];
  minutes: number[];
  weekDays: WeekDay[];
  monthDays: number[];
}

export type ScheduleTrigger = CronTrigger | RecurrenceTrigger;

const COMMON_FIELDS = ['type', 'start_time', 'end_time', 'time_zone'];
const CRON_FIELDS = [...COMMON_FIELDS, 'expression'];
const RECURRENCE_FIELDS = [...COMMON_FIELDS, 'frequency', 'interval', 'schedule'];
const PATTERN_FIELDS = ['hours', 'minutes', 'week_days', 'month_days'];

// marshmallow's from_iso_datetime: date, T or space, hh:mm[:ss[.fraction]], optional Z or ±hh[:]mm.
const ISO_DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

export function parseTriggerTime(text: string): TriggerTime | undefined {
  const match = ISO_DATETIME.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const microsecond = Number((match[7] ?? '').padEnd(6, '0'));
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const time: TriggerTime = { year, month, day, hour, minute, second, microsecond };
  const zone = match[8];
  if (zone) {
    const digits = zone === 'Z' ? '0000' : zone.slice(1).replace(':', '').padEnd(4, '0');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    time.offsetMinutes = zone.startsWith('-') ? -minutes : minutes;
  }
  return time;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** Python's str(datetime), which is what azure-ai-ml sends for a start or end time: "2022-07-10 10:00:00". */
export function pythonDateTimeText(t: TriggerTime): string {
  let text = `${t.year}-${two(t.month)}-${two(t.day)} ${two(t.hour)}:${two(t.minute)}:${two(t.second)}`;
  if (t.microsecond) text += `.${String(t.microsecond).padStart(6, '0')}`;
  if (t.offsetMinutes !== undefined) {
    const sign = t.offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(t.offsetMinutes);
    text += `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  }
  return text;
}

/** A comparable instant for two trigger times in the same zone (wall-clock minutes; offsets applied when given). */
function sortKey(t: TriggerTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - (t.offsetMinutes ?? 0) * 60_000 + t.microsecond / 1000;
}

function triggerTime(node: YNode, field: string): TriggerTime {
  const text = node.kind === 'string' ? node.str(field) : undefined;
  const parsed = text !== undefined ? parseTriggerTime(text) : undefined;
  if (!parsed) node.fail(`${field} must be an ISO 8601 date and time such as "2024-01-15T09:00:00" (in time_zone), not ${text !== undefined ? `'${text}'` : node.kind}`);
  return parsed;
}

/** An int or a list of ints, each within min-max (the pattern's UnionField of Int and List(Int)). */
function intList(node: YNode, field: string, min: number, max: number): number[] {
  const items = node.kind === 'sequence' ? node.items(field) : [node];
  return items.map((item) => {
    const n = item.int(field);
    if (n < min || n > max) item.fail(`${field} value ${n} is outside ${min}-${max}`);
    return n;
  });
}

function weekDays(node: YNode): WeekDay[] {
  const items = node.kind === 'sequence' ? node.items('week_days') : [node];
  return items.map((item) => oneOf(item, WEEK_DAYS, 'week day'));
}

function translateTimes(trigger: YNode): { rest: Record<string, unknown>; common: TriggerCommon } {
  const rest: Record<string, unknown> = {};
  const common: TriggerCommon = { timeZone: 'UTC' };
  const start = trigger.get('start_time');
  if (start && !start.isNull) {
    common.startTime = triggerTime(start, 'start_time');
    rest.startTime = pythonDateTimeText(common.startTime);
  }
  const end = trigger.get('end_time');
  if (end && !end.isNull) {
    common.endTime = triggerTime(end, 'end_time');
    rest.endTime = pythonDateTimeText(common.endTime);
    if (common.startTime && sortKey(common.endTime) <= sortKey(common.startTime)) end.fail(`end_time ${rest.endTime} is not after start_time ${rest.startTime}`);
  }
  const zone = trigger.get('time_zone');
  if (zone && !zone.isNull) {
    const written = zone.str('time_zone');
    const accepted = azureTimeZone(written);
    if (accepted === undefined) {
      const hint = closest(written, AZURE_TIME_ZONES);
      return zone.fail(`time_zone '${written}' is not a time zone Azure ML accepts${hint ? ` (did you mean '${hint}'?)` : ''}; use a Windows time zone name such as 'UTC', 'Pacific Standard Time' or 'W. Europe Standard Time'`);
    }
    common.timeZone = accepted;
  }
  // TriggerBase defaults time_zone to TimeZone.UTC, so azure-ai-ml always sends one.
  rest.timeZone = common.timeZone;
  return { rest, common };
}

export interface TriggerTranslation {
  rest: Record<string, unknown>;
  trigger: ScheduleTrigger;
  warnings: string[];
}

export function translateTrigger(trigger: YNode): TriggerTranslation {
  const warnings: string[] = [];
  if (trigger.kind !== 'mapping') trigger.fail(`trigger must be a mapping with type cron or recurrence, not ${trigger.kind}`);
  const type = oneOf(trigger.require('type', 'trigger'), ['cron', 'recurrence'] as const, 'trigger type');
  checkFields(trigger, type === 'cron' ? CRON_FIELDS : RECURRENCE_FIELDS, `${type} trigger`);
  const { rest, common } = translateTimes(trigger);
  if (type === 'cron') {
    const node = trigger.require('expression', 'cron trigger');
    const expression = node.str('expression');
    const parsed = parseCron(expression);
    if (!parsed.ok) return node.fail(`cron expression '${expression}' ${parsed.problem}`);
    return { rest: { ...rest, triggerType: 'Cron', expression }, trigger: { ...common, type, expression, cron: parsed.fields }, warnings };
  }
  const frequency = oneOf(trigger.require('frequency', 'recurrence trigger'), RECURRENCE_FREQUENCIES, 'frequency');
  const intervalNode = trigger.require('interval', 'recurrence trigger');
  const interval = intervalNode.int('interval');
  if (interval < 1) intervalNode.fail(`interval must be at least 1, not ${interval}`);
  const pattern = trigger.get('schedule');
  let hours: number[] = [];
  let minutes: number[] = [];
  let days: WeekDay[] = [];
  let monthDays: number[] = [];
  // RecurrenceTrigger creates an empty pattern when none is given: the REST model requires one.
  const schedule: Record<string, unknown> = { hours, minutes };
  if (pattern && !pattern.isNull) {
    checkFields(pattern, PATTERN_FIELDS, 'recurrence schedule');
    hours = intList(pattern.require('hours', 'recurrence schedule'), 'hours', 0, 23);
    minutes = intList(pattern.require('minutes', 'recurrence schedule'), 'minutes', 0, 59);
    Object.assign(schedule, { hours, minutes });
    if (pattern.has('week_days')) {
      days = weekDays(pattern.require('week_days', 'recurrence schedule'));
      if (frequency !== 'week' && frequency !== 'month') pattern.require('week_days', 'recurrence schedule').fail(`week_days applies to frequency week or month, not ${frequency}`);
      schedule.weekDays = days;
    }
    if (pattern.has('month_days')) {
      const node = pattern.require('month_days', 'recurrence schedule');
      monthDays = intList(node, 'month_days', 1, 31);
      if (frequency !== 'month') node.fail(`month_days applies to frequency month, not ${frequency}`);
      schedule.monthDays = monthDays;
    }
    if ((frequency === 'minute' || frequency === 'hour') && (hours.length > 0 || minutes.length > 0)) {
      warnings.push(`${pattern.where}: the hours and minutes of a recurrence schedule apply to frequency day, week or month; with frequency ${frequency} the runs are every ${interval} ${frequency}(s) from start_time`);
    }
  }
  return {
    rest: { ...rest, triggerType: 'Recurrence', frequency, interval, schedule },
    trigger: { ...common, type, frequency, interval, hours, minutes, weekDays: days, monthDays },
    warnings,
  };
}

/**
 * The trigger of a schedule read from Azure ML (REST shape), read with the same rules as a YAML trigger (so run
 * times of `show`, `enable` and an unchanged schedule come from one parser). Errors name `origin`.
 */
export function triggerFromRest(rest: Record<string, unknown>, origin: string): ScheduleTrigger {
  const pattern = (rest.schedule ?? undefined) as Record<string, unknown> | undefined;
  const snake: Record<string, unknown> = {
    type: String(rest.triggerType ?? '').toLowerCase(),
    ...(rest.expression !== undefined ? { expression: rest.expression } : {}),
    ...(rest.frequency !== undefined ? { frequency: String(rest.frequency).toLowerCase(), interval: rest.interval } : {}),
    ...(pattern ? { schedule: { hours: pattern.hours ?? [], minutes: pattern.minutes ?? [], ...(pattern.weekDays ? { week_days: (pattern.weekDays as string[]).map((d) => d.toLowerCase()) } : {}), ...(pattern.monthDays ? { month_days: pattern.monthDays } : {}) } } : {}),
    ...(rest.startTime ? { start_time: String(rest.startTime) } : {}),
    ...(rest.endTime ? { end_time: String(rest.endTime) } : {}),
    ...(rest.timeZone ? { time_zone: rest.timeZone } : {}),
  };
  return translateTrigger(parseYaml(JSON.stringify(snake), origin).root()).trigger;
}
