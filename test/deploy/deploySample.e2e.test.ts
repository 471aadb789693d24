// samples/deploy-pipeline.yml as `npm run demo -- deploy` runs it: train and register in mlw-dev, deploy to the
// dev Kubernetes endpoint (a deployment job on mlops-dev), promote the model to mlw-prod, and deploy it there at
// 0% behind prod's approval (a deployment job on mlops-prod), each deployment smoke-tested.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { getResource, listChildren } from '../../emulator/src/arm/resources';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { tempDir } from '../runner/helpers';

const REPO = path.resolve(__dirname, '..', '..');

describe('samples/deploy-pipeline.yml against the emulator (e2e)', function () {
  this.timeout(600_000);
  let emulator: RunningEmulator;

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLDeployV1', 'index.js')), `no AzureMLDeploy bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('deploy-sample-emulator-') });
  });

  after(async () => {
    await emulator?.stop();
  });

  const endpointOf = (workspace: string, name: string) => {
    const id = `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/onlineEndpoints/${name}`;
    return { endpoint: getResource(emulator.context, 'endpoints', id), deployments: listChildren(emulator.context, 'deployments', id, 'deployments').map((d) => d.name) };
  };

  async function runSample(approvals: { approve?: string[]; reject?: string[] }) {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: path.join(REPO, 'samples', 'deploy-pipeline.yml'),
      target: emulatorTarget(emulator.connection, 'secret'),
      environmentsFile: path.join(REPO, 'samples', 'deploy', 'environments.yml'),
      approvals: { approve: approvals.approve ?? [], reject: approvals.reject ?? [] },
      sink: (line) => lines.push(line),
    });
    return { outcome, console: lines.join('\n') };
  }

  it('deploys to dev with all traffic, promotes, and deploys to prod at 0% once prod is approved', async () => {
    const { outcome, console } = await runSample({ approve: ['mlops-prod'] });
    assert.equal(outcome.result, 'Succeeded', console);
    const dev = endpointOf('mlw-dev', 'churn-dev');
    assert.equal(dev.deployments.length, 1, console);
    assert.deepEqual(dev.endpoint?.properties.traffic, { [dev.deployments[0]]: 100 });
    const prod = endpointOf('mlw-prod', 'churn-prod');
    assert.equal(prod.deployments.length, 1, console);
    assert.ok(Object.values(prod.endpoint?.properties.traffic ?? {}).every((weight) => weight === 0), JSON.stringify(prod.endpoint?.properties.traffic));
    assert.deepEqual(Object.keys(outcome.report.deployments).sort(), ['mlops-dev', 'mlops-prod']);
    assert.equal(outcome.report.deployments['mlops-prod'][0].result, 'Succeeded');
    assert.match(console, /Deployed run-\S+ to churn-prod at 0%/);
    // The prod gate ran before the deploy; the first run finds no prod endpoint, so there is nothing to compare or protect.
    // The candidate's accuracy comes from its training job in dev, through the promotion's lineage.
    assert.match(console, /championChallenger: pass: No champion: endpoint 'churn-prod' does not exist yet, so model churn-model:\d+ \(accuracy [\d.]+ from job \S+ of workspace 'mlw-dev' \(MLflow\)\) has nothing to beat/);
    assert.match(console, /endpointHealth: pass: endpoint 'churn-prod' does not exist in workspace 'mlw-prod' yet/);
  });

  it('stops before prod when prod is rejected, leaving prod as it was', async () => {
    const before = endpointOf('mlw-prod', 'churn-prod').deployments;
    const { outcome, console } = await runSample({ reject: ['mlops-prod'] });
    assert.notEqual(outcome.result, 'Succeeded', console);
    assert.deepEqual(endpointOf('mlw-prod', 'churn-prod').deployments, before);
  });
});
