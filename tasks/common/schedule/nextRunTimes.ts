// When a schedule will start its next runs: computed from the trigger the task translated, in the trigger's
// time zone with its daylight-saving rules (the platform's IANA data), between start_time and end_time.
// Cron and day/week/month recurrences are wall-clock rules: "02:30" is 02:30 local time whatever the offset.
// A wall time the clocks skip (spring forward) runs when the clocks skip to it, shifted by the gap; a wall time
// that happens twice (fall back) runs once, the first time. Minute and hour recurrences are fixed intervals
// from start_time. Without a start_time a schedule starts when it is created (`from`).
import { ianaTimeZone, type ScheduleTrigger, type TriggerTime, type WeekDay } from "../jobSpec";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far ahead to look for matching days: a leap day on a given week day recurs within 28 years. */
const HORIZON_DAYS = 366 * 29;
const WEEK_DAY_NUMBERS: Record<WeekDay, number> = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 };

/** A wall-clock reading, to the second. */
type Wall = Pick<TriggerTime, "year" | "month" | "day" | "hour" | "minute" | "second">;

/** Wall-clock reading of an instant in a zone. */
class Zone {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly iana: string) {
    this.format = new Intl.DateTimeFormat("en-US", { timeZone: iana, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
  }

  wallOf(instant: number): Wall {
    const parts = Object.fromEntries(this.format.formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]));
    return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
  }

  /** Milliseconds the zone is ahead of UTC at an instant. */
  offsetAt(instant: number): number {
    const whole = instant - (((instant % 1000) + 1000) % 1000);
    return asUtc(this.wallOf(whole)) - whole;
  }

  /** The instant of a wall-clock time: the first of two (fall back), shifted by the gap when skipped (spring forward). */
  instantOf(wall: Wall): number {
    const local = asUtc(wall);
    const candidates = [local - this.offsetAt(local - DAY), local - this.offsetAt(local + DAY)].filter((t) => asUtc(this.wallOf(t)) === local);
    return candidates.length > 0 ? Math.min(...candidates) : local - this.offsetAt(local - DAY);
  }
}

const asUtc = (w: Wall): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

function instantOfTriggerTime(time: TriggerTime, zone: Zone): number {
  const wall = { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
  const base = time.offsetMinutes !== undefined ? asUtc(wall) - time.offsetMinutes * MINUTE : zone.instantOf(wall);
  return base + Math.floor(time.microsecond / 1000);
}

/** Calendar day number (days since 1970-01-01) of a wall date. */
const dayNumber = (w: Pick<Wall, "year" | "month" | "day">): number => Math.floor(Date.UTC(w.year, w.month - 1, w.day) / DAY);

function dateOfDayNumber(n: number): Pick<Wall, "year" | "month" | "day"> & { weekDay: number } {
  const date = new Date(n * DAY);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekDay: date.getUTCDay() };
}

type Day = ReturnType<typeof dateOfDayNumber>;

interface DailyRule {
  /** Whether runs happen on this local day. */
  matches(day: Day, dayNumber: number): boolean;
  /** The wall times of the day's runs, [hour, minute, second]. */
  times: Array<[number, number, number]>;
}

const product = (hours: readonly number[], minutes: readonly number[], second = 0): Array<[number, number, number]> =>
  hours.flatMap((hour) => minutes.map((minute): [number, number, number] => [hour, minute, second]));

/** NCRONTAB: every field must match, day of month and day of week included. */
function cronRule(trigger: Extract<ScheduleTrigger, { type: "cron" }>): DailyRule {
  const { cron } = trigger;
  return {
    matches: (day) => cron.months.includes(day.month) && cron.daysOfMonth.includes(day.day) && cron.daysOfWeek.includes(day.weekDay),
    times: product(cron.hours, cron.minutes),
  };
}

function calendarRecurrenceRule(trigger: Extract<ScheduleTrigger, { type: "recurrence" }>, anchor: Wall): DailyRule {
  const anchorDay = dayNumber(anchor);
  const anchorWeekDay = dateOfDayNumber(anchorDay).weekDay;
  // Without hours and minutes the runs keep start_time's time of day.
  const times = trigger.hours.length > 0 && trigger.minutes.length > 0 ? product(trigger.hours, trigger.minutes) : [[anchor.hour, anchor.minute, anchor.second] as [number, number, number]];
  const weekDays = trigger.weekDays.map((d) => WEEK_DAY_NUMBERS[d]);
  const { interval } = trigger;
  switch (trigger.frequency) {
    case "day":
      return { times, matches: (_day, n) => (n - anchorDay) % interval === 0 };
    case "week": {
      const days = weekDays.length > 0 ? weekDays : [anchorWeekDay];
      // Weeks count from the Sunday of start_time's week.
      const firstSunday = anchorDay - anchorWeekDay;
      return { times, matches: (day, n) => Math.floor((n - firstSunday) / 7) % interval === 0 && days.includes(day.weekDay) };
    }
    default: {
      const monthDays = trigger.monthDays.length > 0 ? trigger.monthDays : weekDays.length > 0 ? [] : [anchor.day];
      const anchorMonth = anchor.year * 12 + anchor.month;
      return {
        times,
        matches: (day) =>
          (day.year * 12 + day.month - anchorMonth) % interval === 0 && (monthDays.length === 0 || monthDays.includes(day.day)) && (weekDays.length === 0 || weekDays.includes(day.weekDay)),
      };
    }
  }
}

/**
 * The next `count` times the schedule starts a run at or after `from` (and at or after start_time, at or before
 * end_time). Fewer when the schedule ends first.
 */
export function nextRunTimes(trigger: ScheduleTrigger, from: Date, count: number): Date[] {
  const zone = new Zone(ianaTimeZone(trigger.timeZone));
  const start = trigger.startTime ? instantOfTriggerTime(trigger.startTime, zone) : from.getTime();
  const end = trigger.endTime ? instantOfTriggerTime(trigger.endTime, zone) : Number.POSITIVE_INFINITY;
  const lower = Math.max(start, from.getTime());
  const runs: number[] = [];
  if (count <= 0 || lower > end) return [];

  if (trigger.type === "recurrence" && (trigger.frequency === "minute" || trigger.frequency === "hour")) {
    const step = trigger.interval * (trigger.frequency === "minute" ? MINUTE : 60 * MINUTE);
    for (let t = start + Math.max(0, Math.ceil((lower - start) / step)) * step; t <= end && runs.length < count; t += step) runs.push(t);
    return runs.map((t) => new Date(t));
  }

  const rule = trigger.type === "cron" ? cronRule(trigger) : calendarRecurrenceRule(trigger, zone.wallOf(start));
  const firstDay = dayNumber(zone.wallOf(lower)) - 1; // the day before: its late runs may fall after `lower` in UTC
  for (let n = firstDay; n <= firstDay + HORIZON_DAYS && runs.length < count; n++) {
    const day = dateOfDayNumber(n);
    if (!rule.matches(day, n)) continue;
    const instants = [...new Set(rule.times.map(([hour, minute, second]) => zone.instantOf({ ...day, hour, minute, second })))].sort((a, b) => a - b);
    for (const t of instants) {
      if (t > end) return runs.map((r) => new Date(r));
      if (t >= lower && (runs.length === 0 || t > runs[runs.length - 1]) && runs.length < count) runs.push(t);
    }
  }
  return runs.map((t) => new Date(t));
}
