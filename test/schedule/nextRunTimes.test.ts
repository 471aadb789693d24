import * as assert from 'node:assert/strict';
import { parseCron } from '../../tasks/common/jobSpec/cronExpression';
import { parseTriggerTime, type RecurrenceTrigger, type ScheduleTrigger } from '../../tasks/common/jobSpec/scheduleTrigger';
import { nextRunTimes } from '../../tasks/common/schedule/nextRunTimes';

function cron(expression: string, extra: Partial<ScheduleTrigger> = {}): ScheduleTrigger {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { type: 'cron', expression, cron: parsed.fields, timeZone: 'UTC', ...extra } as ScheduleTrigger;
}

function recurrence(extra: Partial<RecurrenceTrigger>): RecurrenceTrigger {
  return { type: 'recurrence', frequency: 'day', interval: 1, hours: [], minutes: [], weekDays: [], monthDays: [], timeZone: 'UTC', ...extra };
}

const time = (text: string) => parseTriggerTime(text)!;
const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace(':00.000Z', 'Z'));

describe('schedule: next run times', () => {
  it('runs a cron expression at its minutes and hours, in UTC by default', () => {
    assert.deepEqual(iso(nextRunTimes(cron('15 */6 * * *'), new Date('2024-05-01T05:00:00Z'), 4)), ['2024-05-01T06:15Z', '2024-05-01T12:15Z', '2024-05-01T18:15Z', '2024-05-02T00:15Z']);
  });

  it('includes a run exactly at the current time and counts from it', () => {
    assert.deepEqual(iso(nextRunTimes(cron('0 * * * *'), new Date('2024-05-01T05:00:00Z'), 2)), ['2024-05-01T05:00Z', '2024-05-01T06:00Z']);
  });

  it('reads the wall clock of the time zone, daylight saving included', () => {
    // Pacific: PST (UTC-8) until 2024-03-10 02:00, PDT (UTC-7) after.
    const trigger = cron('0 9 * * *', { timeZone: 'Pacific Standard Time' });
    assert.deepEqual(iso(nextRunTimes(trigger, new Date('2024-03-09T00:00:00Z'), 3)), ['2024-03-09T17:00Z', '2024-03-10T16:00Z', '2024-03-11T16:00Z']);
  });

  it('runs a wall time the clocks skip when they skip to it, and a repeated one once', () => {
    const spring = cron('30 2 * * *', { timeZone: 'Pacific Standard Time' });
    assert.deepEqual(iso(nextRunTimes(spring, new Date('2024-03-09T12:00:00Z'), 2)), ['2024-03-10T10:30Z', '2024-03-11T09:30Z']);
    const autumn = cron('30 1 * * *', { timeZone: 'Pacific Standard Time' });
    assert.deepEqual(iso(nextRunTimes(autumn, new Date('2024-11-02T12:00:00Z'), 2)), ['2024-11-03T08:30Z', '2024-11-04T09:30Z']);
  });

  it('requires day of month and day of week both (NCRONTAB), with month and day names', () => {
    // Friday the 13th.
    assert.deepEqual(iso(nextRunTimes(cron('0 0 13 * FRI'), new Date('2024-01-01T00:00:00Z'), 2)), ['2024-09-13T00:00Z', '2024-12-13T00:00Z']);
    assert.deepEqual(iso(nextRunTimes(cron('0 12 1 JAN,JUL *'), new Date('2024-02-01T00:00:00Z'), 2)), ['2024-07-01T12:00Z', '2025-01-01T12:00Z']);
  });

  it('starts no earlier than start_time and stops at end_time', () => {
    const trigger = cron('0 8 * * *', { startTime: time('2030-01-01T00:00:00'), endTime: time('2030-01-03T08:00:00'), timeZone: 'W. Europe Standard Time' });
    assert.deepEqual(iso(nextRunTimes(trigger, new Date('2024-01-01T00:00:00Z'), 10)), ['2030-01-01T07:00Z', '2030-01-02T07:00Z', '2030-01-03T07:00Z']);
    assert.deepEqual(nextRunTimes(trigger, new Date('2031-01-01T00:00:00Z'), 10), []);
  });

  it('takes an offset written in start_time as it is', () => {
    const trigger = cron('0 * * * *', { startTime: time('2030-01-01T10:30:00+02:00'), timeZone: 'Pacific Standard Time' });
    assert.deepEqual(iso(nextRunTimes(trigger, new Date('2024-01-01T00:00:00Z'), 1)), ['2030-01-01T09:00Z']);
  });

  it('runs a daily recurrence at every hour and minute of its pattern, from start_time (the azureml-examples file)', () => {
    const trigger = recurrence({ hours: [4, 5, 10, 11, 12], minutes: [0, 30], startTime: time('2022-07-10T10:00:00'), timeZone: 'Pacific Standard Time' });
    const runs = iso(nextRunTimes(trigger, new Date('2022-07-01T00:00:00Z'), 8));
    assert.deepEqual(runs, ['2022-07-10T17:00Z', '2022-07-10T17:30Z', '2022-07-10T18:00Z', '2022-07-10T18:30Z', '2022-07-10T19:00Z', '2022-07-10T19:30Z', '2022-07-11T11:00Z', '2022-07-11T11:30Z']);
  });

  it('skips days, weeks and months by the interval, counted from start_time', () => {
    const everyThirdDay = recurrence({ interval: 3, startTime: time('2024-01-01T06:00:00') });
    assert.deepEqual(iso(nextRunTimes(everyThirdDay, new Date('2024-01-02T00:00:00Z'), 2)), ['2024-01-04T06:00Z', '2024-01-07T06:00Z']);
    const fortnightly = recurrence({ frequency: 'week', interval: 2, weekDays: ['monday', 'thursday'], hours: [6], minutes: [0], startTime: time('2024-01-01T00:00:00') });
    assert.deepEqual(iso(nextRunTimes(fortnightly, new Date('2024-01-01T00:00:00Z'), 4)), ['2024-01-01T06:00Z', '2024-01-04T06:00Z', '2024-01-15T06:00Z', '2024-01-18T06:00Z']);
    const quarterly = recurrence({ frequency: 'month', interval: 3, monthDays: [1, 15], hours: [0], minutes: [0], startTime: time('2024-01-10T00:00:00') });
    assert.deepEqual(iso(nextRunTimes(quarterly, new Date('2024-01-01T00:00:00Z'), 3)), ['2024-01-15T00:00Z', '2024-04-01T00:00Z', '2024-04-15T00:00Z']);
  });

  it('keeps start_time\'s time of day and week day when the pattern names none', () => {
    const weekly = recurrence({ frequency: 'week', startTime: time('2024-01-03T07:45:00') });
    assert.deepEqual(iso(nextRunTimes(weekly, new Date('2024-01-04T00:00:00Z'), 2)), ['2024-01-10T07:45Z', '2024-01-17T07:45Z']);
  });

  it('runs minute and hour recurrences at fixed intervals from start_time, across a DST change', () => {
    const trigger = recurrence({ frequency: 'hour', interval: 5, startTime: time('2024-03-09T22:00:00'), timeZone: 'Pacific Standard Time' });
    assert.deepEqual(iso(nextRunTimes(trigger, new Date('2024-03-10T07:00:00Z'), 3)), ['2024-03-10T11:00Z', '2024-03-10T16:00Z', '2024-03-10T21:00Z']);
    const noStart = recurrence({ frequency: 'minute', interval: 15 });
    assert.deepEqual(iso(nextRunTimes(noStart, new Date('2024-03-10T07:00:00Z'), 2)), ['2024-03-10T07:00Z', '2024-03-10T07:15Z']);
  });

  it('returns nothing for count 0', () => {
    assert.deepEqual(nextRunTimes(cron('* * * * *'), new Date(), 0), []);
  });
});
