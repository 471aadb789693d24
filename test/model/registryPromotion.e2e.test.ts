// Promotion from an Azure ML registry end to end: AzureMLModel@1's packaged bundle, run by the local runner as
// the agent runs it, promotes the emulator's seeded mlr-shared model into mlw-prod: the registry is found through
// registry discovery, the version read from the registry's resource provider, its files read from the registry's
// own storage account with the SAS the registry hands out and written to mlw-prod's storage; a re-run, a missing
// version or registry, and an identity without access to the registry behave as a user needs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { SEEDED_REGISTRY_MODEL } from '../../emulator/src/registries';
import { DEFAULT_TASKS_DIRECTORY } from '../../runner/index';
import { tempDir } from '../runner/helpers';
import { armCall, blobsInDefaultDatastore, runModelStep, workspaceArmId } from './modelPipelines';

const REGISTRY_MODEL = `azureml://registries/mlr-shared/models/${SEEDED_REGISTRY_MODEL.name}/versions/${SEEDED_REGISTRY_MODEL.version}`;

describe('AzureMLModel@1 promotion from the registry mlr-shared to mlw-prod (e2e)', function () {
  this.timeout(240_000);
  let emulator: RunningEmulator;
  let workDir: string;
  const workspaceId = (name: string) => workspaceArmId(emulator, name);

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLModelV1', 'index.js')), `no AzureMLModel bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('registry-e2e-emulator-') });
    workDir = tempDir('registry-e2e-project-');
  });

  after(async () => {
    await emulator?.stop();
  });

  const run = (inputs: Record<string, string>) => runModelStep(emulator, workDir, 'mlw-prod', inputs);
  const arm = (method: string, armPath: string) => armCall(emulator, method, armPath);
  const blobsIn = (workspace: string, prefix: string) => blobsInDefaultDatastore(emulator, workspace, prefix);

  it('lists the registry in connection.json', () => {
    assert.deepEqual(emulator.connection.registries, [{ registryName: 'mlr-shared', resourceGroupName: emulator.connection.resourceGroupName, storageAccountName: 'mlrsharedstore' }]);
  });

  it("copies the registry version's files into prod's storage with its type, description, tags and properties, and returns it again on a re-run", async () => {
    const promote = { modelName: 'credit-default', modelSource: 'model', sourceModel: REGISTRY_MODEL, tags: 'approvedBy=release' };
    const prod = await run(promote);
    assert.equal(prod.outcome.result, 'Succeeded', prod.console);
    assert.equal(prod.step.outputVariables.modelAssetId, 'azureml:credit-default:1');
    assert.match(prod.console, /Copying model 'credit-default' version '1' \(custom_model\) from https:\/\/mlrsharedstore\.blob\.core\.windows\.net\/.* in registry 'mlr-shared'/);
    assert.doesNotMatch(prod.console, /sig=[A-Za-z0-9%]{10,}/, 'the SAS is never printed');

    const version = (await arm('GET', `${workspaceId('mlw-prod')}/models/credit-default/versions/1`)).json().properties;
    assert.equal(version.modelType, 'custom_model');
    assert.equal(version.description, 'Credit default model shared by the platform team.');
    assert.deepEqual(version.tags, { owner: 'platform', domain: 'credit', approvedBy: 'release' });
    assert.equal(version.properties.framework, 'python-stdlib');
    assert.equal(version.properties['azure-devops.promotedFrom'], REGISTRY_MODEL);
    const uploaded = /\/workspaces\/mlw-prod\/datastores\/workspaceblobstore\/paths\/(LocalUpload\/[0-9a-f]{32}\/credit-default)$/.exec(version.modelUri);
    assert.ok(uploaded, version.modelUri);
    assert.deepEqual(await blobsIn('mlw-prod', uploaded[1]), Object.keys(SEEDED_REGISTRY_MODEL.files).map((f) => `${uploaded[1]}/${f}`).sort(), "the files are in prod's own storage");

    const again = await run(promote);
    assert.equal(again.outcome.result, 'Succeeded', again.console);
    assert.equal(again.step.outputVariables.modelVersion, '1');
    assert.match(again.console, /was promoted from azureml:\/\/registries\/mlr-shared\/models\/credit-default\/versions\/1 before/);
  });

  it('fails clearly when the registry has no such version, or there is no such registry', async () => {
    const missingVersion = await run({ modelName: 'credit-default', modelSource: 'model', sourceModel: REGISTRY_MODEL.replace(/versions\/1$/, 'versions/9') });
    assert.equal(missingVersion.outcome.result, 'Failed');
    assert.match(missingVersion.console, /Input sourceModel: model 'credit-default' version '9' was not found in registry 'mlr-shared'/);
    const missingRegistry = await run({ modelName: 'credit-default', modelSource: 'model', sourceModel: REGISTRY_MODEL.replace('mlr-shared', 'mlr-nope') });
    assert.equal(missingRegistry.outcome.result, 'Failed');
    assert.match(missingRegistry.console, /Input sourceModel: registry 'mlr-nope' was not found/);
    for (const console of [missingVersion.console, missingRegistry.console]) assert.doesNotMatch(console, /\n\s+at .+\.js:\d+/, 'no stack trace');
  });

  it('fails clearly, naming the permission, when the identity cannot read the registry', async () => {
    const assignment = emulator.context.roleAssignments().find((a) => a.principalId === emulator.connection.secret.objectId)!;
    const subscriptionScope = assignment.scope;
    assignment.scope = workspaceId('mlw-prod');
    try {
      const { outcome, console } = await run({ modelName: 'credit-denied', modelSource: 'model', sourceModel: REGISTRY_MODEL });
      assert.equal(outcome.result, 'Failed');
      assert.match(console, /Input sourceModel: cannot read model 'credit-default' version '1' in registry 'mlr-shared'/);
      assert.match(console, /Microsoft\.MachineLearningServices\/registries\/models\/versions\/read/);
      assert.match(console, /Grant it the AzureML Registry User \(or Reader\) role/);
      assert.doesNotMatch(console, /\n\s+at .+\.js:\d+/, 'no stack trace');
    } finally {
      assignment.scope = subscriptionScope;
    }
  });
});
