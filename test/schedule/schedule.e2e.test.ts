// AzureMLSchedule@1 from its bundle through the runner against the emulator: create a schedule from a file, a
// re-run that changes nothing, show with the next run times, then the emulator clock advanced past a due time
// (admin API) and the job the schedule started read back through ARM; disabled, it starts no more.
// Needs `npm run build`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdminClient } from '../../emulator/src/adminClient';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { arm, armStatus, workspaceId } from '../batchScore/emulatorReads';
import { tempDir } from '../runner/helpers';

const PIPELINE = path.resolve(__dirname, '..', 'fixtures', 'schedule-e2e', 'schedule-pipeline.yml');
const HALF_HOUR_SECONDS = 30 * 60;

describe('AzureMLSchedule@1 against the emulator (e2e)', function () {
  this.timeout(600_000);
  let emulator: RunningEmulator;
  let admin: AdminClient;

  async function run(action: string) {
    const lines: string[] = [];
    const c = emulator.connection;
    const outcome = await runPipeline({
      pipelineFile: PIPELINE,
      target: emulatorTarget(c, 'secret'),
      variables: { resourceGroupName: c.resourceGroupName, workspaceName: c.workspaceName, action },
      sink: (line) => lines.push(line),
    });
    const steps = outcome.report.stages.flatMap((stage) => stage.jobs.flatMap((job) => job.steps));
    const console = lines.join('\n');
    assert.equal(outcome.result, 'Succeeded', console);
    const step = steps[steps.length - 1];
    return { outputs: step?.outputVariables ?? {}, message: step?.message ?? '', console };
  }

  /** The jobs the schedule started, read through ARM and found as Azure ML's docs say: by display name. */
  async function scheduledJobs(): Promise<any[]> {
    const jobs = (await arm(emulator, 'GET', `${workspaceId(emulator)}/jobs`)).value as any[];
    return jobs.filter((job) => /^e2e-retrain-\d{8}T\d{6}Z$/.test(job.properties.displayName ?? ''));
  }

  /** Polls read() until done accepts its value, or 20 s have passed; the last value. */
  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLScheduleV1', 'index.js')), `no AzureMLScheduleV1 bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('schedule-e2e-emulator-') });
    admin = new AdminClient(emulator.connection.adminUrl);
  });

  after(async () => {
    await emulator?.stop();
  });

  it('creates the schedule, says unchanged on a re-run, shows its next runs, starts its job when due, stops when disabled, and deletes it enabled', async () => {
    const created = await run('createOrUpdate');
    assert.equal(created.outputs.scheduleName, 'e2e-retrain');
    assert.equal(created.outputs.isEnabled, 'true');
    assert.match(created.message, /Schedule 'e2e-retrain' created/);
    const schedule = await arm(emulator, 'GET', `${workspaceId(emulator)}/schedules/e2e-retrain`);
    assert.deepEqual(schedule.properties.trigger, { ...schedule.properties.trigger, triggerType: 'Cron', expression: '*/30 * * * *' });
    assert.equal(schedule.properties.action.actionType, 'CreateJob');

    const since = await admin.now();
    const again = await run('createOrUpdate');
    assert.match(again.message, /Schedule 'e2e-retrain' is unchanged: .*nothing was sent/, again.console);
    const writes = (await admin.requests(since)).filter((r) => r.method !== 'GET' && /\/schedules\//i.test(r.path));
    assert.deepEqual(writes, [], 'an unchanged re-run wrote the schedule');

    const shown = await run('show');
    const times = (shown.outputs.nextRunTimes ?? '').split(',').filter(Boolean);
    assert.equal(times.length, 3, shown.console);
    for (const [i, time] of times.entries()) {
      const at = new Date(time);
      assert.equal(at.getUTCMinutes() % 30, 0, time);
      assert.equal(at.getUTCSeconds(), 0, time);
      if (i > 0) assert.equal(at.getTime() - new Date(times[i - 1]).getTime(), HALF_HOUR_SECONDS * 1000);
    }

    assert.deepEqual(await scheduledJobs(), []);
    await admin.advanceTime(HALF_HOUR_SECONDS);
    const [job, ...more] = await eventually(scheduledJobs, (jobs) => jobs.length > 0);
    assert.ok(job, 'the schedule started no job when due');
    assert.deepEqual(more, []);
    assert.equal(job.properties.jobType, 'Command');
    assert.equal(job.properties.experimentName, 'e2e-retrain');
    assert.equal(job.properties.command, 'echo retraining on schedule');

    const disabled = await run('disable');
    assert.equal(disabled.outputs.isEnabled, 'false');
    assert.equal(disabled.outputs.nextRunTimes, '');
    assert.equal((await arm(emulator, 'GET', `${workspaceId(emulator)}/schedules/e2e-retrain`)).properties.isEnabled, false);
    await admin.advanceTime(HALF_HOUR_SECONDS);
    assert.equal((await scheduledJobs()).length, 1, 'a disabled schedule started a job');

    // Azure ML (and the emulator) refuse to delete an enabled schedule: the task disables it first.
    assert.equal((await run('enable')).outputs.isEnabled, 'true');
    const deleted = await run('delete');
    assert.match(deleted.message, /Schedule 'e2e-retrain' deleted; jobs it started are kept/, deleted.console);
    assert.match(deleted.console, /disabling it first/);
    assert.equal(await armStatus(emulator, 'GET', `${workspaceId(emulator)}/schedules/e2e-retrain`), 404);
    assert.equal((await scheduledJobs()).length, 1, 'deleting the schedule touched its job');
  });
});
