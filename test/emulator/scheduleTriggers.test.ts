import { strict as assert } from 'node:assert';
import { ianaZone, instantOf, latestFiring } from '../../emulator/src/arm/scheduleTriggers';

const at = (iso: string) => Date.parse(iso);

describe('emulator schedules: when triggers are due', () => {
  it('maps Windows time zone names to IANA zones, and refuses unknown names', () => {
    assert.equal(ianaZone(undefined), 'UTC');
    assert.equal(ianaZone('pacific standard time'), 'America/Los_Angeles');
    assert.equal(ianaZone('Europe/Paris'), 'Europe/Paris');
    assert.throws(() => ianaZone('Atlantis Standard Time'), /Unknown time zone 'Atlantis Standard Time'/);
  });

  it('reads times without an offset as wall-clock time in the zone, daylight saving included', () => {
    assert.equal(instantOf('2026-01-15T03:00:00', 'America/Los_Angeles'), at('2026-01-15T11:00:00Z'));
    assert.equal(instantOf('2026-07-15T03:00:00', 'America/Los_Angeles'), at('2026-07-15T10:00:00Z'));
    assert.equal(instantOf('2026-07-15', 'UTC'), at('2026-07-15T00:00:00Z'));
    assert.equal(instantOf('2026-07-15T03:00:00+02:00', 'America/Los_Angeles'), at('2026-07-15T01:00:00Z'));
  });

  it('fires a cron at local time across a daylight saving change', () => {
    const trigger = { triggerType: 'Cron', expression: '0 3 * * *', timeZone: 'Pacific Standard Time' };
    const created = at('2026-01-01T00:00:00Z');
    assert.equal(latestFiring(trigger, at('2026-03-07T00:00:00Z'), at('2026-03-07T23:59:00Z'), created), at('2026-03-07T11:00:00Z'));
    // Daylight saving time starts on 2026-03-08 in the US: 03:00 local is 10:00 UTC from then on.
    assert.equal(latestFiring(trigger, at('2026-03-09T00:00:00Z'), at('2026-03-09T23:59:00Z'), created), at('2026-03-09T10:00:00Z'));
  });

  it('treats day of month and day of week, both restricted, as either', () => {
    // The 13th, or any Friday: 2026-02-06 is a Friday, 2026-02-13 is one too, 2026-02-10 is neither.
    const trigger = { triggerType: 'Cron', expression: '0 12 13 * 5' };
    const created = at('2026-01-01T00:00:00Z');
    assert.equal(latestFiring(trigger, at('2026-02-06T00:00:00Z'), at('2026-02-06T23:00:00Z'), created), at('2026-02-06T12:00:00Z'));
    assert.equal(latestFiring(trigger, at('2026-02-10T00:00:00Z'), at('2026-02-10T23:00:00Z'), created), undefined);
  });

  it('counts monthly and minute recurrences from their start', () => {
    const monthly = { triggerType: 'Recurrence', frequency: 'Month', interval: 2, schedule: { hours: [6], minutes: [30], monthDays: [1] }, startTime: '2026-01-01T00:00:00Z' };
    const created = at('2025-12-01T00:00:00Z');
    assert.equal(latestFiring(monthly, at('2026-01-02T00:00:00Z'), at('2026-02-28T00:00:00Z'), created), undefined);
    assert.equal(latestFiring(monthly, at('2026-02-28T00:00:00Z'), at('2026-03-31T00:00:00Z'), created), at('2026-03-01T06:30:00Z'));
    const everySeven = { triggerType: 'Recurrence', frequency: 'Minute', interval: 7, startTime: '2026-01-01T00:00:00Z' };
    assert.equal(latestFiring(everySeven, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:20:00Z'), created), at('2026-01-01T00:14:00Z'));
  });
});
