// When a schedule's trigger is due, on wall-clock time in the trigger's time zone: cron expressions
// (five fields: minute hour day-of-month month day-of-week) and recurrences (Minute, Hour, Day, Week,
// Month every `interval`, at schedule.hours/minutes on schedule.weekDays/monthDays). Triggers fire on
// whole minutes. Time zones are Windows names, as Azure ML takes them (azure-ai-ml's TimeZone enum),
// mapped to IANA zones for Intl; IANA names are accepted too.
import { userError } from './errors';
import type { Properties } from './resources';

/** The Windows time zone names the emulator knows (the common ones of azure-ai-ml's TimeZone), with their IANA zone. */
export const WINDOWS_TIME_ZONES: Record<string, string> = {
  'UTC': 'UTC',
  'Coordinated Universal Time': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'Romance Standard Time': 'Europe/Paris',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'Russian Standard Time': 'Europe/Moscow',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Central Standard Time': 'America/Chicago',
  'Eastern Standard Time': 'America/New_York',
  'Atlantic Standard Time': 'America/Halifax',
  'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'India Standard Time': 'Asia/Kolkata',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Arabian Standard Time': 'Asia/Dubai',
  'South Africa Standard Time': 'Africa/Johannesburg',
};

const MINUTE_MS = 60_000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The IANA zone of a trigger's timeZone (default UTC); a 400 naming the field for one the emulator does not know. */
export function ianaZone(timeZone: unknown): string {
  const name = typeof timeZone === 'string' && timeZone ? timeZone : 'UTC';
  const known = Object.entries(WINDOWS_TIME_ZONES).find(([windows]) => windows.toLowerCase() === name.toLowerCase())?.[1];
  if (known) return known;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    throw userError(`Unknown time zone '${name}' in properties.trigger.timeZone. Use a Windows time zone name such as 'UTC' or 'Pacific Standard Time'.`, 'properties.trigger.timeZone');
  }
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's wall clock at an instant, read with Intl (slow: see wallClock). */
function zoneClock(ms: number, zone: string): WallClock {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'long' });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), weekday: WEEKDAYS.indexOf(parts.weekday) };
}

/** Zones change their offset at whole quarter hours (UTC): one Intl lookup per quarter hour serves its minutes. */
const QUARTER_HOUR_MS = 15 * MINUTE_MS;
const offsets = new Map<string, number>();

function wallClock(ms: number, zone: string): WallClock {
  const quarter = Math.floor(ms / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const key = `${zone}@${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const shown = zoneClock(quarter, zone);
    offset = Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute) - quarter;
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(key, offset);
  }
  const local = new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS + offset);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes(), weekday: local.getUTCDay() };
}

/** A trigger time as the REST API gives it: with an offset it is absolute, without one it is wall-clock time in the zone. */
export function instantOf(value: unknown, zone: string): number | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  if (/(Z|[+-]\d\d:?\d\d)$/i.test(value)) return Date.parse(value);
  const asUtc = Date.parse(`${value}${value.includes('T') ? '' : 'T00:00:00'}Z`);
  if (Number.isNaN(asUtc)) return undefined;
  // The zone's offset at that moment, found by reading the UTC instant's wall clock back.
  const shown = wallClock(asUtc, zone);
  const offset = Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute) - Math.floor(asUtc / MINUTE_MS) * MINUTE_MS;
  return asUtc - offset;
}

/** Days since 1970-01-01 of a wall-clock date. */
function dayNumber(clock: WallClock): number {
  return Math.floor(Date.UTC(clock.year, clock.month - 1, clock.day) / 86_400_000);
}

type Field = Set<number>;

function parseCronField(text: string, min: number, max: number, what: string): Field {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw userError(`Invalid cron expression: '${part}' is not a valid ${what} field.`, 'properties.trigger.expression');
    const from = match[1] === '*' ? min : Number(match[2]);
    const to = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] ? max : from;
    const step = match[4] ? Number(match[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw userError(`Invalid cron expression: '${part}' is out of range for ${what} (${min}-${max}).`, 'properties.trigger.expression');
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

interface Cron {
  minutes: Field;
  hours: Field;
  days: Field;
  months: Field;
  weekdays: Field;
  /** Day of month and day of week both restricted: either matches (as in cron). */
  either: boolean;
}

export function parseCron(expression: unknown): Cron {
  const fields = String(expression ?? '').trim().split(/\s+/);
  if (fields.length !== 5) throw userError(`Invalid cron expression '${String(expression)}': it needs five fields (minute hour day-of-month month day-of-week).`, 'properties.trigger.expression');
  const weekdays = parseCronField(fields[4], 0, 7, 'day-of-week');
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    minutes: parseCronField(fields[0], 0, 59, 'minute'),
    hours: parseCronField(fields[1], 0, 23, 'hour'),
    days: parseCronField(fields[2], 1, 31, 'day-of-month'),
    months: parseCronField(fields[3], 1, 12, 'month'),
    weekdays,
    either: fields[2] !== '*' && fields[4] !== '*',
  };
}

function cronMatches(cron: Cron, clock: WallClock): boolean {
  if (!cron.minutes.has(clock.minute) || !cron.hours.has(clock.hour) || !cron.months.has(clock.month)) return false;
  const day = cron.days.has(clock.day);
  const weekday = cron.weekdays.has(clock.weekday);
  return cron.either ? day || weekday : day && weekday;
}

const FREQUENCIES = ['minute', 'hour', 'day', 'week', 'month'];

/** Checks a trigger as the service does when the schedule is created. */
export function checkTrigger(trigger: Properties): void {
  const zone = ianaZone(trigger.timeZone);
  for (const field of ['startTime', 'endTime']) {
    if (trigger[field] !== undefined && trigger[field] !== null && instantOf(trigger[field], zone) === undefined) throw userError(`properties.trigger.${field} '${trigger[field]}' is not a date-time.`, `properties.trigger.${field}`);
  }
  const start = instantOf(trigger.startTime, zone);
  const end = instantOf(trigger.endTime, zone);
  if (start !== undefined && end !== undefined && end <= start) throw userError('properties.trigger.endTime must be later than startTime.', 'properties.trigger.endTime');
  if (String(trigger.triggerType).toLowerCase() === 'cron') {
    parseCron(trigger.expression);
    return;
  }
  const frequency = String(trigger.frequency ?? '').toLowerCase();
  if (!FREQUENCIES.includes(frequency)) throw userError(`Invalid recurrence frequency '${trigger.frequency}'. Allowed values: Minute, Hour, Day, Week, Month.`, 'properties.trigger.frequency');
  if (!Number.isInteger(trigger.interval) || trigger.interval < 1) throw userError(`Invalid recurrence interval ${JSON.stringify(trigger.interval)}: it must be a whole number of at least 1.`, 'properties.trigger.interval');
  const schedule: Properties | undefined = trigger.schedule ?? undefined;
  if (schedule && !['day', 'week', 'month'].includes(frequency)) throw userError(`A recurrence schedule (hours, minutes, weekDays, monthDays) applies to frequency Day, Week or Month, not ${trigger.frequency}.`, 'properties.trigger.schedule');
  for (const day of schedule?.weekDays ?? []) {
    if (!WEEKDAYS.some((w) => w.toLowerCase() === String(day).toLowerCase())) throw userError(`Invalid week day '${day}' in properties.trigger.schedule.weekDays.`, 'properties.trigger.schedule.weekDays');
  }
  if (frequency === 'week' && schedule && !(schedule.weekDays ?? []).length) throw userError('A weekly recurrence schedule needs weekDays.', 'properties.trigger.schedule.weekDays');
  if (frequency === 'month' && schedule && !(schedule.monthDays ?? []).length) throw userError('A monthly recurrence schedule needs monthDays.', 'properties.trigger.schedule.monthDays');
}

/** Whether a recurrence fires at the minute `clock` shows (`ms` is that minute), counted from its start. */
function recurrenceMatches(trigger: Properties, clock: WallClock, ms: number, start: number, zone: string): boolean {
  const frequency = String(trigger.frequency).toLowerCase();
  const interval = Number(trigger.interval);
  const schedule: Properties | undefined = trigger.schedule ?? undefined;
  if (frequency === 'minute' || frequency === 'hour') {
    const periodMs = (frequency === 'minute' ? 1 : 60) * MINUTE_MS * interval;
    return (ms - Math.floor(start / MINUTE_MS) * MINUTE_MS) % periodMs === 0;
  }
  const first = wallClock(start, zone);
  const hours: number[] = schedule?.hours?.length ? schedule.hours : [first.hour];
  const minutes: number[] = schedule?.minutes?.length ? schedule.minutes : [first.minute];
  if (!hours.includes(clock.hour) || !minutes.includes(clock.minute)) return false;
  if (frequency === 'day') return (dayNumber(clock) - dayNumber(first)) % interval === 0;
  if (frequency === 'week') {
    const weekDays: string[] = schedule?.weekDays?.length ? schedule.weekDays : [WEEKDAYS[first.weekday]];
    if (!weekDays.some((d) => d.toLowerCase() === WEEKDAYS[clock.weekday].toLowerCase())) return false;
    // Weeks counted from the Sunday that starts the start's week.
    const week = (clock: WallClock) => Math.floor((dayNumber(clock) - clock.weekday) / 7);
    return (week(clock) - week(first)) % interval === 0;
  }
  const monthDays: number[] = schedule?.monthDays?.length ? schedule.monthDays : [first.day];
  if (!monthDays.includes(clock.day)) return false;
  return (clock.year * 12 + clock.month - (first.year * 12 + first.month)) % interval === 0;
}

/** Whether the trigger fires at a whole minute (ms); `createdAt` stands in for a missing startTime. */
export function firingTest(trigger: Properties, createdAt: number): (ms: number) => boolean {
  const zone = ianaZone(trigger.timeZone);
  const start = instantOf(trigger.startTime, zone) ?? createdAt;
  const end = instantOf(trigger.endTime, zone);
  const cron = String(trigger.triggerType).toLowerCase() === 'cron' ? parseCron(trigger.expression) : undefined;
  return (ms) => {
    if (ms < start || (end !== undefined && ms > end)) return false;
    const clock = wallClock(ms, zone);
    return cron ? cronMatches(cron, clock) : recurrenceMatches(trigger, clock, ms, start, zone);
  };
}

/** A year of minutes: how far back a clock jump is searched for the latest missed firing. */
const SEARCH_LIMIT_MINUTES = 366 * 24 * 60;

/** The latest whole minute in (after, upTo] at which the trigger fires, if any. */
export function latestFiring(trigger: Properties, after: number, upTo: number, createdAt: number): number | undefined {
  const fires = firingTest(trigger, createdAt);
  let minute = Math.floor(upTo / MINUTE_MS) * MINUTE_MS;
  for (let steps = 0; minute > after && steps < SEARCH_LIMIT_MINUTES; steps++, minute -= MINUTE_MS) {
    if (fires(minute)) return minute;
  }
  return undefined;
}
