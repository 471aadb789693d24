// The emulator's model registry as model registration relies on it: job output URIs resolve to a job's
// outputs (the service's 400s otherwise), and versions can be found by their properties and tags.
import * as assert from 'node:assert/strict';
import { createHarness, WS } from '../emulator/armFixtures';
import { TRAINING_JOB_BODY as JOB } from './fakes';

const modelFrom = (modelUri: string, properties: Record<string, string> = {}, tags: Record<string, string> = {}) => ({ properties: { modelUri, modelType: 'custom_model', properties, tags } });

describe('emulator: models from job outputs and property filters', () => {
  it('accepts azureml://jobs URIs naming an output of the job, or its artifacts', async () => {
    const h = createHarness();
    assert.equal((await h.send('PUT', `${WS}/jobs/train-1`, { body: JOB })).status, 201);
    assert.equal((await h.send('PUT', `${WS}/models/churn/versions/1`, { body: modelFrom('azureml://jobs/train-1/outputs/model/paths/mlflow/') })).status, 201);
    assert.equal((await h.send('PUT', `${WS}/models/churn/versions/2`, { body: modelFrom('azureml://jobs/train-1/outputs/model') })).status, 201);
    assert.equal((await h.send('PUT', `${WS}/models/churn/versions/3`, { body: modelFrom('azureml://jobs/train-1/outputs/artifacts/paths/model') })).status, 201);
  });

  it("refuses a job that does not exist and an output the job does not have, with the service's 400", async () => {
    const h = createHarness();
    await h.send('PUT', `${WS}/jobs/train-1`, { body: JOB });
    const noJob = await h.send('PUT', `${WS}/models/churn/versions/1`, { body: modelFrom('azureml://jobs/train-9/outputs/model') });
    assert.equal(noJob.status, 400);
    assert.match(noJob.json.error.message, /Job 'train-9' referenced by 'properties.modelUri'/);
    const noOutput = await h.send('PUT', `${WS}/models/churn/versions/1`, { body: modelFrom('azureml://jobs/train-1/outputs/best/paths/m') });
    assert.equal(noOutput.status, 400);
    assert.equal(noOutput.json.error.code, 'UserError');
    assert.match(noOutput.json.error.message, /Output 'best' .* was not found on job 'train-1'\. The job's outputs are: artifacts, model\./);
    const malformed = await h.send('PUT', `${WS}/models/churn/versions/1`, { body: modelFrom('azureml://jobs/train-1/model') });
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.error.message, /not a valid job output URI/);
  });

  it('filters versions by properties and tags (name, or name=value)', async () => {
    const h = createHarness();
    await h.send('PUT', `${WS}/models/churn/versions/1`, { body: modelFrom('azureml://datastores/workspaceblobstore/paths/a', { fingerprint: 'aaa' }, { stage: 'dev' }) });
    await h.send('PUT', `${WS}/models/churn/versions/2`, { body: modelFrom('azureml://datastores/workspaceblobstore/paths/b', { fingerprint: 'bbb' }, { stage: 'prod' }) });
    const names = async (query: string) => (await h.send('GET', `${WS}/models/churn/versions?${query}`)).json.value.map((v: { name: string }) => v.name);
    assert.deepEqual(await names('properties=fingerprint%3Dbbb'), ['2']);
    assert.deepEqual(await names('properties=fingerprint'), ['2', '1']);
    assert.deepEqual(await names('properties=fingerprint%3Dccc'), []);
    assert.deepEqual(await names('tags=stage%3Ddev'), ['1']);
    assert.deepEqual(await names('tags=stage,owner'), []);
  });
});
