// Every AutoML task kind, as Microsoft's Python SDK sends it (the bodies azure-ai-ml 1.4.0 builds for
// test/fixtures/authored-jobs/automl, with what its operations layer resolves before sending:
// compute and data references as ARM ids and datastore URIs), is accepted and validated by the
// emulator like Azure ML; the executor then ends AutoML jobs Failed (test/emulator/jobExecution.test.ts).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WS, createHarness } from './armFixtures';

const GOLDENS = path.resolve(__dirname, '..', 'fixtures', 'goldens', 'authored', 'automl');

/** The standalone AutoML bodies, keyed by task type. */
function automlBodies(): Map<string, { properties: Record<string, any> }> {
  const out = new Map<string, { properties: Record<string, any> }>();
  for (const file of fs.readdirSync(GOLDENS)) {
    const golden = JSON.parse(fs.readFileSync(path.join(GOLDENS, file), 'utf8'));
    if (golden.body?.properties.jobType !== 'AutoML') continue;
    const body = structuredClone(golden.body);
    body.properties.computeId = `${WS}/computes/cpu-cluster`;
    const task = body.properties.taskDetails;
    for (const key of ['trainingData', 'validationData', 'testData']) {
      if (task[key]) task[key].uri = `azureml://datastores/workspaceblobstore/paths/LocalUpload/${key}/`;
    }
    out.set(task.taskType, body);
  }
  return out;
}

describe('emulator ARM: AutoML jobs of every task kind', () => {
  const bodies = automlBodies();

  it('has a body of each of the ten task kinds', () => {
    assert.deepEqual([...bodies.keys()].sort(), [
      'Classification', 'Forecasting', 'ImageClassification', 'ImageClassificationMultilabel', 'ImageInstanceSegmentation',
      'ImageObjectDetection', 'Regression', 'TextClassification', 'TextClassificationMultilabel', 'TextNER',
    ]);
  });

  it('accepts each as Azure ML does', async () => {
    const h = createHarness();
    for (const [taskType, body] of bodies) {
      const name = `automl-${taskType.toLowerCase()}`;
      const created = await h.send('PUT', `${WS}/jobs/${name}`, { body });
      assert.equal(created.status, 201, `${taskType}: ${JSON.stringify(created.json)}`);
      assert.equal(created.json.properties.jobType, 'AutoML');
      assert.equal(created.json.properties.taskDetails.taskType, taskType);
      assert.equal(created.json.properties.status, 'NotStarted');
    }
  });

  it('refuses each without its training data, and unknown task types, naming the path', async () => {
    const h = createHarness();
    for (const [taskType, body] of bodies) {
      const broken = structuredClone(body);
      delete broken.properties.taskDetails.trainingData;
      const refused = await h.send('PUT', `${WS}/jobs/broken`, { body: broken });
      assert.equal(refused.status, 400, taskType);
      assert.equal(refused.json.error.message, "Required property 'trainingData' not found in JSON. Path 'properties.taskDetails'.", taskType);
    }
    const unknown = structuredClone(bodies.get('Regression')!);
    unknown.properties.taskDetails.taskType = 'Clustering';
    const refused = await h.send('PUT', `${WS}/jobs/broken`, { body: unknown });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /Unknown value 'Clustering' for 'properties.taskDetails.taskType'/);
  });
});
