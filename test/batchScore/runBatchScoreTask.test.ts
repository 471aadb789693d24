import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as sinon from 'sinon';
import { installCancellationHandlers, type Cancellation } from '../../tasks/common/platform/cancellation';
import { runBatchScoreTask, type BatchScoreServices } from '../../tasks/common/batchScore/runBatchScoreTask';
import type { BatchJobResource } from '../../tasks/common/workspace/batchEndpoints';
import type { BatchInvocationApi } from '../../tasks/common/workspace/batchInvocation';
import type { WorkspaceInfo } from '../../tasks/common/workspace/workspace';
import { fakeHost, fakeSession, RoutingHttpClient, type FakeHost } from '../common/fakes';
import { FakeClock, FakeRunHistory, fakeWorkspaceApi, MemoryBlobStore, SCOPE, type FakeApi } from '../job/fakes';

const SCORING = 'https://heart.westeurope.inference.ml.azure.com/jobs';
const OUTPUT = 'azureml://datastores/workspaceblobstore/paths/azureml/batchjob-1/score/';

interface Harness {
  host: FakeHost;
  api: FakeApi;
  batch: BatchInvocationApi & { invoke: sinon.SinonStub };
  clock: FakeClock;
  history: FakeRunHistory;
  signals: EventEmitter;
  cancellation: Cancellation;
  run(services?: Partial<BatchScoreServices>): Promise<void>;
  output(name: string): string | undefined;
}

/** A batch endpoint whose invocation starts job batchjob-1, which follows the timeline (a pipeline job with a score output). */
function harness(inputs: Record<string, string>, timeline: Array<[number, string]> = [[0, 'Running'], [60_000, 'Completed']]): Harness {
  const host = fakeHost({ inputs: { azureSubscription: 'conn', resourceGroupName: 'rg', workspaceName: 'ws', endpointName: 'heart', input: 'azureml:heart:1', ...inputs }, variables: {} });
  const clock = new FakeClock();
  const api = fakeWorkspaceApi({ clock, timeline });
  const history = new FakeRunHistory();
  const batch = {
    scope: SCOPE,
    getEndpoint: async (name: string) => ({ resource: name === 'heart' ? { name, location: 'westeurope', properties: { scoringUri: SCORING } } : undefined }),
    listDeployments: async () => [{ name: 'blue', properties: {} }],
    invoke: sinon.stub().callsFake(async (): Promise<BatchJobResource> => {
      // The job the endpoint starts, as ARM then reports it.
      await api.createJob('batchjob-1', { properties: { jobType: 'Pipeline', outputs: { score: { jobOutputType: 'uri_folder', uri: OUTPUT } } } });
      return { name: 'batchjob-1', properties: { status: 'NotStarted' } };
    }),
  };
  const signals = new EventEmitter();
  const cancellation = installCancellationHandlers({ signals, exit: sinon.stub(), log: () => undefined });
  const workspace = { armId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws', location: 'westeurope' } as WorkspaceInfo;
  return {
    host, api, batch, clock, history, signals, cancellation,
    run: (services = {}) =>
      runBatchScoreTask(host, { cancellation, defer: () => undefined }, fakeSession(new RoutingHttpClient()), {
        workspace: async () => workspace,
        services: () => ({ batch, api, runHistory: history, openStore: async () => new MemoryBlobStore(), now: clock.now, sleep: clock.sleep, ...services }),
      }),
    output: (name) => host.setVariable.getCalls().find((c) => c.args[0] === name && c.args[2]?.isOutput)?.args[1],
  };
}

describe('batch score: the AzureMLBatchScore task flow', () => {
  let h: Harness | undefined;
  afterEach(() => h?.cancellation.dispose());

  it('invokes, waits for the scoring job and publishes its name, status and output location', async () => {
    h = harness({ deploymentName: 'blue' });
    await h.run();
    sinon.assert.calledOnce(h.batch.invoke);
    const [uri, body, deployment] = h.batch.invoke.firstCall.args;
    assert.equal(uri, SCORING);
    assert.equal(deployment, 'blue');
    assert.deepEqual(body.properties.inputData, { UriFolder: { uri: `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/data/heart/versions/1`, jobInputType: 'UriFolder' } });
    assert.equal(h.output('jobName'), 'batchjob-1');
    assert.equal(h.output('jobStatus'), 'Completed');
    assert.equal(h.output('outputLocation'), OUTPUT);
    assert.match(h.output('studioUrl') ?? '', /runs\/batchjob-1\?wsid=/);
    sinon.assert.calledWith(h.host.setResult, 'Succeeded', "Azure ML job 'batchjob-1' completed.");
    const log = h.host.log.getCalls().map((c) => c.args[0]);
    assert.ok(log.includes("Job 'batchjob-1' status: Completed"), 'the shared wait announced the end');
  });

  it('fails the step when the scoring job fails, with run history\'s reason', async () => {
    h = harness({}, [[0, 'Running'], [20_000, 'Failed']]);
    h.history.runs.set('batchjob-1', { status: 'Failed', files: {}, error: { error: { code: 'UserError', message: 'run() raised ValueError' } } });
    await h.run();
    assert.equal(h.output('jobStatus'), 'Failed');
    sinon.assert.calledWithMatch(h.host.setResult, 'Failed', /ended with status Failed\. UserError: run\(\) raised ValueError/);
  });

  it('wait=false reports the started job and does not wait', async () => {
    h = harness({ wait: 'false' });
    await h.run();
    assert.equal(h.output('jobName'), 'batchjob-1');
    assert.equal(h.output('jobStatus'), 'Running');
    assert.equal(h.api.getJob.callCount, 1, 'one read after the invocation, no wait');
    sinon.assert.calledWithMatch(h.host.setResult, 'Succeeded', /wait is false/);
  });

  it('cancels the scoring job when the step is cancelled while waiting', async () => {
    h = harness({});
    const hh = h;
    const interruptedSleep = async (_ms: number, signal?: AbortSignal) => {
      hh.signals.emit('SIGINT', 'SIGINT');
      if (signal?.aborted) throw signal.reason;
    };
    await assert.rejects(h.run({ sleep: interruptedSleep }), /Cancelled \(SIGINT\)/);
    await new Promise((resolve) => setImmediate(resolve));
    sinon.assert.calledOnce(h.api.cancelJob);
    assert.equal(h.api.cancelJob.firstCall.args[0], 'batchjob-1');
  });

  it('cancels the job a cancel during the invocation left behind, once the endpoint answers', async () => {
    h = harness({});
    const hh = h;
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    h.batch.invoke.callsFake(async () => {
      hh.signals.emit('SIGINT', 'SIGINT');
      await answered;
      await hh.api.createJob('batchjob-1', { properties: { jobType: 'Pipeline' } });
      return { name: 'batchjob-1', properties: {} };
    });
    const running = h.run().catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    sinon.assert.notCalled(h.api.cancelJob);
    answer();
    await running;
    await new Promise((resolve) => setImmediate(resolve));
    sinon.assert.calledWith(h.api.cancelJob, 'batchjob-1');
  });

  it('fails at the timeout and cancels the job (cancelJobOnStop)', async () => {
    h = harness({ timeoutMinutes: '1' }, [[0, 'Running']]);
    await h.run();
    sinon.assert.calledWith(h.api.cancelJob, 'batchjob-1');
    sinon.assert.calledWithMatch(h.host.setResult, 'Failed', /did not finish within 1 minute\(s\).*was cancelled/);
  });

  it('names the input in input errors, before calling anything', async () => {
    h = harness({ input: 'azureml:heart:1', inputs: 'a=azureml:x:1' });
    await assert.rejects(h.run(), /give either one input \(input\) or named inputs \(inputs\), not both/);
    h.cancellation.dispose();
    h = harness({ outputPath: 'out/folder' });
    await assert.rejects(h.run(), /Input outputPath: 'out\/folder' is not a datastore path/);
    h.cancellation.dispose();
    h = harness({ miniBatchSize: '0' });
    await assert.rejects(h.run(), /Input miniBatchSize: '0'/);
    h.cancellation.dispose();
    h = harness({ inputs: 'n={"type": "integer"}', input: '' });
    await assert.rejects(h.run(), /Input inputs \(n\): a integer input needs a "value"/);
    sinon.assert.notCalled(h.batch.invoke);
  });

  it('sends named inputs and output overrides', async () => {
    h = harness({ input: '', inputs: 'data=azureml://datastores/ds/paths/in/\nthreshold={"type": "number", "value": 0.5}', outputPath: 'azureml://datastores/ds/paths/out', outputFileName: 'p.csv', miniBatchSize: '10', instanceCount: '2' });
    await h.run();
    const body = h.batch.invoke.firstCall.args[1];
    assert.deepEqual(body.properties.inputData, { data: { uri: 'azureml://datastores/ds/paths/in/', jobInputType: 'UriFolder' }, threshold: { jobInputType: 'Literal', value: '0.5' } });
    assert.deepEqual(body.properties.outputDataset, { datastoreId: `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/ds`, path: 'out' });
    assert.equal(body.properties.outputFileName, 'p.csv');
    assert.equal(body.properties.miniBatchSize, 10);
    assert.deepEqual(body.properties.compute, { instanceCount: 2, isLocal: true });
    assert.equal(h.output('outputLocation'), 'azureml://datastores/ds/paths/out');
  });
});
