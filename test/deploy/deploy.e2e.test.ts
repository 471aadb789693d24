// AzureMLDeploy@1 end to end: the packaged bundle, run by the local runner as the agent runs it, against the
// emulator, whose deployments run the user's score.py for real behind the scoring URIs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { AdminClient } from '../../emulator/src/adminClient';
import { ENDPOINT_KEYS, ENDPOINT_TOKENS, tokenDigest } from '../../emulator/src/arm/endpoints';
import { getResource, listChildren } from '../../emulator/src/arm/resources';
import { Cancellation, DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { tempDir } from '../runner/helpers';

const SCORE_PY = `import json, os

model = None

def init():
    global model
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.json")) as f:
        model = json.load(f)

def run(raw_data):
    data = json.loads(raw_data)["data"]
    return {"predictions": [x * model["factor"] for x in data]}
`;

const BROKEN_SCORE_PY = `def init():
    raise RuntimeError("cannot load the model: weights missing")

def run(raw_data):
    return raw_data
`;

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** A project: code, a local model, endpoint and deployment files (managed and Kubernetes), a request body. */
function writeProject(dir: string): void {
  write(path.join(dir, 'src', 'score.py'), SCORE_PY);
  write(path.join(dir, 'broken', 'score.py'), BROKEN_SCORE_PY);
  write(path.join(dir, 'model', 'weights.json'), '{"factor": 2}');
  write(path.join(dir, 'request.json'), '{"data": [1, 2, 3]}');
  write(path.join(dir, 'managed-endpoint.yml'), ['$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json', 'name: churn', 'auth_mode: key', ''].join('\n'));
  const deployment = (name: string, code: string, extra: string[] = []) =>
    [`name: ${name}`, 'endpoint_name: churn', 'model:', '  path: model', 'code_configuration:', `  code: ${code}`, '  scoring_script: score.py', 'environment:', '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'instance_type: Standard_DS3_v2', 'instance_count: 1', ...extra, ''].join('\n');
  write(path.join(dir, 'blue.yml'), deployment('blue', 'src'));
  write(path.join(dir, 'green.yml'), deployment('green', 'src'));
  write(path.join(dir, 'broken.yml'), deployment('broken', 'broken'));
  write(path.join(dir, 'slow', 'score.py'), 'import time\n\ndef init():\n    time.sleep(60)\n\ndef run(raw_data):\n    return raw_data\n');
  write(path.join(dir, 'slow.yml'), deployment('slow', 'slow'));
  write(path.join(dir, 'k8s-endpoint.yml'), ['$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json', 'name: churn-k8s', 'compute: azureml:k8s-dev', 'auth_mode: aml_token', ''].join('\n'));
  write(
    path.join(dir, 'k8s-deployment.yml'),
    ['$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json', 'type: kubernetes', 'name: blue', 'endpoint_name: churn-k8s', 'model:', '  path: model', 'code_configuration:', '  code: src', '  scoring_script: score.py', 'environment:', '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'instance_type: small', 'instance_count: 1', ''].join('\n'),
  );
  write(
    path.join(dir, 'pipeline.yml'),
    [
      'steps:',
      '  - task: AzureMLDeploy@1',
      '    name: deploy',
      '    inputs:',
      '      azureSubscription: emulator',
      '      resourceGroupName: $(resourceGroupName)',
      '      workspaceName: $(workspaceName)',
      '      endpointFile: $(endpointFile)',
      '      deploymentFile: $(deploymentFile)',
      '      overrides: $(overrides)',
      '      trafficAfterDeploy: $(trafficAfterDeploy)',
      '      smokeTestFile: $(smokeTestFile)',
      '      expectJsonPath: $(expectJsonPath)',
      '      expectValue: $(expectValue)',
      '      onFailure: $(onFailure)',
      '      timeoutMinutes: 3',
      '      dryRun: $(dryRun)',
      '',
    ].join('\n'),
  );
}

interface Choices {
  workspace?: string;
  endpointFile?: string;
  deploymentFile: string;
  overrides?: string;
  trafficAfterDeploy?: 'none' | 'all';
  smokeTest?: boolean;
  expectValue?: string;
  onFailure?: 'keep' | 'delete';
  dryRun?: boolean;
  cancellation?: Cancellation;
  onLine?: (line: string) => void;
}

describe('AzureMLDeploy@1 against the emulator (e2e)', function () {
  this.timeout(240_000);
  let emulator: RunningEmulator;
  let admin: AdminClient;
  let dir: string;

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLDeployV1', 'index.js')), `no AzureMLDeploy bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('deploy-e2e-emulator-') });
    admin = new AdminClient(emulator.connection.adminUrl);
    dir = tempDir('deploy-e2e-project-');
    writeProject(dir);
  });

  after(async () => {
    await emulator?.stop();
  });

  const workspaceId = (workspace = emulator.connection.workspaceName) =>
    `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
  const endpoint = (name: string, workspace?: string) => getResource(emulator.context, 'endpoints', `${workspaceId(workspace)}/onlineEndpoints/${name}`);
  const deployments = (name: string, workspace?: string) => listChildren(emulator.context, 'deployments', `${workspaceId(workspace)}/onlineEndpoints/${name}`, 'deployments').map((d) => d.name);

  async function run(choices: Choices) {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: path.join(dir, 'pipeline.yml'),
      target: emulatorTarget(emulator.connection, 'secret'),
      variables: {
        resourceGroupName: emulator.connection.resourceGroupName,
        workspaceName: choices.workspace ?? emulator.connection.workspaceName,
        endpointFile: choices.endpointFile ? path.join(dir, choices.endpointFile) : '',
        deploymentFile: path.join(dir, choices.deploymentFile),
        overrides: choices.overrides ?? '',
        trafficAfterDeploy: choices.trafficAfterDeploy ?? 'none',
        smokeTestFile: choices.smokeTest ? path.join(dir, 'request.json') : '',
        expectJsonPath: choices.smokeTest ? '$.predictions[1]' : '',
        expectValue: choices.smokeTest ? (choices.expectValue ?? '4') : '',
        onFailure: choices.onFailure ?? 'keep',
        dryRun: String(choices.dryRun ?? false),
      },
      cancellation: choices.cancellation,
      sink: (line) => {
        lines.push(line);
        choices.onLine?.(line);
      },
    });
    const step = outcome.report.stages[0].jobs[0].steps[0];
    return { outcome, step, console: lines.join('\n') };
  }

  it('dryRun prints both bodies and creates nothing', async () => {
    const { outcome, step, console } = await run({ endpointFile: 'managed-endpoint.yml', deploymentFile: 'blue.yml', dryRun: true });
    assert.equal(outcome.result, 'Succeeded', console);
    assert.match(console, /Dry run: nothing is uploaded, created or changed/);
    assert.match(console, /"authMode": "Key"/);
    assert.match(console, /PUT .*onlineEndpoints\/churn\/deployments\/blue\?api-version=2023-04-01/);
    assert.equal(step.outputVariables.provisioningState, 'NotDeployed');
    assert.equal(endpoint('churn'), undefined);
  });

  it('creates a managed endpoint, deploys, smoke-tests the new deployment and gives it all traffic (first deployment)', async () => {
    const { outcome, step, console } = await run({ endpointFile: 'managed-endpoint.yml', deploymentFile: 'blue.yml', trafficAfterDeploy: 'all', smokeTest: true });
    assert.equal(outcome.result, 'Succeeded', console);
    assert.match(console, /Creating managed online endpoint 'churn'/);
    assert.match(console, /Deployment 'blue': provisioning state (Creating|Updating)/);
    assert.match(console, /Deployment 'blue': provisioning state Succeeded/);
    assert.match(console, /Smoke test passed \(200/);
    assert.deepEqual(endpoint('churn')?.properties.traffic, { blue: 100 });
    assert.equal(step.outputVariables.trafficBefore, '{}');
    assert.equal(step.outputVariables.provisioningState, 'Succeeded');
    assert.match(step.outputVariables.scoringUri ?? '', /^https:\/\/churn\..+\.inference\.ml\.azure\.com\/score$/);
    assert.match(step.outputVariables.swaggerUri ?? '', /swagger\.json$/);
    const keys = emulator.context.store.get<{ primaryKey: string; secondaryKey: string }>(ENDPOINT_KEYS, endpoint('churn')!.id.toLowerCase())!;
    assert.ok(keys.primaryKey);
    assert.ok(!console.includes(keys.primaryKey) && !console.includes(keys.secondaryKey), 'keys never printed');
  });

  it('adds a second deployment at 0%: traffic untouched, trafficBefore reported; all is refused', async () => {
    const refused = await run({ endpointFile: 'managed-endpoint.yml', deploymentFile: 'green.yml', trafficAfterDeploy: 'all' });
    assert.equal(refused.outcome.result, 'Failed', refused.console);
    assert.match(refused.console, /trafficAfterDeploy: 'all' is only allowed for an endpoint's first deployment; endpoint 'churn' already has 'blue'/);
    assert.ok(!deployments('churn').includes('green'));

    const { outcome, step, console } = await run({ endpointFile: 'managed-endpoint.yml', deploymentFile: 'green.yml', smokeTest: true });
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(step.outputVariables.trafficBefore, '{"blue":100}');
    assert.deepEqual(endpoint('churn')?.properties.traffic, { blue: 100 });
    assert.ok(deployments('churn').includes('green'));
    const scored = await admin.scoring({ endpoint: 'churn', deployment: 'green' });
    assert.ok(scored.length > 0, 'the smoke test reached green alone');
  });

  it('fails a smoke test whose answer is wrong, keeping traffic as it was', async () => {
    const { outcome, console } = await run({ deploymentFile: 'green.yml', smokeTest: true, expectValue: '5' });
    assert.equal(outcome.result, 'Failed', console);
    assert.match(console, /Smoke test of deployment 'green' failed: \$\.predictions\[1\] is 4, expected 5/);
    assert.match(console, /----- InferenceServer log of deployment 'green'/, 'the container log is shown');
    assert.deepEqual(endpoint('churn')?.properties.traffic, { blue: 100 });
  });

  it('registers a named inline model and environment without a version as their next versions, as az ml does', async () => {
    const named = { deploymentFile: 'green.yml', overrides: 'model.name=churn-model\nenvironment.name=scoring-env' };
    const versions = (type: string, name: string) => listChildren(emulator.context, 'assets', `${workspaceId()}/${type}/${name}`, 'versions').map((v) => v.name).sort();
    for (const expected of ['1', '2']) {
      const { outcome, console } = await run(named);
      assert.equal(outcome.result, 'Succeeded', console);
      assert.match(console, new RegExp(`Registering environment scoring-env:${expected}\\.`));
      assert.match(console, new RegExp(`Registering model churn-model:${expected}\\.`));
    }
    assert.deepEqual(versions('models', 'churn-model'), ['1', '2']);
    assert.deepEqual(versions('environments', 'scoring-env'), ['1', '2']);
    const green = getResource(emulator.context, 'deployments', `${workspaceId()}/onlineEndpoints/churn/deployments/green`);
    assert.equal(green?.properties.model, `${workspaceId()}/models/churn-model/versions/2`);
    assert.equal(green?.properties.environmentId, `${workspaceId()}/environments/scoring-env/versions/2`);
  });

  it('explains a failed deployment with the service error and container logs, and deletes it on onFailure delete', async () => {
    const { outcome, step, console } = await run({ deploymentFile: 'broken.yml', onFailure: 'delete' });
    assert.equal(outcome.result, 'Failed', console);
    assert.match(console, /provisioning state Failed/);
    assert.match(console, /The service reports:\n  ResourceNotReady: User container has crashed/);
    assert.match(console, /##\[error\]Deployment 'broken' provisioning ended Failed: ResourceNotReady/);
    assert.match(console, /----- StorageInitializer log of deployment 'broken'/);
    assert.match(console, /----- InferenceServer log of deployment 'broken'[\s\S]*cannot load the model: weights missing/);
    assert.match(console, /deletion of the failed deployment 'broken' was requested/);
    assert.equal(step.outputVariables.provisioningState, 'Failed');
    const deletes = (await admin.requests()).filter((r) => r.method === 'DELETE' && /\/onlineEndpoints\/churn\/deployments\//i.test(r.path));
    assert.deepEqual(deletes.map((r) => r.path.split('/').pop()), ['broken']);
  });

  it('never deletes a failed deployment that serves traffic', async () => {
    await admin.addFault({ kind: 'lroFailed', method: 'PUT', pathPattern: '/subscriptions/**/onlineEndpoints/churn/deployments/blue' });
    const { outcome, console } = await run({ deploymentFile: 'blue.yml', overrides: 'instance_count=2', onFailure: 'delete' });
    assert.equal(outcome.result, 'Failed', console);
    assert.match(console, /deployment 'blue' is not deleted: endpoint 'churn' sends it 100% of its traffic/);
    assert.ok(deployments('churn').includes('blue'));
    assert.ok(!(await admin.requests()).some((r) => r.method === 'DELETE' && /\/deployments\/blue$/i.test(r.path)), 'no DELETE of blue');
    assert.deepEqual(endpoint('churn')?.properties.traffic, { blue: 100 });
  });

  it('stops waiting when cancelled, says the deployment state and leaves traffic untouched', async () => {
    const cancellation = new Cancellation();
    const { outcome, console } = await run({
      deploymentFile: 'slow.yml',
      cancellation,
      onLine: (line) => {
        if (/Deployment 'slow': provisioning state Creating/.test(line)) cancellation.cancel();
      },
    });
    assert.equal(outcome.result, 'Canceled', console);
    assert.match(console, /Cancelled: stopped waiting\. Deployment 'slow' of endpoint 'churn' was in provisioning state Creating; it is left as it is .* the endpoint's traffic is untouched \(\{"blue":100\}\)/);
    assert.deepEqual(endpoint('churn')?.properties.traffic, { blue: 100 });
  });

  it('deploys to a Kubernetes endpoint with token auth and smoke-tests it, never printing the token', async () => {
    const { outcome, step, console } = await run({ workspace: 'mlw-dev', endpointFile: 'k8s-endpoint.yml', deploymentFile: 'k8s-deployment.yml', trafficAfterDeploy: 'all', smokeTest: true });
    assert.equal(outcome.result, 'Succeeded', console);
    assert.match(console, /Kubernetes compute 'k8s-dev': healthy, namespace 'azureml', instance type 'small'/);
    assert.match(console, /Smoke test passed/);
    assert.match(step.outputVariables.scoringUri ?? '', /cloudapp\.azure\.com\/api\/v1\/endpoint\/churn-k8s\/score$/);
    assert.deepEqual(endpoint('churn-k8s', 'mlw-dev')?.properties.traffic, { blue: 100 });
    // getToken was called (the scoring host takes nothing else) and its token, 64 base64url characters, was masked.
    const issued = new Set(emulator.context.store.list(ENDPOINT_TOKENS).map((t) => t.key));
    assert.ok(issued.size > 0);
    const printed = [...console.matchAll(/[A-Za-z0-9_-]{64}/g)].map((m) => m[0]);
    assert.ok(printed.every((candidate) => !issued.has(tokenDigest(candidate))), 'no token printed');
  });

  it('fails in seconds on an instance type the Kubernetes compute does not define', async () => {
    const { outcome, console } = await run({ workspace: 'mlw-dev', endpointFile: 'k8s-endpoint.yml', deploymentFile: 'k8s-deployment.yml', overrides: 'instance_type=huge\nname=green' });
    assert.equal(outcome.result, 'Failed', console);
    assert.match(console, /instance type 'huge' is not defined on Kubernetes compute 'k8s-dev'; defined: small, defaultinstancetype/);
    assert.ok(!deployments('churn-k8s', 'mlw-dev').includes('green'));
  });
});
