import * as assert from 'node:assert/strict';
import { readFinalMetrics } from '../../tasks/common/workspace/mlflow';
import { fakeSession, RoutingHttpClient } from '../common/fakes';
import { SCOPE } from '../job/fakes';

describe('workspace: MLflow metrics', () => {
  it('reads the latest value of each metric from MLflow runs/get on the workspace host', async () => {
    const http = new RoutingHttpClient().on('GET', /\/mlflow\/v2\.0\/subscriptions\/.*\/workspaces\/ws\/api\/2\.0\/mlflow\/runs\/get\?run_id=job1$/, {
      status: 200,
      body: { run: { info: { run_id: 'job1' }, data: { metrics: [{ key: 'accuracy', value: 0.93, step: 4 }, { key: 'train/loss', value: 0.12 }] } } },
    });
    const metrics = await readFinalMetrics(fakeSession(http), 'westeurope.api.azureml.ms', SCOPE, 'job1');
    assert.deepEqual(metrics, { accuracy: 0.93, 'train/loss': 0.12 });
    assert.match(http.urls()[0], /^GET https:\/\/westeurope\.api\.azureml\.ms\/mlflow\/v2\.0\/subscriptions\/00000000-0000-0000-0000-000000000001\/resourceGroups\/rg\//);
    assert.equal(http.requests[0].headers.get('authorization'), 'Bearer fake-arm-token');
  });

  it('has no metrics for a run MLflow does not know, and reports other failures', async () => {
    const missing = new RoutingHttpClient().on('GET', /runs\/get/, { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    assert.deepEqual(await readFinalMetrics(fakeSession(missing), 'h', SCOPE, 'job1'), {});
    const broken = new RoutingHttpClient().on('GET', /runs\/get/, { status: 400, body: { error_code: 'BAD' } });
    await assert.rejects(readFinalMetrics(fakeSession(broken), 'h', SCOPE, 'job1'), /HTTP 400/);
  });
});
