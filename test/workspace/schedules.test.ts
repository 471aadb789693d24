import * as assert from 'node:assert/strict';
import { createSchedulesApi } from '../../tasks/common/workspace/schedules';
import { fakeSession, RoutingHttpClient } from '../common/fakes';
import { SCOPE } from '../job/fakes';

const noSleep = { sleep: async () => undefined };

describe('workspace: schedules REST calls', () => {
  it('PUTs at api-version 2023-04-01 and reads the schedule until its provisioning ends', async () => {
    let reads = 0;
    const http = new RoutingHttpClient()
      .on('PUT', /\/schedules\/s1\?api-version=2023-04-01$/, { status: 201, body: { name: 's1', properties: { provisioningState: 'Creating' } }, headers: { 'azure-asyncoperation': 'https://management.azure.com/op/1' } })
      .on('GET', /\/schedules\/s1\?api-version=2023-04-01$/, () => ({ status: 200, body: { name: 's1', properties: { provisioningState: ++reads < 2 ? 'Creating' : 'Succeeded', isEnabled: true } } }));
    const api = createSchedulesApi(fakeSession(http), SCOPE, noSleep);
    const saved = await api.put('s1', { properties: {} });
    assert.deepEqual(saved, { name: 's1', properties: { provisioningState: 'Succeeded', isEnabled: true } });
    assert.equal(reads, 2);
    assert.equal(JSON.parse(String(http.requests[0].body)).properties !== undefined, true);
  });

  it('fails when provisioning ends Failed', async () => {
    const http = new RoutingHttpClient().on('PUT', /\/schedules\/s1\?/, { status: 200, body: { name: 's1', properties: { provisioningState: 'Failed' } } });
    await assert.rejects(createSchedulesApi(fakeSession(http), SCOPE, noSleep).put('s1', {}), /Schedule 's1' ended provisioning Failed/);
  });

  it('gives up after the operation limit, naming the state', async () => {
    let clock = 0;
    const http = new RoutingHttpClient()
      .on('PUT', /\/schedules\/s1\?/, { status: 201, body: { name: 's1', properties: { provisioningState: 'Creating' } } })
      .on('GET', /\/schedules\/s1\?/, { status: 200, body: { name: 's1', properties: { provisioningState: 'Creating' } } });
    const api = createSchedulesApi(fakeSession(http), SCOPE, { sleep: async (ms) => void (clock += ms), now: () => clock });
    await assert.rejects(api.put('s1', {}), /did not finish provisioning within 10 minutes \(provisioningState Creating\)/);
  });

  it('reads a missing schedule as none, and deletes until it is gone', async () => {
    let gone = false;
    const http = new RoutingHttpClient()
      .on('GET', /\/schedules\/missing\?/, { status: 404, body: { error: { code: 'NotFound' } } })
      .on('DELETE', /\/schedules\/s1\?/, () => ({ status: 202, headers: { location: 'https://management.azure.com/op/2' } }))
      .on('GET', /\/schedules\/s1\?/, () => {
        const reply = gone ? { status: 404, body: {} } : { status: 200, body: { name: 's1', properties: { provisioningState: 'Deleting' } } };
        gone = true;
        return reply;
      })
      .on('DELETE', /\/schedules\/missing\?/, { status: 204 });
    const api = createSchedulesApi(fakeSession(http), SCOPE, noSleep);
    assert.equal(await api.get('missing'), undefined);
    assert.equal(await api.delete('s1'), true);
    assert.equal(gone, true);
    assert.equal(await api.delete('missing'), false);
  });
});
