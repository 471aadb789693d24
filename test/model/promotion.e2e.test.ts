// Promotion end to end: AzureMLModel@1's packaged bundle, run by the local runner as the agent runs it,
// registers a local folder in the emulator's mlw-dev workspace, then promotes that version to mlw-prod: the
// files are read from mlw-dev's storage account and written to mlw-prod's, and a re-run, a missing source
// and an identity without access to mlw-dev behave as a user needs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { DEFAULT_TASKS_DIRECTORY } from '../../runner/index';
import { tempDir } from '../runner/helpers';
import { armCall, blobsInDefaultDatastore, runModelStep, workspaceArmId } from './modelPipelines';

describe('AzureMLModel@1 promotion from mlw-dev to mlw-prod (e2e)', function () {
  this.timeout(240_000);
  let emulator: RunningEmulator;
  let workDir: string;
  const workspaceId = (name: string) => workspaceArmId(emulator, name);
  const assetId = (workspace: string, model: string, version: string) =>
    `azureml://subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/workspaces/${workspace}/models/${model}/versions/${version}`;

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLModelV1', 'index.js')), `no AzureMLModel bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('promotion-e2e-emulator-') });
    workDir = tempDir('promotion-e2e-project-');
  });

  after(async () => {
    await emulator?.stop();
  });

  const run = (workspaceName: string, inputs: Record<string, string>) => runModelStep(emulator, workDir, workspaceName, inputs);
  const arm = (method: string, armPath: string) => armCall(emulator, method, armPath);
  const blobsIn = (workspace: string, prefix: string) => blobsInDefaultDatastore(emulator, workspace, prefix);

  it('copies a dev model version into prod with its type, tags and properties, and returns it again on a re-run', async () => {
    const folder = path.join(workDir, 'churn-model');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'MLmodel'), 'flavors:\n  python_function: {}\n');
    fs.writeFileSync(path.join(folder, 'model.pkl'), 'dev weights');
    const dev = await run('mlw-dev', { modelName: 'churn', modelSource: 'localPath', modelPath: folder, tags: 'stage=candidate', description: 'trained in dev', properties: 'auc=0.91' });
    assert.equal(dev.outcome.result, 'Succeeded', dev.console);
    assert.equal(dev.step.outputVariables.modelVersion, '1');

    const source = assetId('mlw-dev', 'churn', '1');
    const promote = { modelName: 'churn', modelSource: 'model', sourceModel: source, tags: 'approvedBy=release' };
    const prod = await run('mlw-prod', promote);
    assert.equal(prod.outcome.result, 'Succeeded', prod.console);
    assert.equal(prod.step.outputVariables.modelAssetId, 'azureml:churn:1');
    assert.equal(prod.step.outputVariables.modelId, `${workspaceId('mlw-prod')}/models/churn/versions/1`);

    const version = (await arm('GET', `${workspaceId('mlw-prod')}/models/churn/versions/1`)).json().properties;
    assert.equal(version.modelType, 'mlflow_model');
    assert.equal(version.description, 'trained in dev');
    assert.deepEqual(version.tags, { stage: 'candidate', approvedBy: 'release' });
    assert.equal(version.properties.auc, '0.91');
    assert.equal(version.properties['azure-devops.promotedFrom'], source);
    const uploaded = /^azureml:\/\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/mlw-prod\/datastores\/workspaceblobstore\/paths\/(LocalUpload\/[0-9a-f]{32}\/churn-model)$/.exec(version.modelUri);
    assert.ok(uploaded, version.modelUri);
    assert.deepEqual(await blobsIn('mlw-prod', uploaded[1]), [`${uploaded[1]}/MLmodel`, `${uploaded[1]}/model.pkl`], "the files are in prod's own storage");
    const devUri = (await arm('GET', `${workspaceId('mlw-dev')}/models/churn/versions/1`)).json().properties.modelUri;
    assert.equal(devUri.replace('/workspaces/mlw-dev/', '/workspaces/mlw-prod/'), version.modelUri, 'the same content-hashed layout as the dev upload');

    const again = await run('mlw-prod', promote);
    assert.equal(again.outcome.result, 'Succeeded', again.console);
    assert.equal(again.step.outputVariables.modelVersion, '1');
    assert.match(again.console, /was promoted from .*mlw-dev\/models\/churn\/versions\/1 before/);
    assert.equal((await arm('GET', `${workspaceId('mlw-prod')}/models/churn`)).json().properties.nextVersion, '2');
  });

  it('fails clearly when the source version does not exist', async () => {
    const { outcome, console } = await run('mlw-prod', { modelName: 'churn', modelSource: 'model', sourceModel: assetId('mlw-dev', 'churn', '9') });
    assert.equal(outcome.result, 'Failed');
    assert.match(console, /Input sourceModel: model 'churn' version '9' was not found in workspace 'mlw-dev'/);
    assert.doesNotMatch(console, /\n\s+at .+\.js:\d+/, 'no stack trace');
  });

  it('fails clearly, naming the role, when the identity cannot read the source workspace', async () => {
    const assignment = emulator.context.roleAssignments().find((a) => a.principalId === emulator.connection.secret.objectId)!;
    const subscriptionScope = assignment.scope;
    assignment.scope = workspaceId('mlw-prod');
    try {
      const { outcome, console } = await run('mlw-prod', { modelName: 'churn-denied', modelSource: 'model', sourceModel: assetId('mlw-dev', 'churn', '1') });
      assert.equal(outcome.result, 'Failed');
      assert.match(console, /Input sourceModel: Cannot read Azure ML workspace 'mlw-dev'/);
      assert.match(console, /Microsoft\.MachineLearningServices\/workspaces\/read/);
      assert.match(console, /grant the service connection's identity the AzureML Data Scientist role on the source workspace/);
      assert.doesNotMatch(console, /\n\s+at .+\.js:\d+/, 'no stack trace');
    } finally {
      assignment.scope = subscriptionScope;
    }
  });
});
