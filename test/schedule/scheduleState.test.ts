import * as assert from 'node:assert/strict';
import { isUnchanged, writeBackBody } from '../../tasks/common/schedule/scheduleState';
import type { ScheduleResource } from '../../tasks/common/workspace/schedules';

const body = {
  properties: {
    description: 'weekly',
    properties: {},
    tags: { team: 'ml' },
    action: { actionType: 'CreateJob', jobDefinition: { jobType: 'Pipeline', displayName: 'train', settings: { default_compute: 'c' } } },
    displayName: 'Weekly',
    trigger: { startTime: '2024-01-01 00:00:00', timeZone: 'UTC', triggerType: 'Recurrence', frequency: 'week', interval: 1, schedule: { hours: [6], minutes: [0], weekDays: ['monday'] } },
    isEnabled: true,
  },
};

/** The schedule as the service returns it: enums in its case, times in ISO form, defaults added. */
const held = (change: (p: Record<string, unknown>) => void = () => undefined): ScheduleResource => {
  const properties = JSON.parse(JSON.stringify(body.properties)) as Record<string, unknown>;
  Object.assign(properties.trigger as object, { startTime: '2024-01-01T00:00:00', triggerType: 'Recurrence', frequency: 'Week', endTime: null, schedule: { hours: [6], minutes: [0], weekDays: ['Monday'], monthDays: null } });
  Object.assign((properties.action as { jobDefinition: object }).jobDefinition, { status: 'NotStarted', services: { Studio: {} } });
  properties.provisioningState = 'Succeeded';
  change(properties);
  return { name: 's', properties } as ScheduleResource;
};

describe('schedule: state of a schedule Azure ML holds', () => {
  it('finds the same definition unchanged despite the service\'s spelling and defaults', () => {
    assert.equal(isUnchanged(body, held()), true);
  });

  it('sees a change in any written field, a removed description, or the enabled state', () => {
    assert.equal(isUnchanged(body, held((p) => ((p.trigger as { interval: number }).interval = 2))), false);
    assert.equal(isUnchanged(body, held((p) => ((p.tags as Record<string, string>).team = 'other'))), false);
    assert.equal(isUnchanged(body, held((p) => ((p.action as { jobDefinition: { displayName: string } }).jobDefinition.displayName = 'old'))), false);
    const { description: _d, ...withoutDescription } = body.properties;
    assert.equal(isUnchanged({ properties: withoutDescription }, held()), false);
    assert.equal(isUnchanged(body, held((p) => (p.isEnabled = false))), false);
    assert.equal(isUnchanged(body, held((p) => delete p.isEnabled)), true, 'a schedule read without isEnabled is enabled');
  });

  it('leaves the deploying run\'s lineage tags out of the comparison', () => {
    const deployedBy = (buildId: string) => ({ properties: { ...body.properties, tags: { ...body.properties.tags, 'azure-devops.buildId': buildId } } });
    assert.equal(isUnchanged(deployedBy('2'), held((p) => ((p.tags as Record<string, string>)['azure-devops.buildId'] = '1'))), true);
    assert.equal(isUnchanged(deployedBy('2'), held((p) => ((p.tags as Record<string, string>).team = 'x'))), false);
  });

  it('writes a schedule back with only its writable fields and the new state', () => {
    const written = writeBackBody(held(), false);
    assert.deepEqual(Object.keys(written.properties).sort(), ['action', 'description', 'displayName', 'isEnabled', 'properties', 'tags', 'trigger']);
    assert.equal(written.properties.isEnabled, false);
  });
});
