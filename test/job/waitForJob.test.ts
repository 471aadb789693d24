import * as assert from 'node:assert/strict';
import { RestError } from '@azure/core-rest-pipeline';
import { ArmRequestError } from '../../tasks/common/azure/armErrors';
import { LogStreamer } from '../../tasks/common/workspace/jobWait/logStreamer';
import { isTransient } from '../../tasks/common/azure/pollFailures';
import { waitForJob } from '../../tasks/common/workspace/jobWait/waitForJob';
import { FakeClock, FakeRunHistory, fakeWorkspaceApi, jobResource, NO_ANSWER, throttled } from './fakes';

async function submitted(api: ReturnType<typeof fakeWorkspaceApi>, name = 'job1'): Promise<void> {
  await api.createJob(name, { properties: { jobType: 'Command' } });
}

describe('job: waiting for the job', () => {
  it('prints each status transition once and returns the final status', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'NotStarted'], [5_000, 'Queued'], [30_000, 'Running'], [170_000, 'Completed']] });
    await submitted(api);
    const log: string[] = [];
    const outcome = await waitForJob({ api, jobName: 'job1', log: (m) => log.push(m), now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.status, 'Completed');
    assert.equal(outcome.timedOut, false);
    assert.deepEqual(log, ["Job 'job1' status: NotStarted", "Job 'job1' status: Queued", "Job 'job1' status: Running", "Job 'job1' status: Completed"]);
  });

  it('makes at most 12 ARM reads per job-minute over a 10-minute job', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running'], [600_000, 'Completed']] });
    await submitted(api);
    const outcome = await waitForJob({ api, jobName: 'job1', log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.status, 'Completed');
    assert.ok(outcome.armReads <= 12 * 10, `${outcome.armReads} reads`);
    assert.ok(clock.time - 600_000 <= 30_000, 'the end is noticed within one poll interval');
  });

  it('survives throttling, server errors, connection resets and an expired token without losing the job', async () => {
    const clock = new FakeClock();
    const reset = new RestError('read ECONNRESET', { code: RestError.REQUEST_SEND_ERROR });
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running'], [20_000, 'Completed']], readFailures: [undefined, throttled(429), throttled(503), reset, throttled(401)] });
    await submitted(api);
    const log: string[] = [];
    const outcome = await waitForJob({ api, jobName: 'job1', log: (m) => log.push(m), now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.status, 'Completed');
    assert.equal(log.filter((m) => /retrying in/.test(m)).length, 4);
    assert.equal(log.filter((m) => /status: Completed/.test(m)).length, 1, 'the end is reported once');
  });

  it('fails at once on an error the user must fix', async () => {
    const clock = new FakeClock();
    const forbidden = new ArmRequestError({ status: 403, code: 'AuthorizationFailed', message: 'no access', details: [] });
    const api = fakeWorkspaceApi({ clock, readFailures: [forbidden] });
    await submitted(api);
    await assert.rejects(waitForJob({ api, jobName: 'job1', log: () => undefined, now: clock.now, sleep: clock.sleep }), /no access/);
    assert.equal(api.getJob.callCount, 1);
  });

  it('classifies failures: 401/408/429/5xx and network errors are transient, 400/403/404 are not', () => {
    for (const status of [401, 408, 429, 500, 503]) assert.equal(isTransient(throttled(status)), true, String(status));
    for (const status of [400, 403, 404]) assert.equal(isTransient(throttled(status)), false, String(status));
    assert.equal(isTransient(new RestError('socket hang up', { code: RestError.REQUEST_SEND_ERROR })), true);
  });

  for (const stalled of ['Paused', 'NotResponding', 'Unknown']) {
    it(`says what ${stalled} means and gives up when the job stays ${stalled} past the bound, with no timeout set`, async () => {
      const clock = new FakeClock();
      const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running'], [20_000, stalled]] });
      await submitted(api);
      const log: string[] = [];
      const outcome = await waitForJob({ api, jobName: 'job1', stalledLimitMs: 300_000, log: (m) => log.push(m), now: clock.now, sleep: clock.sleep });
      assert.equal(outcome.stalled, true);
      assert.equal(outcome.timedOut, false);
      assert.equal(outcome.status, stalled);
      assert.ok(clock.time >= 320_000 && clock.time <= 320_000 + 30_000, `gave up at ${clock.time} ms`);
      assert.match(log.join('\n'), new RegExp(`status: ${stalled} \\(Azure ML [^)]*; the step fails if it stays ${stalled} for 5 minute\\(s\\)\\)`));
    });
  }

  it('keeps waiting for a job that leaves Paused within the bound', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Paused'], [100_000, 'Running'], [200_000, 'Paused'], [350_000, 'Completed']] });
    await submitted(api);
    const outcome = await waitForJob({ api, jobName: 'job1', stalledLimitMs: 180_000, log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.status, 'Completed');
    assert.equal(outcome.stalled, undefined);
  });

  it('stops at timeoutMinutes with the job still running', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running']] });
    await submitted(api);
    const outcome = await waitForJob({ api, jobName: 'job1', timeoutMs: 120_000, log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.timedOut, true);
    assert.equal(outcome.status, 'Running');
    assert.equal(clock.time, 120_000);
  });

  it('streams logs between ARM reads and reads ARM at once when run history shows the end', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running'], [130_000, 'Completed']] });
    await submitted(api);
    const history = new FakeRunHistory();
    history.runs.set('job1', { status: 'Running', files: { 'user_logs/std_log.txt': 'sas://std', 'system_logs/x.txt': 'sas://sys' } });
    history.logs.set('sas://std', 'epoch 1\nepoch 2\n');
    history.logs.set('sas://sys', 'never shown\n');
    const printed: string[] = [];
    const streamer = new LogStreamer(history, 'command', (line) => printed.push(line));
    const sleep = async (ms: number, signal?: AbortSignal) => {
      await clock.sleep(ms, signal);
      if (clock.time >= 60_000) history.logs.set('sas://std', 'epoch 1\nepoch 2\nepoch 3\ndone');
      if (clock.time >= 130_000) history.runs.get('job1')!.status = 'Completed';
    };
    const outcome = await waitForJob({ api, jobName: 'job1', streamer, log: () => undefined, now: clock.now, sleep });
    assert.equal(outcome.status, 'Completed');
    assert.deepEqual(printed, ['Streaming user_logs/std_log.txt', 'epoch 1', 'epoch 2', 'epoch 3', 'done']);
    assert.ok(clock.time - 130_000 <= 2_000, `end noticed ${clock.time - 130_000} ms late`);
  });

  it('announces the end after the last log lines, which arrive only once the job has ended', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running'], [40_000, 'Completed']] });
    await submitted(api);
    const history = new FakeRunHistory();
    history.runs.set('job1', { status: 'Running', files: { 'user_logs/std_log.txt': 'sas://std' } });
    history.logs.set('sas://std', 'epoch 1\n');
    const out: string[] = [];
    const streamer = new LogStreamer(history, 'command', (line) => out.push(line));
    // Run history lags ARM: the final lines land only once ARM has said Completed (as under load on a busy agent).
    const readJob = api.getJob;
    const lagging = Object.assign(Object.create(api), {
      getJob: async (...args: Parameters<typeof readJob>) => {
        const read = await readJob(...args);
        if (read.job?.properties.status === 'Completed') history.logs.set('sas://std', 'epoch 1\nepoch 2\ntest_accuracy 0.9\n');
        return read;
      },
    }) as typeof api;
    const outcome = await waitForJob({ api: lagging, jobName: 'job1', streamer, log: (m) => out.push(m), now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.status, 'Completed');
    assert.deepEqual(out.slice(-3), ['epoch 2', 'test_accuracy 0.9', "Job 'job1' status: Completed"]);
  });

  it('reports a job deleted while waiting', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock });
    await assert.rejects(waitForJob({ api, jobName: 'gone', log: () => undefined, now: clock.now, sleep: clock.sleep }), /no longer exists/);
  });

  it('returns the job resource it read last', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, existing: jobResource('old', 'Failed') });
    const outcome = await waitForJob({ api, jobName: 'old', log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.job?.name, 'old');
    assert.equal(outcome.status, 'Failed');
  });

  it('prints the statuses run history shows between ARM reads, never stepping back', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Queued'], [60_000, 'Preparing'], [90_000, 'Completed']] });
    await submitted(api);
    const history = new FakeRunHistory();
    history.runs.set('job1', { status: 'Queued', files: {} });
    const sleep = async (ms: number, signal?: AbortSignal) => {
      await clock.sleep(ms, signal);
      history.runs.get('job1')!.status = clock.time >= 80_000 ? 'Completed' : clock.time >= 30_000 ? 'Running' : 'Queued';
    };
    const log: string[] = [];
    const outcome = await waitForJob({ api, jobName: 'job1', streamer: new LogStreamer(history, 'command', () => undefined), log: (m) => log.push(m), now: clock.now, sleep });
    assert.equal(outcome.status, 'Completed');
    // ARM's stale 'Preparing' after run history's 'Running' is not printed; the end comes from ARM, once.
    assert.deepEqual(log, ["Job 'job1' status: Queued", "Job 'job1' status: Running", "Job 'job1' status: Completed"]);
  });

  it('does not hammer ARM when run history reports the end long before ARM does', async () => {
    const clock = new FakeClock();
    const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running'], [240_000, 'Completed']] });
    await submitted(api);
    const history = new FakeRunHistory();
    history.runs.set('job1', { status: 'Completed', files: {} });
    const outcome = await waitForJob({ api, jobName: 'job1', streamer: new LogStreamer(history, 'command', () => undefined), log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.status, 'Completed');
    assert.ok(outcome.armReads <= 2 * 12 * 4, `${outcome.armReads} ARM reads in 4 minutes`);
  });

  describe('through an outage of job reads', () => {
    /** Fake API whose read times are recorded. */
    function recordedApi(clock: FakeClock, timeline: Array<[number, string]>, readFailures: Array<Error | undefined>) {
      const api = fakeWorkspaceApi({ clock, timeline, readFailures });
      const reads: number[] = [];
      const getJob = api.getJob;
      const wrapped = async (name: string, signal?: AbortSignal, singleAttempt?: boolean) => {
        reads.push(clock.time);
        return getJob(name, signal, singleAttempt);
      };
      return { api: { ...api, getJob: wrapped } as unknown as typeof api, reads, getJob };
    }

    const announced = (log: string[]) => log.map((m) => /retrying in ([\d.]+) s/.exec(m)?.[1]).filter((d): d is string => d !== undefined).map((d) => Number(d) * 1000);

    it('sends each read once, retries when it says (1 s, 2 s, then every 3 s) and notices the end at the first read that succeeds', async () => {
      const clock = new FakeClock();
      const outage = Array.from({ length: 8 }, () => throttled(503));
      const { api, reads, getJob } = recordedApi(clock, [[0, 'Running'], [10_000, 'Completed']], [undefined, ...outage]);
      await submitted(api);
      const log: string[] = [];
      const outcome = await waitForJob({ api, jobName: 'job1', log: (m) => log.push(m), now: clock.now, sleep: clock.sleep });
      assert.equal(outcome.status, 'Completed');
      assert.ok(getJob.getCalls().every((c) => c.args[2] === true), 'every job read of the wait is sent without hidden retries');
      const delays = announced(log);
      assert.deepEqual(delays, [1_000, 2_000, 3_000, 3_000, 3_000, 3_000, 3_000, 3_000]);
      // Each announced delay is the real time to the next read.
      const failedReads = reads.slice(1, 1 + outage.length);
      failedReads.forEach((at, i) => assert.equal(reads[i + 2] - at, delays[i], `read ${i + 2} came ${reads[i + 2] - at} ms after a failure announcing ${delays[i]} ms`));
      assert.equal(clock.time, reads[reads.length - 1], 'the end is reported at the first successful read');
      assert.equal(log.filter((m) => /status: Completed/.test(m)).length, 1);
    });

    it('honours Retry-After exactly, not the back-off and not more, even when run history shows the end', async () => {
      const clock = new FakeClock();
      const busy = (retryAfterMs: number) => new ArmRequestError({ ...throttled(429).failure, retryAfterMs });
      const [first, second] = [busy(7_000), busy(500)];
      const { api, reads } = recordedApi(clock, [[0, 'Running'], [5_000, 'Completed']], [undefined, first, second]);
      await submitted(api);
      // Run history already shows the end: that does not bring a read forward past what the service asked.
      const history = new FakeRunHistory();
      history.runs.set('job1', { status: 'Completed', files: {} });
      const log: string[] = [];
      await waitForJob({ api, jobName: 'job1', streamer: new LogStreamer(history, 'command', () => undefined), log: (m) => log.push(m), now: clock.now, sleep: clock.sleep });
      assert.deepEqual(announced(log), [7_000, 500]);
      assert.deepEqual(reads.slice(1).map((t, i) => reads[i + 2] - t).slice(0, 2), [7_000, 500]);
    });

    it('gives up with the last error after 30 minutes of failed reads, not after a count of them', async () => {
      const clock = new FakeClock();
      const api = fakeWorkspaceApi({ clock, timeline: [[0, 'Running']], readFailures: [undefined, ...Array.from({ length: 2_000 }, () => throttled(503))] });
      await submitted(api);
      await assert.rejects(waitForJob({ api, jobName: 'job1', log: () => undefined, now: clock.now, sleep: clock.sleep }), /HTTP 503/);
      assert.ok(clock.time >= 30 * 60_000 && clock.time <= 30 * 60_000 + 3_000, `gave up at ${clock.time} ms`);
    });

    it('gives a read that gets no answer a bounded time, then retries and says why', async () => {
      const clock = new FakeClock();
      const { api, reads } = recordedApi(clock, [[0, 'Running'], [5_000, 'Completed']], [undefined, NO_ANSWER, NO_ANSWER]);
      await submitted(api);
      const log: string[] = [];
      const outcome = await waitForJob({ api, jobName: 'job1', log: (m) => log.push(m), now: clock.now, sleep: clock.sleep });
      assert.equal(outcome.status, 'Completed');
      assert.equal(log.filter((m) => /Reading the job's status failed \(no answer within 10 s\); retrying in [12] s/.test(m)).length, 2, log.join('\n'));
      assert.equal(reads[2] - reads[1], 10_000 + 1_000, 'the hung read is abandoned after 10 s, the next one comes when announced');
    });

    it('keeps streaming logs on their own timer while job reads hang or fail, and reports the end promptly after', async () => {
      const clock = new FakeClock();
      const failures = [undefined, ...Array.from({ length: 6 }, () => NO_ANSWER)];
      const { api } = recordedApi(clock, [[0, 'Running'], [40_000, 'Completed']], failures);
      await submitted(api);
      const history = new FakeRunHistory();
      history.runs.set('job1', { status: 'Running', files: { 'user_logs/std_log.txt': 'sas://std' } });
      const printed: Array<[number, string]> = [];
      const streamer = new LogStreamer(history, 'command', (line) => printed.push([clock.time, line]));
      const sleep = async (ms: number, signal?: AbortSignal) => {
        await clock.sleep(ms, signal);
        // One line a second; run history shows the end only after ARM does (ARM is the one that is down).
        history.logs.set('sas://std', Array.from({ length: Math.floor(Math.min(clock.time, 40_000) / 1_000) }, (_, i) => `line ${i}\n`).join(''));
        if (clock.time >= 90_000) history.runs.get('job1')!.status = 'Completed';
      };
      const log: string[] = [];
      const outcome = await waitForJob({ api, jobName: 'job1', streamer, log: (m) => log.push(m), now: clock.now, sleep });
      assert.equal(outcome.status, 'Completed');
      // Six hung reads of 10 s each plus back-off: ARM answers again after about a minute; logs never waited for it.
      const during = printed.filter(([t]) => t > 5_000 && t < 60_000).map(([t]) => t);
      for (let i = 1; i < during.length; i++) assert.ok(during[i] - during[i - 1] <= 2_000, `logs stalled from ${during[i - 1]} to ${during[i]} ms`);
      assert.ok(during.length >= 20, `${during.length} log lines printed during the outage`);
      assert.equal(printed[printed.length - 1][1], 'line 39');
      assert.equal(log.filter((m) => /status: Completed/.test(m)).length, 1);
    });
  });

  it('run history showing the end while an ARM read is in flight still brings the next read forward', async () => {
    for (const readMs of Array.from({ length: 30 }, (_, i) => 100 * (i + 1))) {
      const clock = new FakeClock();
      const inner = fakeWorkspaceApi({ clock, timeline: [[0, 'Running'], [100_000, 'Completed']] });
      await submitted(inner);
      const getJob = inner.getJob;
      const api = { ...inner, getJob: async (name: string, signal?: AbortSignal, once?: boolean) => {
        const started = clock.time;
        await clock.sleep(readMs, signal);
        // ARM answers with the job as it was when the read reached it.
        const read = await getJob(name, signal, once);
        if (read.job && started < 100_000 && read.job.properties.status === 'Completed') read.job.properties.status = 'Running';
        return read;
      } } as typeof inner;
      const history = new FakeRunHistory();
      history.runs.set('job1', { status: 'Running', files: {} });
      const sleep = async (ms: number, signal?: AbortSignal) => {
        await clock.sleep(ms, signal);
        if (clock.time >= 100_000) history.runs.get('job1')!.status = 'Completed';
      };
      const outcome = await waitForJob({ api, jobName: 'job1', streamer: new LogStreamer(history, 'command', () => undefined), log: () => undefined, now: clock.now, sleep });
      assert.equal(outcome.status, 'Completed');
      assert.ok(clock.time - 100_000 <= 5_000, `reads of ${readMs} ms: end noticed ${clock.time - 100_000} ms late`);
    }
  });
});
