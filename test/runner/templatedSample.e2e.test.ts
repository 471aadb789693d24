// samples/templated-training-pipeline.yml end to end: the train and register steps come from the
// templates in samples/templates/, and run from the packaged bundles against the embedded emulator.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmbeddedEmulator, type EmulatorHandle } from '../../runner/embeddedEmulator';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { tempDir } from './helpers';

const SAMPLE = path.resolve(__dirname, '..', '..', 'samples', 'templated-training-pipeline.yml');

describe('runner: the templated training sample against the embedded emulator', function () {
  this.timeout(180_000);
  let emulator: EmulatorHandle;

  before(async () => {
    // `npm test` builds the bundles first; a bare mocha run needs `npm run build`.
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLModelV1', 'task.json')), `no AzureMLModel bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmbeddedEmulator(tempDir('runner-templated-emulator-'));
  });

  after(async () => {
    await emulator?.stop();
  });

  it('trains and registers the model through the step, job and variable templates', async () => {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: SAMPLE,
      target: emulatorTarget(emulator.connection, 'secret'),
      variables: { resourceGroupName: emulator.connection.resourceGroupName, workspaceName: emulator.connection.workspaceName },
      sink: (l) => lines.push(l),
    });
    const console = lines.join('\n');
    assert.equal(outcome.result, 'Succeeded', console);
    const job = outcome.report.stages[0].jobs[0];
    assert.equal(job.displayName, 'Train and register churn-model');
    assert.deepEqual(
      job.steps.map((s) => [s.name, s.result]),
      [
        ['workspace', 'Succeeded'],
        ['compute', 'Succeeded'],
        ['train', 'Succeeded'],
        ['model', 'Succeeded'],
        ['CmdLine', 'Succeeded'],
      ],
    );
    const model = job.steps.find((s) => s.name === 'model')!;
    assert.equal(model.outputVariables.modelName, 'churn-model');
    assert.match(console, /Registered: churn-model version \d+/);
  });
});
