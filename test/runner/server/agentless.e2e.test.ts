// Agentless jobs (pool: server) against the embedded emulator: a server task's HttpRequest with the
// connection's token and its success criterion; WaitForCompletion completed through the plan events
// stand-in by a service the task called (completing, failing, timing out); ManualValidation@0.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { issueServerCertificate, loadOrCreateRootCa } from '../../../emulator/src/ca';
import { startEmbeddedEmulator, type EmulatorHandle } from '../../../runner/embeddedEmulator';
import { emulatorTarget } from '../../../runner/index';
import { runYaml, steps, tempDir } from '../helpers';

/** A server task folder: task.json only, as the server runs it. */
export function writeServerTask(dir: string, name: string, execute: Record<string, string>, extra: Record<string, unknown> = {}): string {
  const folder = path.join(dir, `${name}V1`);
  fs.mkdirSync(folder, { recursive: true });
  const task = {
    id: '0e3c1f0a-0000-4000-8000-000000000001',
    name,
    friendlyName: name,
    description: 'a server task for tests',
    author: 'tests',
    version: { Major: 1, Minor: 0, Patch: 0 },
    runsOn: ['Server', 'ServerGate'],
    instanceNameFormat: name,
    inputs: [
      { name: 'azureSubscription', type: 'connectedService:AzureRM', required: true },
      { name: 'resourceGroup', type: 'string', required: true },
      { name: 'workspace', type: 'string', required: true },
      { name: 'expected', type: 'string', defaultValue: '' },
      { name: 'serviceUrl', type: 'string', defaultValue: '' },
    ],
    execution: { HttpRequest: { Execute: execute, ...extra } },
  };
  fs.writeFileSync(path.join(folder, 'task.json'), JSON.stringify(task, null, 2));
  return dir;
}

const WORKSPACE_URL = '$(endpoint.url)subscriptions/{{subscriptionId}}/resourceGroups/$(resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/$(workspace)?api-version=2023-04-01';

describe('runner: agentless jobs and server tasks against the emulator', function () {
  this.timeout(180_000);
  let emulator: EmulatorHandle;
  let tasks: string;

  before(async () => {
    emulator = await startEmbeddedEmulator(tempDir('runner-server-emulator-'));
    tasks = tempDir('server-tasks-');
    writeServerTask(tasks, 'WorkspaceGate', { EndpointId: '$(azureSubscription)', EndpointUrl: WORKSPACE_URL, Method: 'GET', Body: '', Headers: '', WaitForCompletion: 'false', Expression: "eq(root['name'], '$(expected)')" });
  });

  after(async () => {
    await emulator?.stop();
  });

  const run = (yaml: string, options: Parameters<typeof runYaml>[1] = {}) =>
    runYaml(yaml, {
      target: emulatorTarget(emulator.connection, 'secret'),
      tasksDirectory: tasks,
      variables: { rg: emulator.connection.resourceGroupName, ws: emulator.connection.workspaceName },
      ...options,
    });

  const gateJob = (expected: string) => `
stages:
- stage: Gate
  jobs:
  - job: check
    pool: server
    steps:
    - task: WorkspaceGate@1
      name: gate
      inputs:
        azureSubscription: arm
        resourceGroup: $(rg)
        workspace: $(ws)
        expected: ${expected}
- stage: After
  jobs:
  - job: after
    steps:
    - bash: echo after the gate
`;

  it('runs a server task with the connection token; a true success criterion passes', async () => {
    const result = await run(gateJob('$(ws)'));
    assert.equal(result.result, 'Succeeded', result.console);
    assert.equal(steps(result)['check.gate'].result, 'Succeeded');
    assert.match(result.console, /GET https:\/\/management\.azure\.com\/subscriptions\/[^/]+\/resourceGroups\/.*workspaces/);
    assert.match(result.console, /Response Code: 200/);
    assert.match(result.console, /Evaluation of expression 'eq\(root\['name'\], '[^']+'\)' succeeded/);
    assert.equal(result.console.match(/Implicit checkout/g)?.length, 1, 'only the agent job checks out');
    assert.ok(!result.console.includes(emulator.connection.secret.clientSecret));
  });

  it('a false success criterion fails the task, its job and stage, and later stages are skipped', async () => {
    const result = await run(gateJob('another-workspace'));
    assert.equal(result.result, 'Failed', result.console);
    assert.equal(steps(result)['check.gate'].result, 'Failed');
    assert.match(result.console, /Evaluation of expression .* failed/);
    assert.equal(result.report.stages[1].result, 'Skipped');
  });

  it('refuses script steps in an agentless job with their line', async () => {
    await assert.rejects(run('jobs:\n- job: j\n  pool: server\n  steps:\n  - bash: echo no\n'), /azure-pipelines\.yml:5:5: a 'bash' step cannot run in an agentless job/);
  });

  describe('WaitForCompletion: the service completes the task through the plan events endpoint', () => {
    let service: https.Server;
    let serviceUrl: string;
    let verdict: string | undefined;
    const received: Array<Record<string, string | string[] | undefined>> = [];

    before(async () => {
      // A service on loopback with a certificate from the emulator's CA, which the run trusts.
      const ca = loadOrCreateRootCa(emulator.stateDir);
      const { certPem, keyPem } = issueServerCertificate(ca, ['localhost']);
      service = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
        req.resume();
        received.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted": true}');
        if (verdict === undefined) return;
        const h = req.headers as Record<string, string>;
        const eventsUrl = `${h.planurl}${h.projectid}/_apis/distributedtask/hubs/${h.hubname}/plans/${h.planid}/events?api-version=2.0-preview.1`;
        const body = JSON.stringify({ name: 'TaskCompleted', taskId: h.taskinstanceid, jobId: h.jobid, result: verdict });
        // The runner's stand-in has a certificate of its own (trusted by the run's agent, not by this test).
        setTimeout(() => {
          https
            .request(eventsUrl, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`:${h.authtoken}`).toString('base64')}` } }, (r) => r.resume())
            .end(body);
        }, 100);
      });
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      serviceUrl = `https://localhost:${(service.address() as AddressInfo).port}/start`;
      writeServerTask(tasks, 'StartAndWait', { EndpointId: '$(azureSubscription)', EndpointUrl: '$(serviceUrl)', Method: 'POST', Body: '{"workspace": "$(workspace)"}', WaitForCompletion: 'true' }, { Events: { TaskCompleted: { Timeout: '00:01:00' } } });
    });

    after(() => service?.close());

    const waitJob = () => `
jobs:
- job: wait
  pool: server
  timeoutInMinutes: 2
  steps:
  - task: StartAndWait@1
    name: waiting
    inputs:
      azureSubscription: arm
      resourceGroup: $(rg)
      workspace: $(ws)
      serviceUrl: ${serviceUrl}
`;

    it('completes when the service posts TaskCompleted succeeded', async () => {
      verdict = 'succeeded';
      received.length = 0;
      const result = await run(waitJob());
      assert.equal(result.result, 'Succeeded', result.console);
      assert.match(result.console, /TaskCompleted: succeeded/);
      const h = received[0];
      for (const name of ['planurl', 'projectid', 'hubname', 'planid', 'jobid', 'timelineid', 'taskinstanceid', 'authtoken']) assert.ok(h[name], `header ${name}`);
      assert.match(String(h.authorization), /^Bearer ey/, 'the connection token');
    });

    it('fails when the service posts TaskCompleted failed', async () => {
      verdict = 'failed';
      const result = await run(waitJob());
      assert.equal(result.result, 'Failed', result.console);
      assert.match(steps(result)['wait.waiting'].reason ?? '', /completed the task as failed/);
    });

    it('times out when no event comes within the TaskCompleted timeout', async () => {
      verdict = undefined;
      const result = await run(waitJob(), { minuteMs: 300 });
      assert.equal(result.result, 'Failed', result.console);
      assert.match(result.console, /no TaskCompleted event arrived within 1 minute\(s\): the task timed out/);
    });
  });
});
