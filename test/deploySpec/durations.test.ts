// jobSpec's isoDuration, which deployments use for milliseconds too: isodate.duration_isoformat output.
import * as assert from 'node:assert/strict';
import { isoDuration } from '../../tasks/common/jobSpec/commandParts';

describe('deploySpec: ISO 8601 durations as isodate prints a timedelta', () => {
  it('prints whole and fractional seconds without float noise', () => {
    // Expected values are Python's isodate.duration_isoformat(timedelta(...)).
    const cases: Array<[number, string]> = [
      [0, 'P0D'],
      [0.5, 'PT0.5S'],
      [0.001, 'PT0.001S'],
      [3, 'PT3S'],
      [61.001, 'PT1M1.001S'],
      [90, 'PT1M30S'],
      [3600, 'PT1H'],
      [86400 + 1800, 'P1DT30M'],
      [90061.25, 'P1DT1H1M1.25S'],
      [7200.000001, 'PT2H0.000001S'],
    ];
    for (const [seconds, iso] of cases) assert.equal(isoDuration(seconds), iso, `${seconds} s`);
  });
});
