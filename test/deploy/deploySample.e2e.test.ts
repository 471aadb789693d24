// samples/deploy-pipeline.yml as `npm run demo -- deploy` runs it: train and register in mlw-dev, deploy to the
// dev Kubernetes endpoint (a deployment job on mlops-dev), promote the model to mlw-prod, and deploy it there at
// 0% behind prod's approval (a deployment job on mlops-prod), each deployment smoke-tested, then roll it out
// (the first one simply takes all traffic). A second run with a bad model (candidateFaultRate) and the rollout
// in seconds is rolled back; then samples/canary-deployment-job.yml walks a canary on the same endpoint, and
// its on.failure aborts one.
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
    // Metrics 3 s late (the emulator's default is a minute, as on Azure), matching FAST's metricDelayMinutes.
    emulator = await startEmulator({ stateDir: tempDir('deploy-sample-emulator-'), metricsDelaySeconds: 3 });
  });

  after(async () => {
    await emulator?.stop();
  });

  const endpointOf = (workspace: string, name: string) => {
    const id = `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/onlineEndpoints/${name}`;
    return { endpoint: getResource(emulator.context, 'endpoints', id), deployments: listChildren(emulator.context, 'deployments', id, 'deployments').map((d) => d.name) };
  };

  async function runSample(approvals: { approve?: string[]; reject?: string[] }, parameters: Record<string, string> = {}, sample = 'deploy-pipeline.yml') {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: path.join(REPO, 'samples', sample),
      parameters,
      target: emulatorTarget(emulator.connection, 'secret'),
      environmentsFile: path.join(REPO, 'samples', 'deploy', 'environments.yml'),
      approvals: { approve: approvals.approve ?? [], reject: approvals.reject ?? [] },
      sink: (line) => lines.push(line),
    });
    return { outcome, console: lines.join('\n') };
  }

  it('deploys to dev with all traffic, promotes, deploys to prod at 0% once prod is approved, and gives the first prod deployment all traffic', async () => {
    const { outcome, console } = await runSample({ approve: ['mlops-prod'] });
    assert.equal(outcome.result, 'Succeeded', console);
    const dev = endpointOf('mlw-dev', 'churn-dev');
    assert.equal(dev.deployments.length, 1, console);
    assert.deepEqual(dev.endpoint?.properties.traffic, { [dev.deployments[0]]: 100 });
    const prod = endpointOf('mlw-prod', 'churn-prod');
    assert.equal(prod.deployments.length, 1, console);
    // The endpoint's first deployment: nothing to roll out from, the rollout stage gives it all traffic.
    assert.deepEqual(prod.endpoint?.properties.traffic, { [prod.deployments[0]]: 100 }, console);
    assert.match(console, /First deployment run-\S+: promoted/);
    assert.doesNotMatch(console, /command not found/, 'no step output macro reaches bash unexpanded');
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

  // The rollout in seconds: 20 s steps, metrics 3 s late, 5 requests/s of load test.
  // The latency comparison needs 5 minutes a step: guardrails and the error comparison alone.
  const FAST = { rolloutSteps: 'mirror 20 for 20s; 50 for 20s; 100', metricDelayMinutes: '0.05', minRequests: '10', compareWithStable: 'false' };
  const prodTraffic = () => endpointOf('mlw-prod', 'churn-prod').endpoint?.properties.traffic as Record<string, number> | undefined;

  it('rolls a bad model back on the next run: the mirror step analysis catches it and the traffic is restored', async () => {
    const before = prodTraffic();
    const { outcome, console } = await runSample({ approve: ['mlops-prod'] }, { ...FAST, candidateFaultRate: '0.3' });
    assert.equal(outcome.result, 'Failed', console);
    assert.match(console, /Load test: 5 requests\/s/);
    // Caught on what the model did (its exceptions answer 424), not on too few requests.
    assert.match(console, /Step 1 \(mirror 20% for 20s\) failed its analysis: \d+ failed check.*error rate/);
    assert.deepEqual(prodTraffic(), before, console);
    assert.match(console, /Rollout of run-\S+: rolledBack/);
  });

  it('rolls a good model out through the mirror and canary steps, then deletes the old deployment', async () => {
    const old = Object.keys(prodTraffic() ?? {}).filter((name) => (prodTraffic() ?? {})[name] > 0);
    const { outcome, console } = await runSample({ approve: ['mlops-prod'] }, FAST);
    // The prod gate before the deploy may find too little recent traffic on prod to judge its health: the sample
    // lets that through with a warning (onInconclusive: warn), which is the only issue allowed here.
    if (outcome.result === 'SucceededWithIssues') assert.match(console, /##\[warning\]Gate inconclusive \(endpointHealth\)/);
    else assert.equal(outcome.result, 'Succeeded', console);
    assert.match(console, /Step 1: pass/);
    assert.match(console, /Step 2: pass/);
    assert.match(console, /Rollout of run-\S+: promoted/);
    const traffic = Object.entries(prodTraffic() ?? {}).filter(([, w]) => w > 0);
    assert.equal(traffic.length, 1, console);
    assert.notEqual(traffic[0][0], old[0]);
    assert.equal(traffic[0][1], 100);
    assert.match(console, new RegExp(`afterPromotion: deleting deployment '${old[0]}'`));
  });

  it('canary-deployment-job.yml: routeTraffic steps through the increments to 100%, and on.failure aborts at 50%', async () => {
    const good = await runSample({ approve: ['mlops-prod'] }, {}, 'canary-deployment-job.yml');
    assert.equal(good.outcome.result, 'Succeeded', good.console);
    const promoted = Object.entries(prodTraffic() ?? {}).filter(([, w]) => w > 0);
    assert.equal(promoted.length, 1, good.console);
    assert.match(promoted[0][0], /^canary-/);
    assert.equal(promoted[0][1], 100);
    assert.match(good.console, /takes 10% of live traffic/);
    assert.match(good.console, /takes 50% of live traffic/);

    const before = prodTraffic();
    const bad = await runSample({ approve: ['mlops-prod'] }, { failAtIncrement: '50' }, 'canary-deployment-job.yml');
    assert.equal(bad.outcome.result, 'Failed', bad.console);
    assert.match(bad.console, /The check failed at 50%/);
    assert.match(bad.console, /Rollout aborted; traffic restored to/);
    assert.deepEqual(prodTraffic(), before, bad.console);
  });
});
