// The extension's gate tasks (tasks/*GateV1, packaged into build/tasks) evaluated by the runner as
// the server evaluates them, against the emulator: each gate true and false, and gates on an
// environment re-evaluated until they pass or time out.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmbeddedEmulator, type EmulatorHandle } from '../../../runner/embeddedEmulator';
import { AdminClient } from '../../../emulator/src/adminClient';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget } from '../../../runner/index';
import type { AzureTarget } from '../../../runner/serviceConnection';
import { armCaller } from './armCall';
import { runYaml, steps, tempDir } from '../helpers';

describe('runner: the gate server tasks against the emulator', function () {
  this.timeout(240_000);
  let emulator: EmulatorHandle;
  let target: AzureTarget;
  let workspaceUrl: string;

  const arm = armCaller(() => target, () => workspaceUrl);

  const tagModel = (approved: string) => arm('PUT', '/models/churn/versions/1?api-version=2023-04-01', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/churn', tags: { approved }, properties: { validatedBy: 'validation-job' } } });

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLModelApprovalGateV1', 'task.json')), `no gate tasks in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmbeddedEmulator(tempDir('runner-gates-emulator-'));
    target = emulatorTarget(emulator.connection, 'secret');
    const c = emulator.connection;
    workspaceUrl = `https://management.azure.com/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}`;
  });

  after(async () => {
    await emulator?.stop();
  });

  const run = (yaml: string, options: Parameters<typeof runYaml>[1] = {}) =>
    runYaml(yaml, { target, tasksDirectory: DEFAULT_TASKS_DIRECTORY, variables: { rg: emulator.connection.resourceGroupName, ws: emulator.connection.workspaceName }, ...options });

  const agentless = (task: string, inputs: Record<string, string>) => `
jobs:
- job: gate
  pool: server
  steps:
  - task: ${task}
    name: check
    inputs:
      azureSubscription: arm
      resourceGroupName: $(rg)
      workspaceName: $(ws)
${Object.entries(inputs).map(([k, v]) => `      ${k}: '${v}'`).join('\n')}
`;

  it('AzureMLModelApprovalGate: passes on approved=true, fails otherwise; also reads properties', async () => {
    assert.equal((await tagModel('false')).status < 300, true);
    const gate = agentless('AzureMLModelApprovalGate@1', { modelName: 'churn', modelVersion: '1' });
    const refused = await run(gate);
    assert.equal(refused.result, 'Failed', refused.console);
    assert.match(refused.console, /Evaluation of expression 'eq\(root\['properties'\]\['tags'\]\['approved'\], 'true'\)' failed/);
    await tagModel('True');
    const approved = await run(gate);
    assert.equal(approved.result, 'Succeeded', approved.console);
    const byProperty = await run(agentless('AzureMLModelApprovalGate@1', { modelName: 'churn', modelVersion: '1', source: 'properties', key: 'validatedBy', value: 'validation-job' }));
    assert.equal(byProperty.result, 'Succeeded', byProperty.console);
    const missing = await run(agentless('AzureMLModelApprovalGate@1', { modelName: 'churn', modelVersion: '9' }));
    assert.equal(missing.result, 'Failed', 'a version that does not exist (HTTP 404) does not pass');
    assert.match(missing.console, /Response Code: 404/);
  });

  it('AzureMLEndpointHealthGate: the endpoint provisioned, and its deployments (none is not healthy)', async () => {
    const provisioned = async (name: string, expected: string) => {
      const created = await arm('PUT', `/onlineEndpoints/${name}?api-version=2023-04-01`, { location: 'eastus', properties: { authMode: 'Key' } });
      assert.ok(created.status < 300, JSON.stringify(created.json));
      let state = '';
      for (let i = 0; i < 120 && state !== expected; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 500));
        state = ((await arm('GET', `/onlineEndpoints/${name}?api-version=2023-04-01`)).json.properties as { provisioningState: string }).provisioningState;
      }
      assert.equal(state, expected);
    };
    // An endpoint whose provisioning failed: the emulator's operations end within a second, too soon to catch
    // one still Creating from a separate process, so the state that is not Succeeded is a failed one.
    await new AdminClient(emulator.connection.adminUrl).addFault({ kind: 'lroFailed', method: 'PUT', pathPattern: '/subscriptions/**/onlineEndpoints/broken-ep' });
    await provisioned('broken-ep', 'Failed');
    const broken = await run(agentless('AzureMLEndpointHealthGate@1', { endpointName: 'broken-ep', check: 'endpoint' }));
    assert.equal(broken.result, 'Failed', broken.console);
    await provisioned('churn-ep', 'Succeeded');
    const endpointGate = agentless('AzureMLEndpointHealthGate@1', { endpointName: 'churn-ep', check: 'endpoint' });
    const healthy = await run(endpointGate);
    assert.equal(healthy.result, 'Succeeded', healthy.console);
    const noDeployments = await run(agentless('AzureMLEndpointHealthGate@1', { endpointName: 'churn-ep', check: 'deployments' }));
    assert.equal(noDeployments.result, 'Failed', noDeployments.console);
    assert.match(noDeployments.console, /GET https:\/\/management\.azure\.com\/subscriptions\/.*\/onlineEndpoints\/churn-ep\/deployments\?api-version=2023-04-01/);
  });

  it('AzureMLMetricGate: an endpoint without traffic does not pass on the latency alone; minRequests 0 turns the rule off', async () => {
    const noTraffic = await run(agentless('AzureMLMetricGate@1', { endpointName: 'churn-ep', metricName: 'RequestLatency_P95', aggregation: 'maximum', threshold: '500' }));
    assert.equal(noTraffic.result, 'Failed', noTraffic.console);
    assert.match(noTraffic.console, /providers\/Microsoft\.Insights\/metrics\?api-version=2018-01-01&metricnames=RequestLatency_P95,RequestsPerMinute&aggregation=maximum,total&interval=PT1M/);
    assert.doesNotMatch(noTraffic.console, /timespan=/, 'an empty timespan leaves it out ({{#if}})');
    const ruleOff = await run(agentless('AzureMLMetricGate@1', { endpointName: 'churn-ep', metricName: 'RequestLatency_P95', aggregation: 'maximum', threshold: '500', minRequests: '0' }));
    assert.equal(ruleOff.result, 'Succeeded', ruleOff.console);
  });

  describe('gates on an environment, re-evaluated like a classic release', () => {
    const pipeline = `
stages:
- stage: Prod
  jobs:
  - deployment: release
    environment: prod
    strategy:
      runOnce:
        deploy:
          steps:
          - bash: echo deploying
`;
    const environments = (timeoutMinutes: number) => {
      const file = path.join(tempDir('gates-env-'), 'environments.yml');
      fs.writeFileSync(
        file,
        `prod:
  gates:
    evaluationIntervalMinutes: 1
    minimumDurationMinutes: 1
    timeoutMinutes: ${timeoutMinutes}
    tasks:
    - task: AzureMLModelApprovalGate@1
      inputs:
        azureSubscription: arm
        resourceGroupName: $(rg)
        workspaceName: $(ws)
        modelName: churn
        modelVersion: '1'
`,
      );
      return file;
    };

    it('re-evaluates until the gate has passed steadily for the minimum duration, then deploys', async () => {
      await tagModel('false');
      let flipped = false;
      const result = await run(pipeline, {
        environmentsFile: environments(30),
        minuteMs: 400,
        sink: (line) => {
          if (!flipped && /Gates evaluation 2: 1 of 1 did not pass/.test(line)) {
            flipped = true;
            void tagModel('true');
          }
        },
      });
      assert.equal(result.result, 'Succeeded', result.console);
      const evaluations = result.console.match(/Gates evaluation \d+:[^\n]*/g) ?? [];
      assert.ok(evaluations.length >= 4, evaluations.join('\n'));
      assert.match(evaluations[0] ?? '', /did not pass/);
      assert.match(evaluations[evaluations.length - 1] ?? "", /all passed/);
      assert.ok(evaluations.filter((e) => /all passed/.test(e)).length >= 2, 'steady: passed again after the minimum duration');
      assert.match(result.console, /deploying/);
    });

    it('fails the stage without deploying when the gate never passes before the timeout', async () => {
      await tagModel('false');
      const result = await run(pipeline, { environmentsFile: environments(3), minuteMs: 300 });
      assert.equal(result.result, 'Failed', result.console);
      assert.match(result.console, /the gates did not pass within 3 minute\(s\)/);
      assert.doesNotMatch(result.console, /deploying/);
      assert.equal(steps(result)['release.CmdLine']?.result ?? 'Skipped', 'Skipped');
    });
  });
});
