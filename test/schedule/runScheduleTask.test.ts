import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { installCancellationHandlers, type Cancellation } from '../../tasks/common/platform/cancellation';
import { runScheduleTask, type ScheduleTaskServices } from '../../tasks/common/schedule/runScheduleTask';
import type { ScheduleResource, SchedulesApi } from '../../tasks/common/workspace/schedules';
import { fakeHost, fakeSession, printed, RoutingHttpClient, type FakeHost } from '../common/fakes';
import { writeTree } from '../jobSpec/helpers';
import { FakeClock, fakeWorkspaceApi, MemoryBlobStore, SCOPE, type FakeApi } from '../job/fakes';

const SCHEDULE_YAML = [
  'name: nightly-training',
  'trigger: {type: cron, expression: "0 3 * * *", time_zone: W. Europe Standard Time}',
  'create_job: ./pipeline.yml',
].join('\n');
const PIPELINE_YAML = [
  'type: pipeline',
  'settings: {default_compute: azureml:cpu-cluster}',
  'jobs:',
  '  train:',
  '    type: command',
  '    command: python train.py',
  '    code: ./src',
  '    environment: azureml:sklearn:3',
].join('\n');

/** Schedules in memory, as the service keeps them (provisioningState added). */
function memorySchedules(): SchedulesApi & { puts: unknown[]; held: Map<string, ScheduleResource> } {
  const held = new Map<string, ScheduleResource>();
  const puts: unknown[] = [];
  return {
    scope: SCOPE,
    puts,
    held,
    get: async (name) => held.get(name),
    put: async (name, body) => {
      puts.push(body);
      const saved = { name, properties: { ...(body as ScheduleResource).properties, provisioningState: 'Succeeded' } };
      held.set(name, JSON.parse(JSON.stringify(saved)));
      return saved;
    },
    // Azure ML refuses to delete an enabled schedule ("Cannot delete an active trigger").
    delete: async (name) => {
      if (held.get(name)?.properties.isEnabled ?? held.has(name)) throw new Error(`Cannot delete an active trigger: ${name}`);
      return held.delete(name);
    },
  };
}

describe('schedule: the AzureMLSchedule task flow', () => {
  let cancellation: Cancellation | undefined;
  afterEach(() => cancellation?.dispose());

  function harness(inputs: Record<string, string>) {
    const dir = writeTree({ 'schedule.yml': SCHEDULE_YAML, 'pipeline.yml': PIPELINE_YAML, 'src/train.py': 'print(1)\n' });
    const host: FakeHost = fakeHost({ inputs: { azureSubscription: 'conn', resourceGroupName: 'rg', workspaceName: 'ws', scheduleFile: path.join(dir, 'schedule.yml'), ...inputs }, variables: { 'Build.SourcesDirectory': dir, 'Build.BuildId': '42', 'Build.DefinitionName': 'deploy' } });
    const clock = new FakeClock();
    const api: FakeApi = fakeWorkspaceApi({ clock });
    const store = new MemoryBlobStore();
    const schedules = memorySchedules();
    cancellation = installCancellationHandlers({ signals: new EventEmitter(), exit: sinon.stub(), log: () => undefined });
    const services: ScheduleTaskServices = { api, schedules, openStore: async () => store, now: () => Date.parse('2025-03-29T12:00:00Z') };
    const task = { cancellation, defer: () => undefined };
    const run = () => runScheduleTask(host, task, fakeSession(new RoutingHttpClient()), { verifyWorkspace: async () => undefined, services: () => services });
    const output = (name: string) => host.setVariable.getCalls().filter((c) => c.args[0] === name && c.args[2]?.isOutput).pop()?.args[1];
    return { host, api, store, schedules, run, output };
  }

  it('uploads the job\'s code and registers its component before the schedule names them', async () => {
    const h = harness({ nextRunCount: '3' });
    await h.run();
    sinon.assert.calledWith(h.host.setResult, 'Succeeded', sinon.match(/Schedule 'nightly-training' created: pipeline job from/));
    assert.ok(h.store.uploads.some((blob) => blob.endsWith('/src/train.py')), String(h.store.uploads));
    const puts = h.api.putAssetVersion.getCalls().map((c) => `${c.args[0]}/${c.args[1]}`);
    assert.deepEqual(puts.map((p) => p.split('/')[0]), ['codes', 'components']);
    const [body] = h.schedules.puts as Array<{ properties: { action: { jobDefinition: { jobs: { train: { componentId: string } } } }; isEnabled: boolean } }>;
    assert.match(body.properties.action.jobDefinition.jobs.train.componentId, /\/components\/azureml_anonymous\/versions\/[0-9a-f-]{36}$/);
    assert.equal(body.properties.isEnabled, true);
    assert.equal((body.properties as unknown as { tags: Record<string, string> }).tags['azure-devops.buildId'], '42', 'the deploying run is recorded');
    // 03:00 in Berlin: CET (UTC+1) until 2025-03-30 02:00, CEST (UTC+2) after.
    assert.equal(h.output('nextRunTimes'), '2025-03-30T01:00:00.000Z,2025-03-31T01:00:00.000Z,2025-04-01T01:00:00.000Z');
    assert.equal(h.output('isEnabled'), 'true');
  });

  it('re-run with the same file: nothing uploaded again, nothing sent, says unchanged', async () => {
    const h = harness({});
    await h.run();
    const uploads = h.store.uploads.length;
    const code = h.api.putAssetVersion.getCalls().find((c) => c.args[0] === 'codes')?.args.slice(0, 3);
    h.api.putAssetVersion.resetHistory();
    await h.run();
    assert.equal(h.store.uploads.length, uploads, 'the snapshot is reused');
    assert.equal(h.schedules.puts.length, 1);
    // The reused snapshot's code version is written again as it was (as for a job); no component is.
    assert.deepEqual(h.api.putAssetVersion.getCalls().map((c) => c.args.slice(0, 3)), [code]);
    sinon.assert.calledWith(h.host.setResult, 'Succeeded', sinon.match(/is unchanged/));
  });

  it('a re-run deploying it disabled sends the new state', async () => {
    const h = harness({});
    await h.run();
    h.host.getBoolInput.withArgs('enabled').returns(false);
    await h.run();
    assert.equal(h.schedules.puts.length, 2);
    assert.equal(h.output('isEnabled'), 'false');
    assert.equal(h.output('nextRunTimes'), '');
  });

  it('shows a schedule with its run times, and fails naming a missing one', async () => {
    const h = harness({});
    await h.run();
    h.host.getInput.withArgs('action').returns('show');
    h.host.getInput.withArgs('scheduleName').returns('nightly-training');
    await h.run();
    assert.ok(printed(h.host).some((line) => line.includes('"expression": "0 3 * * *"')));
    h.host.getInput.withArgs('scheduleName').returns('other');
    await assert.rejects(h.run(), /Workspace 'ws' has no schedule named 'other' \(input scheduleName\)/);
  });

  it('shows a schedule whose trigger it cannot read, without run times', async () => {
    const h = harness({ action: 'show', scheduleName: 'future' });
    h.schedules.held.set('future', { name: 'future', properties: { isEnabled: true, trigger: { triggerType: 'Cron', expression: '0 3 * * *', timeZone: 'Mars Standard Time' } } });
    await h.run();
    sinon.assert.calledWith(h.host.warning, sinon.match(/The next run times of schedule 'future' cannot be computed: .*time_zone 'Mars Standard Time' is not a time zone Azure ML accepts/));
    assert.equal(h.output('nextRunTimes'), '');
    sinon.assert.calledWith(h.host.setResult, 'Succeeded', "Schedule 'future' is enabled.");
  });

  it('deletes a schedule, disabling it first when it is enabled; a missing one is nothing to delete', async () => {
    const h = harness({ action: 'delete', scheduleName: 'nightly-training' });
    h.schedules.held.set('nightly-training', { name: 'nightly-training', properties: { trigger: { triggerType: 'Cron', expression: '0 2 * * *' } } as ScheduleResource['properties'] });
    await h.run();
    assert.deepEqual(h.schedules.puts.map((body) => (body as ScheduleResource).properties.isEnabled), [false], 'disabled first, trigger kept');
    assert.deepEqual((h.schedules.puts[0] as ScheduleResource).properties.trigger, { triggerType: 'Cron', expression: '0 2 * * *' });
    sinon.assert.calledWith(h.host.log, "Schedule 'nightly-training' is enabled: disabling it first, as Azure ML deletes only a disabled schedule.");
    sinon.assert.calledWith(h.host.setResult, 'Succeeded', "Schedule 'nightly-training' deleted; jobs it started are kept.");
    assert.equal(h.schedules.held.has('nightly-training'), false);
    await h.run();
    sinon.assert.calledWith(h.host.setResult, 'Succeeded', "Workspace 'ws' has no schedule named 'nightly-training': nothing to delete.");
    assert.equal(h.schedules.puts.length, 1);
  });

  it('deletes a disabled schedule without a PUT, and a dry run shows both requests without sending them', async () => {
    const disabled = harness({ action: 'delete', scheduleName: 'off' });
    disabled.schedules.held.set('off', { name: 'off', properties: { isEnabled: false } as ScheduleResource['properties'] });
    await disabled.run();
    assert.deepEqual(disabled.schedules.puts, []);
    sinon.assert.calledWith(disabled.host.setResult, 'Succeeded', "Schedule 'off' deleted; jobs it started are kept.");

    const dry = harness({ action: 'delete', scheduleName: 'on', dryRun: 'true' });
    dry.schedules.held.set('on', { name: 'on', properties: {} as ScheduleResource['properties'] });
    await dry.run();
    assert.deepEqual(dry.schedules.puts, []);
    assert.equal(dry.schedules.held.has('on'), true);
    sinon.assert.calledWith(dry.host.log, sinon.match(/^Dry run: nothing is changed\.\nPUT .*\/schedules\/on\?api-version=[^\n]*\n\{[\s\S]*"isEnabled": false[\s\S]*\}\nDELETE .*\/schedules\/on\?api-version=/));
    sinon.assert.calledWith(dry.host.setResult, 'Succeeded', "Dry run: schedule 'on' would be disabled, then deleted.");
  });
});
