// Timeouts and Ctrl-C reach the task as on the agent: SIGINT, then SIGTERM after the first grace
// period, then SIGKILL after the second (7.5 s and 2.5 s on the agent; shortened here).
import * as assert from 'node:assert/strict';
import { Cancellation } from '../../runner/index';
import { runYaml, steps, type FakeTask } from './helpers';

/** A task that reports each signal on stdout; `exitOn` decides which one ends it. */
function signalRecorder(exitOn: 'SIGINT' | 'SIGTERM' | 'never'): FakeTask {
  return {
    name: 'Sleeper',
    script: `
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.log('task saw ' + sig);
    if ('${exitOn}' === sig) setTimeout(() => process.exit(sig === 'SIGINT' ? 0 : 143), 20);
  });
}
console.log('task ready');
setInterval(() => {}, 1000);
`,
  };
}

describe('runner: timeouts and cancellation', () => {
  it('on a step timeout sends SIGINT, then SIGTERM after the grace period, and fails the step', async () => {
    const signals: string[] = [];
    const r = await runYaml(
      `
steps:
  - task: Sleeper@1
    name: slow
    timeoutInMinutes: 1
  - script: echo after-timeout
    name: afterwards
    condition: failed()
`,
      // A "minute" long enough for the task to install its handlers on a busy machine (before that,
      // SIGINT's default action would end it and no SIGTERM would follow).
      { tasks: [signalRecorder('SIGTERM')], minuteMs: 2000, onSignal: (step, sig) => signals.push(`${step}:${sig}`) },
    );
    assert.deepEqual(signals, ['slow:SIGINT', 'slow:SIGTERM']);
    const seen = r.lines.filter((l) => l.startsWith('task saw'));
    assert.deepEqual(seen, ['task saw SIGINT', 'task saw SIGTERM']);
    const s = steps(r);
    assert.equal(s['Job.slow'].result, 'Failed');
    assert.match(s['Job.slow'].reason ?? '', /timed out/);
    assert.ok(r.console.includes('##[error]The task has timed out.'));
    assert.equal(s['Job.afterwards'].result, 'Succeeded');
  });

  it('on Ctrl-C cancels the running task with SIGINT and runs only always() and canceled() steps', async () => {
    const cancellation = new Cancellation();
    const signals: string[] = [];
    const r = await runYaml(
      `
steps:
  - task: Sleeper@1
    name: busy
  - script: echo normal-step
    name: normal
  - script: echo cleanup-step
    name: cleanup
    condition: always()
  - script: echo canceled-step
    name: onCancel
    condition: canceled()
`,
      {
        tasks: [signalRecorder('SIGINT')],
        cancellation,
        onSignal: (step, sig) => signals.push(`${step}:${sig}`),
        sink: (line) => {
          if (line === 'task ready') cancellation.cancel();
        },
      },
    );
    assert.deepEqual(signals, ['busy:SIGINT']);
    const s = steps(r);
    assert.equal(s['Job.busy'].result, 'Canceled');
    assert.equal(s['Job.normal'].result, 'Skipped');
    assert.equal(s['Job.cleanup'].result, 'Succeeded');
    assert.equal(s['Job.onCancel'].result, 'Succeeded');
    assert.equal(r.report.stages[0].jobs[0].result, 'Canceled');
    assert.equal(r.result, 'Canceled');
  });

  it('kills a task that ignores SIGINT and SIGTERM', async () => {
    const cancellation = new Cancellation();
    const signals: string[] = [];
    const r = await runYaml(`steps:\n  - task: Sleeper@1\n    name: stubborn\n`, {
      tasks: [signalRecorder('never')],
      cancellation,
      onSignal: (step, sig) => signals.push(sig),
      sink: (line) => {
        if (line === 'task ready') cancellation.cancel();
      },
    });
    assert.deepEqual(signals, ['SIGINT', 'SIGTERM', 'SIGKILL']);
    assert.equal(steps(r)['Job.stubborn'].result, 'Canceled');
  });

  it('fails a job that outlives timeoutInMinutes, still running its always() steps', async () => {
    const r = await runYaml(
      `
jobs:
  - job: Long
    timeoutInMinutes: 1
    steps:
      - script: sleep 30
        name: sleeps
      - script: echo cleanup-after-job-timeout
        name: cleanup
        condition: always()
`,
      { minuteMs: 300 },
    );
    const job = r.report.stages[0].jobs[0];
    assert.equal(job.result, 'Failed');
    assert.match(job.reason ?? '', /ran longer than the maximum time of 1 minutes/);
    assert.equal(steps(r)['Long.sleeps'].result, 'Canceled');
    assert.ok(r.lines.includes('cleanup-after-job-timeout'));
  });
});
