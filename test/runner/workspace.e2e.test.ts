// samples/training-pipeline.yml end to end: the packaged AzureMLWorkspace@1 bundle, run as the
// agent runs it, against the embedded emulator with every auth scheme a service connection has.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdminClient } from '../../emulator/src/adminClient';
import { startEmbeddedEmulator, type EmulatorHandle } from '../../runner/embeddedEmulator';
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline, type AuthChoice } from '../../runner/index';
import { tempDir } from './helpers';

const SAMPLE = path.resolve(__dirname, '..', '..', 'samples', 'training-pipeline.yml');

describe('runner: the training sample against the embedded emulator', function () {
  this.timeout(180_000);
  let emulator: EmulatorHandle;

  before(async () => {
    // `npm test` builds the bundles first; a bare mocha run needs `npm run build`.
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLWorkspaceV1', 'task.json')), `no AzureMLWorkspace bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmbeddedEmulator(tempDir('runner-e2e-emulator-'));
  });

  after(async () => {
    await emulator?.stop();
  });

  async function runSample(auth: AuthChoice, variables: Record<string, string> = {}) {
    const lines: string[] = [];
    const outcome = await runPipeline({
      pipelineFile: SAMPLE,
      target: emulatorTarget(emulator.connection, auth),
      variables: { resourceGroupName: emulator.connection.resourceGroupName, workspaceName: emulator.connection.workspaceName, ...variables },
      sink: (l) => lines.push(l),
    });
    const steps = outcome.report.stages[0].jobs[0].steps;
    return { outcome, steps, console: lines.join('\n') };
  }

  const checkWorkspaceStep = (steps: Awaited<ReturnType<typeof runSample>>['steps'], console: string) => {
    const workspace = steps.find((s) => s.name === 'workspace')!;
    assert.equal(workspace.result, 'Succeeded', console);
    assert.equal(workspace.task, 'AzureMLWorkspace@1');
    assert.match(workspace.outputVariables.workspaceId ?? '', new RegExp(`/workspaces/${emulator.connection.workspaceName}$`, 'i'));
    assert.ok(workspace.outputVariables.mlflowTrackingUri, 'mlflowTrackingUri output');
  };

  it('with a Reader identity, checks the workspace and fails at the first write, naming the role to grant', async () => {
    const { outcome, steps, console } = await runSample('reader');
    checkWorkspaceStep(steps, console);
    assert.equal(outcome.result, 'Failed', console);
    assert.match(console, /Grant it the AzureML Data Scientist \(or Contributor\) role/);
    assert.ok(!console.includes(emulator.connection.reader.clientSecret));
  });

  for (const auth of ['secret', 'certificate', 'federated', 'managedIdentity'] as AuthChoice[]) {
    it(`checks the workspace and hands its details on with --auth ${auth}`, async () => {
      const { outcome, steps, console } = await runSample(auth);
      assert.equal(outcome.result, 'Succeeded', console);
      checkWorkspaceStep(steps, console);
      assert.match(console, /"subscription_id": "[^"]+"/, 'config.json printed by the script step');
      assert.ok(!console.includes(emulator.connection.secret.clientSecret));
    });
  }

  // An agent on an Azure VM behind a proxy: IMDS (here its loopback stand-in, which the proxy cannot
  // reach, as no proxy reaches 169.254.169.254) must be called directly, the rest through the proxy.
  for (const [auth, identity] of [['imds', 'systemAssigned'], ['imdsUserAssigned', 'userAssigned']] as const) {
    it(`gets the VM's ${identity} identity from IMDS, bypassing the proxy, with --auth ${auth}`, async () => {
      const admin = new AdminClient(emulator.connection.adminUrl);
      const since = await admin.now();
      const { outcome, steps, console } = await runSample(auth);
      assert.equal(outcome.result, 'Succeeded', console);
      checkWorkspaceStep(steps, console);
      const log = await admin.requests(since);
      const imdsHost = new URL(emulator.connection.imds.authorityHost).host;
      const tokenRequests = log.filter((e) => e.type === 'request' && e.host === imdsHost && e.path.startsWith('/metadata/identity/oauth2/token'));
      assert.ok(tokenRequests.length > 0 && tokenRequests.every((e) => e.type === 'request' && e.status === 200), JSON.stringify(tokenRequests));
      const throughProxy = log.filter((e) => e.type === 'request' && e.status === 502);
      assert.deepEqual(throughProxy, [], 'nothing refused by the proxy (IMDS through the proxy is refused)');
      const armCalls = log.filter((e) => e.type === 'request' && e.host === 'management.azure.com');
      assert.ok(armCalls.some((e) => e.type === 'request' && e.principal?.startsWith(emulator.connection.imds[identity].objectId)), 'ARM called as the VM identity');
    });
  }

  it('fails with an actionable message when the workspace does not exist', async () => {
    const { outcome, steps, console } = await runSample('secret', { workspaceName: 'no-such-workspace' });
    assert.equal(outcome.result, 'Failed');
    assert.equal(steps[0].result, 'Failed');
    assert.equal(steps[1].result, 'Skipped');
    assert.match(console, /no-such-workspace/);
  });
});
