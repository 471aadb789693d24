// AzureMLGate@1 end to end: the packaged bundle, run by the local runner as the agent runs it, against the
// emulator. Models churn:1 (accuracy 0.90, a property), churn:2 (0.95) and churn:3 (0.50) are registered by
// AzureMLModel@1 from a local folder; blue serves churn:1 with all the endpoint's traffic (AzureMLDeploy@1,
// score.py run for real). The gate's load test sends its requests to blue through the proxy, and those
// requests are what endpointHealth then judges from the emulator's Azure Monitor metrics (delay: two seconds).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { AdminClient } from '../../emulator/src/adminClient';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from '../../runner/index';
import { writeFiles } from '../emulator/jobFixtures';
import { tempDir } from '../runner/helpers';

const SCORE_PY = `import json

def init():
    pass

def run(raw_data):
    return {"predictions": [x * 2 for x in json.loads(raw_data)["data"]]}
`;

const common = ['      azureSubscription: emulator', '      resourceGroupName: $(resourceGroupName)', '      workspaceName: $(workspaceName)'];
const step = (task: string, name: string, inputs: Record<string, string>) => [`  - task: ${task}`, `    name: ${name}`, '    inputs:', ...common, ...Object.entries(inputs).map(([k, v]) => `      ${k}: ${v}`)];
const register = (version: string, accuracy: string) => step('AzureMLModel@1', `model${version}`, { modelName: 'churn', modelSource: 'localPath', modelPath: 'model', version, properties: `accuracy=${accuracy}` });

const gate = (name: string, inputs: Record<string, string>) =>
  step('AzureMLGate@1', name, { endpointName: 'churn', metric: 'accuracy', modelName: 'churn', metricDelayMinutes: '0.05', windowMinutes: '1', minRequests: '10', maxErrorRate: '5', maxLatencyP95Ms: '3000', ...inputs });

function writeProject(dir: string): void {
  writeFiles(dir, {
    'src/score.py': SCORE_PY,
    'model/weights.json': '{"factor": 2}',
    'request.json': '{"data": [1, 2, 3]}',
    'endpoint.yml': ['name: churn', 'auth_mode: key', ''].join('\n'),
    'blue.yml': ['name: blue', 'endpoint_name: churn', 'model: azureml:churn:1', 'code_configuration:', '  code: src', '  scoring_script: score.py', 'environment:', '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'instance_type: Standard_DS3_v2', 'instance_count: 1', ''].join('\n'),
    'setup.yml': ['steps:', ...register('1', '0.90'), ...register('2', '0.95'), ...register('3', '0.50'), ...step('AzureMLDeploy@1', 'deploy', { endpointFile: 'endpoint.yml', deploymentFile: 'blue.yml', trafficAfterDeploy: 'all', timeoutMinutes: '3' }), ''].join('\n'),
    // The load test first: its requests are the traffic endpointHealth judges. The window (the last minute) also
    // holds the 502s AzureMLDeploy@1's readiness probe met while blue started, hence the loose maxErrorRate.
    'pass.yml': ['steps:', ...gate('gate', { checks: 'loadTest, endpointHealth, championChallenger, modelMetric', modelVersion: '2', threshold: '0.9', deploymentName: 'blue', requestFile: 'request.json', loadRate: '10', loadConcurrency: '8', loadDurationSeconds: '6', loadMaxP99Ms: '5000', maxErrorRate: '50' }), ''].join('\n'),
    'fail.yml': [
      'steps:',
      // failOnGate false: the step succeeds, the outputs say fail.
      ...gate('outputsOnly', { checks: 'championChallenger', modelVersion: '3', failOnGate: 'false' }),
      // No traffic in the window: inconclusive, never a pass; warn makes the step SucceededWithIssues.
      ...gate('quiet', { checks: 'endpointHealth', minRequests: '100000', onInconclusive: 'warn' }),
      ...gate('worse', { checks: 'championChallenger', modelVersion: '3', tolerance: '2%' }),
      '',
    ].join('\n'),
  });
}

describe('AzureMLGate@1 against the emulator (e2e)', function () {
  this.timeout(240_000);
  let emulator: RunningEmulator;
  let dir: string;

  async function run(pipeline: string) {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: path.join(dir, pipeline),
      target: emulatorTarget(emulator.connection, 'secret'),
      variables: { resourceGroupName: emulator.connection.resourceGroupName, workspaceName: emulator.connection.workspaceName },
      sink: (line) => lines.push(line),
    });
    return { outcome, steps: outcome.report.stages[0].jobs[0].steps, console: lines.join('\n') };
  }

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLGateV1', 'index.js')), `no AzureMLGate bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('gate-e2e-emulator-') });
    await new AdminClient(emulator.connection.adminUrl).setMetricsDelay(2);
    dir = tempDir('gate-e2e-project-');
    writeProject(dir);
    const { outcome, console } = await run('setup.yml');
    assert.equal(outcome.result, 'Succeeded', console);
  });

  after(async () => {
    await emulator?.stop();
  });

  it('passes a better candidate on a healthy endpoint it has just load-tested, with the comparison in the summary', async () => {
    const { outcome, steps, console } = await run('pass.yml');
    assert.equal(outcome.result, 'Succeeded', console);
    const out = steps[0].outputVariables;
    assert.equal(out.verdict, 'pass', console);
    assert.equal(out.passed, 'true');
    const load = JSON.parse(out.loadTest!);
    assert.equal(load.verdict, 'pass');
    assert.ok(load.answered >= 10, out.loadTest);
    const health = JSON.parse(out.endpointHealth!);
    assert.equal(health.verdict, 'pass', out.endpointHealth);
    assert.ok(health.requests >= 10, out.endpointHealth);
    const cc = JSON.parse(out.championChallenger!);
    assert.deepEqual([cc.verdict, cc.candidateValue, cc.champions[0].deployment, cc.champions[0].model, cc.champions[0].value], ['pass', 0.95, 'blue', 'churn:1', 0.9]);
    assert.equal(JSON.parse(out.modelMetric!).value, 0.95);
    const summary = steps[0].summaries.map((s) => s.text).join('\n');
    assert.match(summary, /### Azure ML gate: ✅ pass/);
    assert.match(summary, /accuracy 0\.95 of model churn:2 \(from property 'accuracy' of model churn:2\) against 0\.9 of the champion churn:1 \(deployment 'blue', 100% of traffic/);
    assert.match(summary, /\| Latency \| Requests \| \|/, 'the load test histogram');
  });

  it('fails a worse candidate; only sets outputs with failOnGate false; warns on an inconclusive endpoint', async () => {
    const { outcome, steps, console } = await run('fail.yml');
    assert.equal(outcome.result, 'Failed', console);
    const [outputsOnly, quiet, worse] = steps;
    assert.equal(outputsOnly.result, 'Succeeded', console);
    assert.equal(outputsOnly.outputVariables.verdict, 'fail');
    assert.equal(outputsOnly.outputVariables.passed, 'false');
    assert.equal(quiet.result, 'SucceededWithIssues', console);
    assert.equal(quiet.outputVariables.verdict, 'inconclusive');
    assert.match(console, /fewer than the 100000 needed to judge/);
    assert.equal(worse.result, 'Failed');
    assert.match(console, /accuracy 0\.5 of model churn:3 .* against 0\.9 of the champion churn:1 .*worse than the tolerance 2%/);
    assert.doesNotMatch(console, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
  });
});
