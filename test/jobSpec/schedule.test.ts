import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCron } from '../../tasks/common/jobSpec/cronExpression';
import { translateScheduleFile, type ScheduleTranslation } from '../../tasks/common/jobSpec/schedule';
import { AZURE_TIME_ZONES, ianaTimeZone } from '../../tasks/common/jobSpec/timeZones';
import { triggerFromRest } from '../../tasks/common/jobSpec/scheduleTrigger';
import { FIXTURES, scope, WS } from './helpers';

const EXAMPLES = path.join(FIXTURES, 'azureml-examples', 'schedules');
const AUTHORED = path.join(FIXTURES, 'authored-schedules');

/** The example schedules with the pipeline job they name (which the examples' copy does not carry) beside them. */
function stage(extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schedules-'));
  for (const folder of [EXAMPLES, AUTHORED]) {
    for (const name of fs.readdirSync(folder)) fs.copyFileSync(path.join(folder, name), path.join(dir, name));
  }
  for (const [name, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('jobSpec: schedules', () => {
  let dir: string;
  const translate = (name: string): ScheduleTranslation => translateScheduleFile(path.join(dir, name), { scope });
  const failure = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    try {
      translate(name);
    } catch (error) {
      return (error as Error).message.replace(`${dir}${path.sep}`, '');
    }
    assert.fail(`${name} was accepted`);
  };
  before(() => {
    dir = stage();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('translates every schedule file of the azureml-examples copy', () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml')).sort();
    assert.deepEqual(files, ['cron-job-schedule.yml', 'recurrence-job-schedule.yml']);
    for (const file of files) {
      const t = translate(file);
      assert.equal(t.components.length, 1, file);
      assert.equal(t.createJob, `pipeline job from ${path.relative(process.cwd(), path.join(dir, 'simple-pipeline-job.yml'))}`);
    }
  });

  it('builds the cron example as azure-ai-ml 1.4.0 does', () => {
    const t = translate('cron-job-schedule.yml');
    const { action, ...rest } = t.body.properties as { action: { actionType: string; jobDefinition: Record<string, unknown> } };
    assert.deepEqual(rest, {
      description: 'a simple hourly cron job schedule',
      properties: {},
      tags: {},
      displayName: 'Simple cron job schedule',
      trigger: { startTime: '2022-07-10 10:00:00', timeZone: 'Pacific Standard Time', triggerType: 'Cron', expression: '0 * * * *' },
    });
    assert.equal(action.actionType, 'CreateJob');
    const job = action.jobDefinition;
    // No experiment name and no display name from the job's name: az ml leaves both to the YAML for schedules.
    assert.deepEqual(Object.keys(job).sort(), ['displayName', 'inputs', 'isArchived', 'jobType', 'jobs', 'outputs', 'properties', 'settings', 'tags']);
    assert.equal(job.jobType, 'Pipeline');
    assert.equal(job.displayName, 'simple pipeline');
  });

  it('builds the recurrence example as azure-ai-ml 1.4.0 does', () => {
    const t = translate('recurrence-job-schedule.yml');
    assert.deepEqual(t.body.properties.trigger, {
      startTime: '2022-07-10 10:00:00',
      timeZone: 'Pacific Standard Time',
      triggerType: 'Recurrence',
      frequency: 'day',
      interval: 1,
      schedule: { hours: [4, 5, 10, 11, 12], minutes: [0, 30] },
    });
    assert.deepEqual(t.trigger, {
      type: 'recurrence', frequency: 'day', interval: 1, hours: [4, 5, 10, 11, 12], minutes: [0, 30], weekDays: [], monthDays: [], timeZone: 'Pacific Standard Time',
      startTime: { year: 2022, month: 7, day: 10, hour: 10, minute: 0, second: 0, microsecond: 0 },
    });
  });

  it('merges the fields given beside create_job.job over the job file', () => {
    const t = translate('weekly-retraining-schedule.yml');
    const job = (t.body.properties.action as { jobDefinition: Record<string, unknown> }).jobDefinition;
    assert.equal(job.displayName, 'weekly retraining run');
    assert.deepEqual(job.settings, { default_compute: `${WS}/computes/cpu-cluster`, continue_on_step_failure: true, _source: 'YAML.JOB' });
    assert.deepEqual(t.body.properties.trigger, {
      startTime: '2024-01-01 00:00:00', endTime: '2030-12-31 23:59:00', timeZone: 'W. Europe Standard Time', triggerType: 'Recurrence', frequency: 'week', interval: 1,
      schedule: { hours: [6], minutes: [0], weekDays: ['monday'] },
    });
    assert.deepEqual(t.body.properties.tags, { team: 'mlops' });
  });

  it('references an existing job by its ARM id, with UTC by default', () => {
    const t = translate('existing-job-schedule.yml');
    assert.deepEqual(t.body.properties.action, { actionType: 'CreateJob', jobDefinition: { experimentName: 'Default', isArchived: false, jobType: 'Pipeline', sourceJobId: `${WS}/jobs/simple-pipeline-job` } });
    assert.deepEqual(t.body.properties.trigger, { timeZone: 'UTC', triggerType: 'Cron', expression: '30 2 * * MON-FRI' });
    assert.deepEqual(t.pending, []);
  });

  it('takes a job written inline, its paths relative to the schedule file', () => {
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'inline.yml'), [
      'name: inline', 'trigger: {type: cron, expression: "0 0 * * 0", time_zone: utc}',
      'create_job:', '  type: command', '  command: python train.py', '  code: ./src', '  environment: azureml:sklearn:1', '  compute: azureml:cpu',
    ].join('\n'));
    const t = translate('inline.yml');
    const job = (t.body.properties.action as { jobDefinition: Record<string, unknown> }).jobDefinition;
    assert.equal(job.jobType, 'Command');
    assert.equal(t.pending.length, 1);
    assert.equal(t.pending[0].kind === 'upload' && t.pending[0].localPath, path.join(dir, 'src'));
    assert.equal(job.codeId, t.pending[0].token);
    // Time zone names are case-insensitive; the accepted spelling is sent.
    assert.equal((t.body.properties.trigger as { timeZone: string }).timeZone, 'UTC');
  });

  const base = (trigger: string, extra = '') => `name: s1\n${extra}trigger:\n${trigger}\ncreate_job: azureml:job1\n`;
  const errors: Array<[string, string, RegExp]> = [
    ['no name', 'trigger: {type: cron, expression: "* * * * *"}\ncreate_job: azureml:j\n', /^bad\.yml:1:1: missing required field 'name' in schedule/],
    ['unknown field', base('  type: cron\n  expression: "* * * * *"', 'descripton: x\n'), /^bad\.yml:2:1: unknown field 'descripton' in schedule \(did you mean 'description'\?\)/],
    ['cron with four fields', base('  type: cron\n  expression: "0 * * *"'), /^bad\.yml:4:15: cron expression '0 \* \* \*' has 4 field\(s\); expected five fields/],
    ['cron minute out of range', base('  type: cron\n  expression: "60 * * * *"'), /minute field '60': 60 is outside 0-59/],
    ['cron backwards range', base('  type: cron\n  expression: "0 0 * * 5-1"'), /day of week field '5-1': range 5-1 runs backwards/],
    ['cron bad name', base('  type: cron\n  expression: "0 0 * FOO *"'), /month field 'FOO': 'FOO' is not a number or a name \(JAN, FEB/],
    ['cron bad step', base('  type: cron\n  expression: "*/0 * * * *"'), /step '0' must be a whole number of at least 1/],
    ['unknown time zone', base('  type: cron\n  expression: "* * * * *"\n  time_zone: Pacific Standard Tme'), /^bad\.yml:5:14: time_zone 'Pacific Standard Tme' is not a time zone Azure ML accepts \(did you mean 'Pacific Standard Time'\?\)/],
    ['IANA time zone', base('  type: cron\n  expression: "* * * * *"\n  time_zone: Europe/Berlin'), /time_zone 'Europe\/Berlin' is not a time zone Azure ML accepts.*Windows time zone name/],
    ['bad start time', base('  type: cron\n  expression: "* * * * *"\n  start_time: "2024-02-30T10:00:00"'), /^bad\.yml:5:15: start_time must be an ISO 8601 date and time .* not '2024-02-30T10:00:00'/],
    ['end before start', base('  type: cron\n  expression: "* * * * *"\n  start_time: "2024-02-01T10:00:00"\n  end_time: "2024-01-01T10:00:00"'), /^bad\.yml:6:13: end_time 2024-01-01 10:00:00 is not after start_time 2024-02-01 10:00:00/],
    ['bad frequency', base('  type: recurrence\n  frequency: fortnight\n  interval: 1'), /invalid frequency 'fortnight'; allowed: minute, hour, day, week, month/],
    ['zero interval', base('  type: recurrence\n  frequency: day\n  interval: 0'), /interval must be at least 1, not 0/],
    ['hour out of range', base('  type: recurrence\n  frequency: day\n  interval: 1\n  schedule: {hours: [24], minutes: 0}'), /hours value 24 is outside 0-23/],
    ['missing minutes', base('  type: recurrence\n  frequency: day\n  interval: 1\n  schedule: {hours: [2]}'), /missing required field 'minutes' in recurrence schedule/],
    ['bad week day', base('  type: recurrence\n  frequency: week\n  interval: 1\n  schedule: {hours: 2, minutes: 0, week_days: [funday]}'), /invalid week day 'funday'; allowed: sunday, monday/],
    ['month days on a daily schedule', base('  type: recurrence\n  frequency: day\n  interval: 1\n  schedule: {hours: 2, minutes: 0, month_days: [1]}'), /month_days applies to frequency month, not day/],
    ['unknown trigger type', base('  type: hourly'), /invalid trigger type 'hourly'; allowed: cron, recurrence/],
    ['missing job file', 'name: s\ntrigger: {type: cron, expression: "* * * * *"}\ncreate_job: ./missing.yml\n', /^bad\.yml:3:13: cannot read .*missing\.yml: file not found/],
    ['sweep job', 'name: s\ntrigger: {type: cron, expression: "* * * * *"}\ncreate_job: {type: sweep}\n', /a schedule runs pipeline, command or spark jobs, not sweep jobs/],
    ['updates to an existing job', 'name: s\ntrigger: {type: cron, expression: "* * * * *"}\ncreate_job:\n  job: azureml:j1\n  inputs: {a: 1}\n', /^bad\.yml:5:3: create_job: changing fields of an existing job \('inputs'\) is not supported/],
    ['job schema', '$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\nname: s\n', /this file follows pipelineJob\.schema\.json, not schedule\.schema\.json/],
    ['bad schedule name', base('  type: cron\n  expression: "* * * * *"').replace('name: s1', 'name: "-s"'), /schedule name '-s' is invalid/],
  ];
  for (const [what, text, expected] of errors) {
    it(`refuses ${what} with file:line`, () => {
      assert.match(failure('bad.yml', text), expected);
    });
  }

  it('reads a field merged over the job file back to the schedule file in errors', () => {
    const message = failure('bad.yml', 'name: s\ntrigger: {type: cron, expression: "* * * * *"}\ncreate_job:\n  job: ./simple-pipeline-job.yml\n  settings:\n    default_compute: 42\n');
    assert.match(message, /^bad\.yml:6:22: /);
  });

  it('parses every field form NCRONTAB takes', () => {
    const parsed = parseCron('0,30 8-17/3 */10 jan-mar sun,SAT');
    assert.deepEqual(parsed, { ok: true, fields: { minutes: [0, 30], hours: [8, 11, 14, 17], daysOfMonth: [1, 11, 21, 31], months: [1, 2, 3], daysOfWeek: [0, 6] } });
    const stepped = parseCron('5/20 * * * *');
    assert.deepEqual(stepped.ok && stepped.fields.minutes, [5, 25, 45]);
  });

  it('maps every time zone Azure ML accepts to an IANA zone the platform knows', () => {
    assert.equal(AZURE_TIME_ZONES.length, 131);
    for (const zone of AZURE_TIME_ZONES) {
      assert.doesNotThrow(() => new Intl.DateTimeFormat('en', { timeZone: ianaTimeZone(zone) }), zone);
    }
    assert.equal(ianaTimeZone('Pacific Standard Time'), 'America/Los_Angeles');
  });

  it('reads a trigger as Azure ML returns it with the same rules', () => {
    const trigger = triggerFromRest({ triggerType: 'Recurrence', frequency: 'Week', interval: 2, schedule: { hours: [6], minutes: [0], weekDays: ['Monday'] }, startTime: '2024-01-01T00:00:00', timeZone: 'UTC' }, 'returned');
    assert.deepEqual(trigger, { type: 'recurrence', frequency: 'week', interval: 2, hours: [6], minutes: [0], weekDays: ['monday'], monthDays: [], timeZone: 'UTC', startTime: { year: 2024, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 0 } });
  });
});
