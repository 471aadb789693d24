// AzureMLModel@1 end to end: the packaged bundle, run by the local runner as the agent runs it, against the
// real emulator (ARM, Entra ID, Azurite behind the loopback proxy). The job-output case sets up what a
// finished training job leaves behind: a job through ARM, its output uploaded to Azure ML's default output
// path, and the job moved to Completed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockBlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import * as tls from 'node:tls';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import type { ArmContext } from '../../tasks/common/azure/arm';
import { knownCloud } from '../../tasks/common/azure/clouds';
import { FINGERPRINT_PROPERTY, sourceFingerprint } from '../../tasks/common/workspace/lineage';
import { createModelRegistryApi } from '../../tasks/common/workspace/modelRegistry';
import { registerModelVersion } from '../../tasks/common/model/register';
import { createHttpClient } from '../../tasks/common/azure/network';
import { setJobStatus } from '../../emulator/src/arm';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { proxiedRequest, secretToken } from '../emulator/emulatorFixtures';
import { tempDir } from '../runner/helpers';
import { TRAINING_JOB_BODY } from './fakes';

interface Step {
  name: string;
  inputs: Record<string, string>;
}

function pipelineYaml(steps: Step[]): string {
  const lines = ['steps:'];
  for (const step of steps) {
    lines.push('  - task: AzureMLModel@1', `    name: ${step.name}`, '    inputs:', '      azureSubscription: emulator', '      resourceGroupName: $(resourceGroupName)', '      workspaceName: $(workspaceName)');
    for (const [key, value] of Object.entries(step.inputs)) lines.push(`      ${key}: ${JSON.stringify(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('AzureMLModel@1 against the emulator (e2e)', function () {
  this.timeout(180_000);
  let emulator: RunningEmulator;
  let workDir: string;
  let workspaceId: string;

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLModelV1', 'index.js')), `no AzureMLModel bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('model-e2e-emulator-') });
    workDir = tempDir('model-e2e-project-');
    const { subscriptionId, resourceGroupName, workspaceName } = emulator.connection;
    workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${workspaceName}`;
  });

  after(async () => {
    await emulator?.stop();
  });

  async function run(steps: Step[]) {
    const pipelineFile = path.join(workDir, `pipeline-${Date.now()}-${Math.random().toString(36).slice(2)}.yml`);
    fs.writeFileSync(pipelineFile, pipelineYaml(steps));
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile,
      target: emulatorTarget(emulator.connection, 'secret'),
      variables: { resourceGroupName: emulator.connection.resourceGroupName, workspaceName: emulator.connection.workspaceName },
      sink: (line) => lines.push(line),
    });
    return { outcome, steps: outcome.report.stages[0].jobs[0].steps, console: lines.join('\n') };
  }

  async function arm(method: string, armPath: string, body?: unknown) {
    const token = await secretToken(emulator.connection, 'https://management.azure.com/.default');
    return proxiedRequest(emulator.connection, `https://management.azure.com${armPath}?api-version=2022-10-01`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function modelFolder(name: string, files: Record<string, string>): string {
    const dir = path.join(workDir, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  }

  it('uploads a local MLflow folder, registers version 1, and returns it again on a re-run', async () => {
    const folder = modelFolder('churn-model', { MLmodel: 'flavors:\n  python_function: {}\n', 'model.pkl': 'weights' });
    const modelJsonFile = path.join(workDir, 'out', 'model.json');
    const inputs = { modelName: 'churn', modelSource: 'localPath', modelPath: folder, modelJsonFile, tags: 'stage=candidate' };
    const { outcome, steps, console } = await run([{ name: 'register', inputs }, { name: 'again', inputs }]);
    assert.equal(outcome.result, 'Succeeded', console);
    const [first, second] = steps;
    assert.equal(first.outputVariables.modelVersion, '1');
    assert.equal(first.outputVariables.modelAssetId, 'azureml:churn:1');
    assert.equal(first.outputVariables.modelId, `${workspaceId}/models/churn/versions/1`);
    assert.equal(second.outputVariables.modelVersion, '1', 'the re-run returns the registered version');
    assert.match(console, /already registered as model 'churn' version 1/);
    assert.match(console, /already uploaded/);

    const version = (await arm('GET', `${workspaceId}/models/churn/versions/1`)).json();
    assert.equal(version.properties.modelType, 'mlflow_model');
    assert.match(version.properties.modelUri, /^azureml:\/\/subscriptions\/.+\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/churn-model$/);
    assert.equal(version.properties.tags.stage, 'candidate');
    assert.ok(version.properties.properties['azure-devops.buildId'], 'pipeline lineage');
    assert.ok(version.properties.properties['azure-devops.sourceFingerprint']);

    const json = JSON.parse(fs.readFileSync(modelJsonFile, 'utf8'));
    assert.deepEqual([json.name, json.version, json.assetId, json.type, json.source.kind], ['churn', '1', 'azureml:churn:1', 'mlflow_model', 'localPath']);
    assert.equal((await arm('GET', `${workspaceId}/models/churn`)).json().properties.nextVersion, '2');
  });

  it('registers a changed folder as the next version', async () => {
    const folder = modelFolder('churn-model', { MLmodel: 'flavors:\n  python_function: {}\n', 'model.pkl': 'better weights' });
    const { outcome, steps, console } = await run([{ name: 'register', inputs: { modelName: 'churn', modelSource: 'localPath', modelPath: folder } }]);
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(steps[0].outputVariables.modelVersion, '2');
  });

  it('fails with a clear message when an explicit version holds other content', async () => {
    const folder = modelFolder('other-model', { 'model.onnx': 'onnx' });
    const { outcome, console } = await run([{ name: 'register', inputs: { modelName: 'churn', modelSource: 'localPath', modelPath: folder, version: '1' } }]);
    assert.equal(outcome.result, 'Failed');
    assert.match(console, /Model 'churn' version '1' already exists with different content/);
    assert.doesNotMatch(console, /\n\s+at .+\.js:\d+/, 'no stack trace');
  });

  it('registers a completed job output, and refuses a missing job and a missing output', async () => {
    assert.equal((await arm('PUT', `${workspaceId}/jobs/train-e2e-1`, TRAINING_JOB_BODY)).status, 201);
    // Azure ML's default output location: azureml/<job>/<output>/ on the default datastore.
    const workspace = (await arm('GET', workspaceId)).json();
    const container = `azureml-blobstore-${workspace.properties.workspaceId}`;
    const credential = new StorageSharedKeyCredential(emulator.connection.storageAccountName, emulator.context.facts.storageAccountKey);
    for (const [name, text] of [['MLmodel', 'flavors: {}\n'], ['model.pkl', 'w']]) {
      await new BlockBlobClient(`${emulator.azuriteBlobUrl}/${container}/azureml/train-e2e-1/model/${name}`, credential).upload(text, text.length);
    }
    setJobStatus(emulator.context, `${workspaceId}/jobs/train-e2e-1`, 'Completed');

    const { outcome, steps, console } = await run([{ name: 'register', inputs: { modelName: 'churn-job', jobName: 'train-e2e-1' } }]);
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(steps[0].outputVariables.modelAssetId, 'azureml:churn-job:1');
    const version = (await arm('GET', `${workspaceId}/models/churn-job/versions/1`)).json();
    assert.deepEqual([version.properties.modelUri, version.properties.modelType, version.properties.jobName], ['azureml://jobs/train-e2e-1/outputs/model', 'mlflow_model', 'train-e2e-1']);

    const missingJob = await run([{ name: 'register', inputs: { modelName: 'churn-job', jobName: 'no-such-job' } }]);
    assert.equal(missingJob.outcome.result, 'Failed');
    assert.match(missingJob.console, /job 'no-such-job' was not found/);
    const missingOutput = await run([{ name: 'register', inputs: { modelName: 'churn-job', jobName: 'train-e2e-1', outputName: 'best' } }]);
    assert.equal(missingOutput.outcome.result, 'Failed');
    assert.match(missingOutput.console, /has no output 'best'\. Its outputs are: model/);
  });

  it('gives concurrent registrations distinct versions through the real registry', async () => {
    const { connection } = emulator;
    const token = await secretToken(connection, 'https://management.azure.com/.default');
    const context: ArmContext = {
      cloud: knownCloud('AzureCloud')!,
      credential: { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 600_000 }) },
      subscriptionId: connection.subscriptionId,
      httpClient: createHttpClient({ proxy: { url: new URL(connection.proxyUrl), bypass: () => false }, tls: { ca: [...tls.rootCertificates, fs.readFileSync(connection.caCertFile, 'utf8')] } }),
      userAgent: 'model-e2e',
    };
    const api = createModelRegistryApi(context, { subscriptionId: connection.subscriptionId, resourceGroup: connection.resourceGroupName, workspace: connection.workspaceName });
    const registrations = Array.from({ length: 5 }, (_, i) => {
      const modelUri = `azureml://datastores/workspaceblobstore/paths/concurrent/m${i}`;
      const body = { modelUri, modelType: 'custom_model', properties: { [FINGERPRINT_PROPERTY]: sourceFingerprint(modelUri, 'custom_model') } };
      return registerModelVersion({ api, modelName: 'concurrent', body, log: () => undefined });
    });
    const versions = (await Promise.all(registrations)).map((r) => r.model.name);
    assert.deepEqual([...versions].sort(), ['1', '2', '3', '4', '5']);
    const log = fs.readFileSync(path.join(emulator.stateDir, 'requests.log'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { method?: string; path?: string; status?: number });
    assert.ok(log.some((entry) => entry.method === 'PUT' && /models\/concurrent\/versions/.test(entry.path ?? '') && entry.status === 409), 'some registrations lost a version and took the next one');
    const stored = (await arm('GET', `${workspaceId}/models/concurrent/versions`)).json().value;
    assert.equal(new Set(stored.map((v: { properties: { modelUri: string } }) => v.properties.modelUri)).size, 5);
  });
});
