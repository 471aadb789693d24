// AzureMLRollout@1 end to end: the packaged bundle, run by the local runner as the agent runs it, against the
// emulator. Blue (100%) and green (0%) are deployed by AzureMLDeploy@1 and run score.py for real; the test sends
// scoring traffic through the proxy with the endpoint key while the rollout runs, and the task judges green on
// the Azure Monitor metrics the emulator computes from those requests. Steps last seconds and the metrics delay
// is two seconds, so each rollout takes well under a minute.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { AdminClient } from '../../emulator/src/adminClient';
import { ENDPOINT_KEYS } from '../../emulator/src/arm/endpoints';
import { getResource } from '../../emulator/src/arm/resources';
import { Cancellation, DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { proxiedRequest } from '../emulator/emulatorFixtures';
import { writeFiles } from '../emulator/jobFixtures';
import { tempDir } from '../runner/helpers';

const SCORE_PY = `import json

def init():
    pass

def run(raw_data):
    return {"predictions": [x * 2 for x in json.loads(raw_data)["data"]]}
`;

const STEPS = 'mirror 20 for 6s; 50 for 6s; 100';

const deploymentYaml = (name: string) =>
  [`name: ${name}`, 'endpoint_name: churn', 'model:', '  path: model', 'code_configuration:', '  code: src', '  scoring_script: score.py', 'environment:', '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'instance_type: Standard_DS3_v2', 'instance_count: 1', ''].join('\n');

const deployStep = (file: string, traffic: string, endpointFile = '') =>
  ['  - task: AzureMLDeploy@1', '    inputs:', '      azureSubscription: emulator', '      resourceGroupName: $(resourceGroupName)', '      workspaceName: $(workspaceName)', `      endpointFile: ${endpointFile}`, `      deploymentFile: ${file}`, `      trafficAfterDeploy: ${traffic}`, '      timeoutMinutes: 3'];

const ROLLOUT_PIPELINE = [
  'steps:',
  '  - task: AzureMLRollout@1',
  '    name: rollout',
  '    inputs:',
  '      azureSubscription: emulator',
  '      resourceGroupName: $(resourceGroupName)',
  '      workspaceName: $(workspaceName)',
  '      endpointName: churn',
  '      deploymentName: green',
  `      steps: ${STEPS}`,
  // Guardrails only: seconds-long steps have too few per-minute p95 values for the latency rank test.
  '      compareWithStable: false',
  '      minRequests: 20',
  '      maxErrorRate: 5',
  '      maxLatencyP95Ms: 3000',
  '      metricDelayMinutes: 0.05',
  '',
].join('\n');

/** Code, a local model, the endpoint and both deployments, the deploy and rollout pipelines. */
function writeProject(dir: string): void {
  writeFiles(dir, {
    'src/score.py': SCORE_PY,
    'model/weights.json': '{"factor": 2}',
    'endpoint.yml': ['name: churn', 'auth_mode: key', 'tags:', '  owner: ml-team', ''].join('\n'),
    'blue.yml': deploymentYaml('blue'),
    'green.yml': deploymentYaml('green'),
    'deploy.yml': ['steps:', ...deployStep('blue.yml', 'all', 'endpoint.yml'), ...deployStep('green.yml', 'none'), ''].join('\n'),
    'rollout.yml': ROLLOUT_PIPELINE,
  });
}

describe('AzureMLRollout@1 against the emulator (e2e)', function () {
  this.timeout(180_000);
  let emulator: RunningEmulator;
  let admin: AdminClient;
  let dir: string;

  const endpoint = () =>
    getResource(emulator.context, 'endpoints', `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${emulator.connection.workspaceName}/onlineEndpoints/churn`)!;

  async function run(pipeline: string, cancellation?: Cancellation, onLine?: (line: string) => void) {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: path.join(dir, pipeline),
      target: emulatorTarget(emulator.connection, 'secret'),
      variables: { resourceGroupName: emulator.connection.resourceGroupName, workspaceName: emulator.connection.workspaceName },
      cancellation,
      sink: (line) => {
        lines.push(line);
        onLine?.(line);
      },
    });
    return { outcome, steps: outcome.report.stages[0].jobs[0].steps, console: lines.join('\n') };
  }

  /** Scoring requests to the endpoint (routed by its traffic), a few at a time, until the returned stop is called. */
  function sendTraffic() {
    const uri = endpoint().properties.scoringUri as string;
    const key = emulator.context.store.get<{ primaryKey: string }>(ENDPOINT_KEYS, endpoint().id.toLowerCase())!.primaryKey;
    let running = true;
    const statuses: number[] = [];
    const worker = async () => {
      while (running) {
        const answer = await proxiedRequest(emulator.connection, uri, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"data": [1, 2, 3]}' });
        statuses.push(answer.status);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    return async () => {
      running = false;
      await Promise.all(workers);
      return statuses;
    };
  }

  async function rollout(cancellation?: Cancellation, onLine?: (line: string) => void) {
    const stop = sendTraffic();
    try {
      return await run('rollout.yml', cancellation, onLine);
    } finally {
      await stop();
    }
  }

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLRolloutV1', 'index.js')), `no AzureMLRollout bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('rollout-e2e-emulator-') });
    admin = new AdminClient(emulator.connection.adminUrl);
    await admin.setMetricsDelay(2);
    dir = tempDir('rollout-e2e-project-');
    writeProject(dir);
    const { outcome, console } = await run('deploy.yml');
    assert.equal(outcome.result, 'Succeeded', console);
    assert.deepEqual(endpoint().properties.traffic, { blue: 100 });
  });

  after(async () => {
    await emulator?.stop();
  });

  it('rolls green back to the exact snapshot when its analysis fails (5xx answers injected on green)', async () => {
    const fault = await admin.addFault({ kind: 'deploymentErrors', errorRate: 0.5, status: 503, pathPattern: '/subscriptions/**/onlineEndpoints/churn/deployments/green' });
    try {
      const { outcome, steps, console } = await rollout();
      assert.equal(outcome.result, 'Failed', console);
      assert.match(console, /Step 1 \(mirror 20% for 6s\) failed its analysis: .*error rate \d+\.\d\d% \(\d+ of \d+\) is above maxErrorRate 5\.00%/);
      assert.match(console, /Restored the traffic from before the rollout: blue 100%/);
      assert.equal(steps[0].outputVariables.result, 'rolledBack');
      assert.deepEqual(JSON.parse(steps[0].outputVariables.finalTraffic!), { blue: 100 });
    } finally {
      await admin.removeFault(fault.id);
    }
    assert.deepEqual(endpoint().properties.traffic, { blue: 100 });
    assert.deepEqual(endpoint().properties.mirrorTraffic ?? {}, {});
    assert.deepEqual(endpoint().tags, { owner: 'ml-team' });
  });

  it('restores the snapshot when the agent cancels the task in the middle of a step', async () => {
    const cancellation = new Cancellation();
    const { outcome, steps, console } = await rollout(cancellation, (line) => {
      // The first step (the mirror phase), so that its analysis cannot end it first on a slow machine.
      if (/Traffic is now .*; mirror green 20%/.test(line)) cancellation.cancel();
    });
    assert.equal(outcome.result, 'Canceled', console);
    assert.equal(steps[0].outputVariables.result, 'rolledBack', 'the outputs are published from the cleanup');
    assert.match(console, /The task was cancelled; traffic restored to blue 100%/);
    assert.deepEqual(endpoint().properties.traffic, { blue: 100 });
    assert.deepEqual(endpoint().properties.mirrorTraffic ?? {}, {});
    assert.deepEqual(endpoint().tags, { owner: 'ml-team' });
  });

  it('promotes a healthy green step by step, judged on the metrics of the traffic it served', async () => {
    const since = await admin.now();
    const { outcome, steps, console } = await rollout();
    assert.equal(outcome.result, 'Succeeded', console);
    const output = steps[0].outputVariables;
    assert.equal(output.result, 'promoted');
    assert.deepEqual(JSON.parse(output.finalTraffic!), { green: 100 });
    const verdicts = JSON.parse(output.stepVerdicts!) as { verdict: string }[];
    assert.deepEqual(verdicts.map((v) => v.verdict), ['pass', 'pass', 'applied'], output.stepVerdicts);
    assert.deepEqual(endpoint().properties.traffic, { green: 100 });
    assert.deepEqual(endpoint().tags, { owner: 'ml-team' });
    const served = await admin.scoring({ since, endpoint: 'churn', deployment: 'green' });
    assert.ok(served.some((r) => r.mirrored) && served.some((r) => !r.mirrored), 'green got mirrored copies, then live traffic');
  });
});
