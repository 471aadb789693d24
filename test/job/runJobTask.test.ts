import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { installCancellationHandlers, type Cancellation } from '../../tasks/common/platform/cancellation';
import { runJobTask, type JobTaskServices } from '../../tasks/common/job/runJobTask';
import type { WorkspaceInfo } from '../../tasks/common/workspace/workspace';
import { RestError } from '@azure/core-rest-pipeline';
import { fakeHost, fakeSession, printed, RoutingHttpClient, TENANT, type FakeHost } from '../common/fakes';
import { writeTree } from '../jobSpec/helpers';
import { FakeClock, FakeRunHistory, fakeWorkspaceApi, MemoryBlobStore, type FakeApi } from './fakes';

const JOB_YAML = 'command: python train.py\ncode: src\nenvironment: azureml:sklearn:3\ncompute: azureml:cpu-cluster\n';

interface Harness {
  host: FakeHost;
  api: FakeApi;
  clock: FakeClock;
  history: FakeRunHistory;
  signals: EventEmitter;
  cancellation: Cancellation;
  exit: sinon.SinonStub;
  http: RoutingHttpClient;
  run(): Promise<void>;
  output(name: string): string | undefined;
}

function harness(inputs: Record<string, string>, timeline: Array<[number, string]> = [[0, 'Running'], [60_000, 'Completed']], metrics: Record<string, number> = { accuracy: 0.9 }): Harness {
  const dir = writeTree({ 'job.yml': JOB_YAML, 'src/train.py': 'print(1)\n' });
  const host = fakeHost({
    inputs: { azureSubscription: 'conn', resourceGroupName: 'rg', workspaceName: 'ws', jobFile: path.join(dir, 'job.yml'), ...inputs },
    variables: { 'Build.BuildId': '42', 'Build.DefinitionName': 'train', 'System.JobAttempt': '1', 'System.TaskInstanceName': 'job', 'Agent.TempDirectory': dir },
  });
  const clock = new FakeClock();
  const api = fakeWorkspaceApi({ clock, timeline });
  const history = new FakeRunHistory();
  const signals = new EventEmitter();
  const exit = sinon.stub();
  const cancellation = installCancellationHandlers({ signals, exit, log: () => undefined });
  const http = new RoutingHttpClient();
  const services: JobTaskServices = { api, runHistory: history, openStore: async () => new MemoryBlobStore(), readMetrics: async () => metrics, now: clock.now, sleep: clock.sleep };
  const workspace = { armId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws', location: 'westeurope', discoveryUrl: 'https://westeurope.api.azureml.ms/discovery' } as WorkspaceInfo;
  return {
    host, api, clock, history, signals, cancellation, exit, http,
    run: () => runJobTask(host, { cancellation, defer: () => undefined }, fakeSession(http), { workspace: async () => workspace, services: () => services }),
    output: (name) => host.setVariable.getCalls().find((c) => c.args[0] === name && c.args[2]?.isOutput)?.args[1],
  };
}

describe('job: the AzureMLJob task flow', () => {
  let h: Harness | undefined;
  afterEach(() => h?.cancellation.dispose());

  it('dryRun prints the exact request body and calls nothing', async () => {
    h = harness({ dryRun: 'true', overrides: 'environment_variables.MODE=fast', tags: 'team=vision' });
    const workspace = sinon.stub().rejects(new Error('must not be read'));
    await runJobTask(h.host, { cancellation: h.cancellation, defer: () => undefined }, fakeSession(h.http), { workspace });
    const log = h.host.log.getCalls().map((c) => c.args[0]).join('\n');
    assert.match(log, /Dry run: nothing is uploaded or submitted/);
    assert.match(log, /PUT \/subscriptions\/.*\/workspaces\/ws\/jobs\/train_42_job_a1_[0-9a-f]{12}\?api-version=2022-10-01/);
    const body = JSON.parse(log.slice(log.indexOf('{', log.indexOf('/jobs/'))));
    assert.equal(body.properties.environmentVariables.MODE, 'fast');
    assert.equal(body.properties.tags.team, 'vision');
    assert.equal(body.properties.tags['azure-devops.buildId'], '42');
    assert.match(body.properties.codeId, /^<pending:upload:code#\d+>$/);
    assert.match(log, /<pending:upload:code#\d+>: the code version registered for .*src \(1 file\(s\), 9 bytes\)/);
    sinon.assert.notCalled(workspace);
    assert.equal(h.http.requests.length, 0);
    assert.equal(h.output('jobStatus'), 'NotSubmitted');
    sinon.assert.calledWith(h.host.setResult, 'Succeeded');
  });

  for (const dryRun of ['true', 'false']) {
    it(`raises the job file's translation notes as pipeline warnings, not log lines (dryRun ${dryRun})`, async () => {
      h = harness({ dryRun });
      const dir = writeTree({ 'job.yml': 'command: python train.py --lr {inputs.lr}\ninputs:\n  lr: 0.1\nenvironment: azureml:sklearn:3\ncompute: azureml:cpu-cluster\n' });
      h.host.getPathInput.withArgs('jobFile').returns(path.join(dir, 'job.yml'));
      h.host.getInput.withArgs('jobFile').returns(path.join(dir, 'job.yml'));
      await h.run();
      sinon.assert.calledWithMatch(h.host.warning, /job\.yml:1:\d+: single-brace references like \{inputs\.x\} are deprecated/);
      assert.ok(!h.host.log.getCalls().some((call) => /warning/i.test(call.args[0])), 'no warning printed as a plain log line');
    });
  }

  it('submits, waits, publishes status, metrics and the summary tab', async () => {
    h = harness({}, [[0, 'Running'], [60_000, 'Completed']], { accuracy: 0.93, 'train/loss': 0.1 });
    await h.run();
    sinon.assert.calledWith(h.host.setResult, 'Succeeded');
    assert.match(h.output('jobName') ?? '', /^train_42_job_a1_/);
    assert.equal(h.output('jobStatus'), 'Completed');
    assert.deepEqual(JSON.parse(h.output('metrics') ?? ''), { accuracy: 0.93, 'train/loss': 0.1 });
    assert.equal(h.output('metric_accuracy'), '0.93');
    assert.equal(h.output('metric_train_loss'), '0.1');
    const summary = fs.readFileSync(h.host.uploadSummary.firstCall.args[0], 'utf8');
    assert.match(summary, /\| Status \| \*\*Completed\*\* \|/);
    assert.match(summary, /\| accuracy \| 0\.93 \|/);
    assert.match(summary, /\| Waited \| 1 min/);
  });

  it('wait=false submits and ends without waiting or cancelling', async () => {
    h = harness({ wait: 'false' });
    await h.run();
    assert.equal(h.output('jobStatus'), 'NotStarted');
    assert.equal(h.api.getJob.callCount, 1, 'only the existence check');
    h.signals.emit('SIGINT');
    await new Promise((resolve) => setImmediate(resolve));
    sinon.assert.notCalled(h.api.cancelJob);
  });

  /** Runs the task; the first sleep of the wait is where the agent cancels the step (SIGINT). */
  async function runCancelledWhileWaiting(hh: Harness): Promise<void> {
    const interruptedSleep = async (_ms: number, signal?: AbortSignal) => {
      hh.signals.emit('SIGINT', 'SIGINT');
      if (signal?.aborted) throw signal.reason;
    };
    const services = { api: hh.api, runHistory: hh.history, openStore: async () => new MemoryBlobStore(), readMetrics: async () => ({}), now: hh.clock.now, sleep: interruptedSleep };
    await assert.rejects(runJobTask(hh.host, { cancellation: hh.cancellation, defer: () => undefined }, fakeSession(hh.http), { workspace: async () => ({}) as WorkspaceInfo, services: () => services }), /Cancelled \(SIGINT\)/);
    await new Promise((resolve) => setImmediate(resolve));
  }

  it('cancels the Azure ML job when the agent sends SIGINT while waiting', async () => {
    h = harness({}, [[0, 'Running']]);
    await runCancelledWhileWaiting(h);
    sinon.assert.calledOnce(h.api.cancelJob);
    assert.match(h.api.cancelJob.firstCall.args[0], /^train_42_job_a1_/);
    assert.equal(h.api.cancelJob.firstCall.args[1].aborted, false, 'the cancel call gets the cleanup deadline, not the aborted signal');
    sinon.assert.calledWith(h.exit, 130);
  });

  it("links to the job's studio page in the connection's tenant: the service's link gets &tid=, as does the fallback", async () => {
    const serviceLink = 'https://ml.azure.com/runs/the-job?wsid=/subscriptions/s/resourcegroups/rg/workspaces/ws';
    for (const [services, expected] of [
      [{ Studio: { jobServiceType: 'Studio', endpoint: serviceLink } }, `${serviceLink}&tid=${TENANT}`],
      [{ Studio: { jobServiceType: 'Studio', endpoint: `${serviceLink}&tid=another` } }, `${serviceLink}&tid=another`],
      [undefined, new RegExp(`^https://ml\\.azure\\.com/runs/train_42_job_a1_[0-9a-f]+\\?wsid=/subscriptions/s/resourceGroups/rg/providers/Microsoft\\.MachineLearningServices/workspaces/ws&tid=${TENANT}$`)],
    ] as const) {
      h?.cancellation.dispose();
      h = harness({ wait: 'false' });
      h.api.createJob.callsFake(async (name: string, body: { properties: Record<string, unknown> }) => ({ id: `/jobs/${name}`, name, properties: { ...body.properties, status: 'NotStarted', services } }));
      await h.run();
      const url = h.output('studioUrl') ?? '';
      if (typeof expected === 'string') assert.equal(url, expected);
      else assert.match(url, expected);
      assert.ok(printed(h.host).some((line) => line === `Azure ML studio: ${url}`));
    }
  });

  it('cancelling while Azure is unreachable says the job may still be running, with its name and studio link', async () => {
    h = harness({}, [[0, 'Running']]);
    h.api.cancelJob.rejects(new RestError('connect ECONNREFUSED', { code: RestError.REQUEST_SEND_ERROR }));
    await runCancelledWhileWaiting(h);
    const said = printed(h.host).join('\n');
    assert.match(said, /Could not cancel Azure ML job 'train_42_job_a1_[0-9a-f]+' \(connect ECONNREFUSED\)\. The job may still be running: cancel it in Azure ML studio: https:\/\/\S*train_42_job_a1_/);
    assert.doesNotMatch(said, /Cancellation of job .* requested/);
  });

  it('a cancel answered 404 (the job was never created) is not reported as requested', async () => {
    h = harness({}, [[0, 'Running']]);
    h.api.cancelJob.resolves(false);
    await runCancelledWhileWaiting(h);
    const said = printed(h.host).join('\n');
    assert.match(said, /Azure ML has no job 'train_42_job_a1_[0-9a-f]+' \(it was never created\): nothing to cancel\./);
    assert.doesNotMatch(said, /Cancellation of job .* requested/);
  });

  it('leaves the job running on SIGINT when cancelJobOnStop is false', async () => {
    h = harness({ cancelJobOnStop: 'false' }, [[0, 'Running']]);
    await runCancelledWhileWaiting(h);
    sinon.assert.notCalled(h.api.cancelJob);
    sinon.assert.calledWith(h.exit, 130);
  });

  it('fails at timeoutMinutes and cancels the job', async () => {
    h = harness({ timeoutMinutes: '2' }, [[0, 'Running']]);
    await h.run();
    sinon.assert.calledOnce(h.api.cancelJob);
    sinon.assert.calledWithMatch(h.host.setResult, 'Failed', /did not finish within 2 minute\(s\) \(timeoutMinutes; status Running\) and was cancelled/);
    assert.equal(h.output('jobStatus'), 'Running');
  });

  it('fails the step for a failed job with the run-history error, or warns when failOnJobFailure is false', async () => {
    h = harness({}, [[0, 'Failed']]);
    const failing = h;
    failing.api.createJob.callsFake(async (name: string, body: { properties: Record<string, unknown> }) => {
      failing.history.runs.set(name, { status: 'Failed', files: {}, error: { error: { code: 'UserError', message: 'train.py exited with code 1' } } });
      return { name, properties: { ...body.properties, status: 'NotStarted' } };
    });
    failing.api.getJob.callsFake(async (name: string) => (failing.api.createJob.called ? { job: { name, properties: { status: 'Failed', tags: {} } } } : {}));
    await h.run();
    sinon.assert.calledWithMatch(h.host.setResult, 'Failed', /ended with status Failed\. UserError: train\.py exited with code 1/);
    h.cancellation.dispose();

    h = harness({ failOnJobFailure: 'false' }, [[0, 'Canceled']]);
    await h.run();
    sinon.assert.calledWithMatch(h.host.setResult, 'SucceededWithIssues', /ended with status Canceled/);
  });

  it('names the input of a bad timeout, job name or tag line', async () => {
    for (const [inputs, message] of [
      [{ timeoutMinutes: 'soon' }, /Input timeoutMinutes: 'soon'/],
      [{ jobName: '-bad name' }, /Input jobName: '-bad name' is not a valid/],
      [{ tags: 'ok=1\nnot a tag' }, /Input tags, line 2: 'not a tag' is not key=value/],
      [{ jobFile: os.tmpdir() }, /Input jobFile: '.*' is a folder\. Give the path of the job YAML file/],
      [{ stalledMinutes: '0' }, /Input stalledMinutes: '0' is not a positive number/],
    ] as const) {
      h?.cancellation.dispose();
      h = harness(inputs);
      await assert.rejects(h.run(), message);
    }
  });
});
