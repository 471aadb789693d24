import * as assert from 'node:assert/strict';
import { failureDelayMs, MAX_FAILURE_DELAY_MS } from '../../tasks/common/azure/pollFailures';
import { armPollDelayMs, MAX_ARM_READS_PER_MINUTE, UNSCHEDULED_ARM_READS } from '../../tasks/common/workspace/jobWait/pollSchedule';

/** Read times of the schedule over `minutes`, starting with a read at 0. */
function readTimes(minutes: number): number[] {
  const times: number[] = [];
  for (let t = 0; t < minutes * 60_000; t += armPollDelayMs(t)) times.push(t);
  return times;
}

describe('job: poll schedule', () => {
  it('polls quickly at first and more gently later', () => {
    assert.ok(armPollDelayMs(0) <= 3_000);
    assert.ok(armPollDelayMs(2 * 60_000) > armPollDelayMs(30_000));
    assert.ok(armPollDelayMs(60 * 60_000) >= 30_000);
  });

  for (const minutes of [1, 2, 5, 30]) {
    it(`stays within ${MAX_ARM_READS_PER_MINUTE} ARM reads per job-minute for a ${minutes}-minute job, in any minute`, () => {
      const times = readTimes(minutes);
      const budget = MAX_ARM_READS_PER_MINUTE - UNSCHEDULED_ARM_READS;
      assert.ok(times.length <= budget * minutes, `${times.length} reads`);
      for (const start of times) {
        assert.ok(times.filter((t) => t >= start && t < start + 60_000).length <= budget);
      }
    });
  }

  it('waits at least as long as Retry-After asks', () => {
    assert.equal(armPollDelayMs(0, 45_000), 45_000);
    assert.equal(armPollDelayMs(10 * 60_000, 1_000), armPollDelayMs(10 * 60_000));
  });

  it('backs off after failures to a cap of a few seconds, so the end of an outage is noticed within it', () => {
    assert.deepEqual([1, 2, 3, 4, 50].map((n) => failureDelayMs(n)), [1_000, 2_000, 3_000, 3_000, 3_000]);
    assert.equal(MAX_FAILURE_DELAY_MS, 3_000);
  });

  it('after a failure waits exactly as long as Retry-After asks, shorter or longer than the back-off, up to a minute', () => {
    assert.equal(failureDelayMs(3, 500), 500);
    assert.equal(failureDelayMs(1, 7_000), 7_000);
    assert.equal(failureDelayMs(1, 3_600_000), 60_000);
  });
});
