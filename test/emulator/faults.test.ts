// The fault registry on its own: which requests a fault applies to, for how long, and its log entries.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FaultInjector } from '../../emulator/src/faults';
import { RequestLog } from '../../emulator/src/requestLog';

const CLUSTER = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/cpu-cluster';

describe('emulator fault registry', () => {
  let dir: string;
  let log: RequestLog;
  let now: number;
  let faults: FaultInjector;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-faults-'));
    now = Date.parse('2026-01-01T00:00:00Z');
    log = new RequestLog(path.join(dir, 'requests.log'), () => now);
    faults = new FaultInjector(log, () => now);
  });
  afterEach(async () => {
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds a compute stuck until the fault is deleted when given neither count nor time', () => {
    const fault = faults.add({ kind: 'computeStuckResizing', pathPattern: '**/computes/cpu-cluster' });
    for (let i = 0; i < 5; i++) assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'GET', true), true);
    assert.equal(faults.holds('computeStuckResizing', `${CLUSTER}-2`, 'GET', true), false);
    faults.remove(fault.id);
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'GET', true), false);
  });

  it('holds for count reads, and internal checks use none', () => {
    faults.add({ kind: 'computeStuckResizing', pathPattern: '**/computes/*', count: 2 });
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, undefined, false), true);
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'GET', true), true);
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'GET', true), true);
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, undefined, false), false);
  });

  it('holds from the first request with the fault\'s method, for durationSeconds on the emulator clock', () => {
    faults.add({ kind: 'computeStuckResizing', method: 'patch', pathPattern: '**/computes/cpu-cluster', durationSeconds: 60 });
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'GET', true), false);
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, undefined, false), false);
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'PATCH', false), true);
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'GET', true), true);
    now += 61_000;
    assert.equal(faults.holds('computeStuckResizing', CLUSTER, 'GET', true), false);
  });

  it('stamps fault log entries with the emulator clock', () => {
    faults.add({ kind: 'status', status: 500, pathPattern: '**' });
    now += 3600_000;
    assert.ok(faults.takeTransport('GET', 'management.azure.com', '/x'));
    assert.equal(log.list()[0].time, '2026-01-01T01:00:00.000Z');
  });
});
