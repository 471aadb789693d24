import * as assert from 'node:assert/strict';
import { LogStreamer, streamableLogs } from '../../tasks/common/workspace/jobWait/logStreamer';
import { ArmRequestError, describeArmError } from '../../tasks/common/azure/armErrors';
import { createRunHistoryApi } from '../../tasks/common/workspace/runHistory';
import { fakeSession, RoutingHttpClient } from '../common/fakes';
import { FakeRunHistory, SCOPE } from '../job/fakes';

describe('workspace and job: run history and live logs', () => {
  it('chooses the logs azure-ai-ml streams: the primary std_log, else the legacy files of the job type', () => {
    const common = ['user_logs/std_log.txt', 'user_logs/std_log_process_1.txt', 'system_logs/lifecycler/execution-wrapper.log'];
    assert.deepEqual(streamableLogs(common, 'command'), ['user_logs/std_log.txt']);
    assert.deepEqual(streamableLogs(['azureml-logs/70_driver_log.txt', 'azureml-logs/55_azureml-execution.txt', 'logs/x.txt'], 'Command'), ['azureml-logs/55_azureml-execution.txt', 'azureml-logs/70_driver_log.txt']);
    assert.deepEqual(streamableLogs(['logs/azureml/executionlogs.txt'], 'pipeline'), ['logs/azureml/executionlogs.txt']);
    assert.deepEqual(streamableLogs(['azureml-logs/hyperdrive.txt'], 'sweep'), ['azureml-logs/hyperdrive.txt']);
  });

  it('prints only new complete lines on each poll, and the unfinished last line at the end', async () => {
    const history = new FakeRunHistory();
    history.runs.set('job1', { status: 'Running', files: { 'user_logs/std_log.txt': 'sas://a' } });
    const printed: string[] = [];
    const streamer = new LogStreamer(history, 'command', (line) => printed.push(line));
    history.logs.set('sas://a', 'one\ntw');
    await streamer.poll('job1');
    history.logs.set('sas://a', 'one\ntwo\nthr');
    await streamer.poll('job1');
    await streamer.poll('job1');
    history.logs.set('sas://a', 'one\ntwo\nthree');
    await streamer.poll('job1', true);
    assert.deepEqual(printed, ['Streaming user_logs/std_log.txt', 'one', 'two', 'three']);
  });

  it('keeps a character whose bytes arrive in two reads whole (progress bars, non-English text)', async () => {
    const history = new FakeRunHistory();
    history.runs.set('job1', { status: 'Running', files: { 'user_logs/std_log.txt': 'sas://a' } });
    const printed: string[] = [];
    const streamer = new LogStreamer(history, 'command', (line) => printed.push(line));
    const full = Buffer.from('Größe █████ 100%\n学習完了\n', 'utf8');
    // Each poll sees a log that ends one byte further: every read boundary falls somewhere, most inside a character.
    for (let end = 1; end <= full.length; end += 1) {
      history.logs.set('sas://a', full.subarray(0, end));
      await streamer.poll('job1');
    }
    await streamer.poll('job1', true);
    assert.deepEqual(printed, ['Streaming user_logs/std_log.txt', 'Größe █████ 100%', '学習完了']);
  });

  it("streams each pipeline step's std_log under the step's name", async () => {
    const history = new FakeRunHistory();
    history.runs.set('pipe', { status: 'Running', files: {} });
    history.runs.set('child-1', { status: 'Completed', files: { 'user_logs/std_log.txt': 'sas://prep' } });
    history.childRuns.set('pipe', [{ runId: 'child-1', displayName: 'prep' }]);
    history.logs.set('sas://prep', 'prepared\n');
    const printed: string[] = [];
    assert.equal(await new LogStreamer(history, 'pipeline', (l) => printed.push(l)).poll('pipe'), 'Running');
    assert.deepEqual(printed, ['[prep] Streaming user_logs/std_log.txt', '[prep] prepared']);
  });

  it('reads run details with the ARM token and log files by SAS with a byte range', async () => {
    const http = new RoutingHttpClient()
      .on('GET', /\/history\/v1\.0\/subscriptions\/.*\/workspaces\/ws\/runs\/job1\/details$/, { status: 200, body: { runId: 'job1', status: 'Running', logFiles: { 'user_logs/std_log.txt': 'https://acct.blob.core.windows.net/logs/std_log.txt?sig=x' } } })
      .on('GET', /std_log\.txt\?sig=x$/, (request) => ({ status: request.headers.get('range') === 'bytes=4-' ? 206 : 200, body: request.headers.get('range') ? 'more\n' : 'abc\n' }));
    const api = createRunHistoryApi(fakeSession(http), 'westeurope.api.azureml.ms', SCOPE);
    const details = await api.details('job1');
    assert.equal(details?.status, 'Running');
    assert.equal(http.requests[0].headers.get('authorization'), 'Bearer fake-arm-token');
    const url = details!.logFiles!['user_logs/std_log.txt'];
    assert.equal((await api.readLog(url, 0)).toString(), 'abc\n');
    assert.equal((await api.readLog(url, 4)).toString(), 'more\n');
    assert.equal(http.requests[1].headers.get('authorization'), undefined, 'no bearer token on a SAS URL');
  });

  it('reads log ranges as bytes: a range that ends inside a character neither garbles it nor moves the next offset', async () => {
    const log = Buffer.from('épreuve ✓\n', 'utf8');
    const http = new RoutingHttpClient().on('GET', /std_log\.txt\?sig=x$/, (request) => {
      const offset = Number(/^bytes=(\d+)-$/.exec(request.headers.get('range') ?? '')?.[1] ?? 0);
      // The blob holds only the first byte of 'é' at the first read.
      return { status: offset > 0 ? 206 : 200, body: offset > 0 ? log.subarray(offset) : log.subarray(0, 1), headers: { 'content-type': 'application/octet-stream' } };
    });
    const api = createRunHistoryApi(fakeSession(http), 'h', SCOPE);
    const url = 'https://acct.blob.core.windows.net/logs/std_log.txt?sig=x';
    const first = await api.readLog(url, 0);
    assert.deepEqual(first, log.subarray(0, 1));
    const rest = await api.readLog(url, first.length);
    assert.equal(http.requests[1].headers.get('range'), 'bytes=1-');
    assert.equal(Buffer.concat([first, rest]).toString('utf8'), 'épreuve ✓\n');
  });

  it('skips what it already has when the server ignores the range, counting bytes', async () => {
    const log = Buffer.from('über\nnext\n', 'utf8');
    const http = new RoutingHttpClient().on('GET', /std_log\.txt\?sig=x$/, { status: 200, body: log });
    const api = createRunHistoryApi(fakeSession(http), 'h', SCOPE);
    assert.equal((await api.readLog('https://acct.blob.core.windows.net/logs/std_log.txt?sig=x', Buffer.byteLength('über\n'))).toString('utf8'), 'next\n');
  });

  it('treats a run that run history does not know yet as no details', async () => {
    const http = new RoutingHttpClient().on('GET', /details$/, { status: 404, body: {} });
    assert.equal(await createRunHistoryApi(fakeSession(http), 'h', SCOPE).details('job1'), undefined);
  });
});

describe('workspace: run-history failures', () => {
  it('fails with an ArmRequestError carrying the request ids, and keeps a log SAS signature out of it', async () => {
    const http = new RoutingHttpClient()
      .on('GET', /details$/, { status: 500, body: { error: { code: 'ServiceError', message: 'run history is down' } }, headers: { 'x-ms-request-id': 'rh-req-1' } })
      .on('GET', /std_log\.txt\?sig=secret$/, { status: 403, body: { error: { code: 'AuthenticationFailed', message: 'signature expired' } }, headers: { 'x-ms-request-id': 'blob-req-2' } });
    const api = createRunHistoryApi({ ...fakeSession(http), retry: { maxRetries: 0 } }, 'h', SCOPE);
    const details = await api.details('job1').then(() => assert.fail('expected a failure'), (error: unknown) => error);
    assert.ok(details instanceof ArmRequestError);
    assert.equal(details.failure.status, 500);
    assert.equal(details.failure.armRequestId, 'rh-req-1');
    assert.match(describeArmError(details), /ServiceError: run history is down \(HTTP 500\)[\s\S]*x-ms-request-id rh-req-1/);
    const log = await api.readLog('https://acct.blob.core.windows.net/logs/std_log.txt?sig=secret', 0).then(() => assert.fail('expected a failure'), (error: unknown) => error);
    assert.ok(log instanceof ArmRequestError);
    assert.equal(log.failure.armRequestId, 'blob-req-2');
    assert.doesNotMatch(describeArmError(log), /secret/);
  });
});
