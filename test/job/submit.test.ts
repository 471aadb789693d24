import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { STEP_KEY_TAG } from '../../tasks/common/workspace/lineage';
import { uploadSnapshots } from '../../tasks/common/workspace/pendingUploads';
import { submitJob } from '../../tasks/common/job/submit';
import { translateYaml } from '../jobSpec/helpers';
import { UserError } from '../../tasks/common/platform/userError';
import { FakeClock, fakeWorkspaceApi, jobResource, MemoryBlobStore } from './fakes';

const COMMAND_JOB = [
  'command: python train.py --data ${{inputs.data}}',
  'code: src',
  'inputs:',
  '  data:',
  '    type: uri_folder',
  '    path: data',
  'environment: azureml:sklearn@latest',
  'compute: azureml:cpu-cluster',
  '',
].join('\n');
const FILES = { 'src/train.py': 'print(1)\n', 'src/lib/util.py': 'X = 2\n', 'data/rows.csv': 'a,b\n1,2\n' };

describe('job: submission', () => {
  it('uploads code and inputs, resolves @latest, registers the code version, then submits', async () => {
    const translation = translateYaml(COMMAND_JOB, { tags: { [STEP_KEY_TAG]: 'k1' } }, FILES);
    const api = fakeWorkspaceApi({ clock: new FakeClock() });
    const store = new MemoryBlobStore();
    const result = await submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore: async () => store, log: () => undefined, warning: () => undefined });
    assert.equal(result.reattached, false);
    assert.deepEqual(store.uploads.map((b) => b.replace(/^LocalUpload\/[0-9a-f]{32}\//, '')).sort(), ['data/rows.csv', 'src/lib/util.py', 'src/train.py']);
    const [name, body] = api.createJob.firstCall.args as [string, { properties: Record<string, any> }];
    assert.equal(name, 'job1');
    assert.match(body.properties.codeId, /^codes\/[0-9a-f-]{36}\/versions\/1$/);
    assert.match(body.properties.environmentId, /\/environments\/sklearn\/versions\/7$/);
    assert.match(body.properties.inputs.data.uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/data\/$/);
    sinon.assert.callOrder(api.putAssetVersion, api.createJob);
    assert.equal(result.uploadStats?.filesUploaded, 3);
  });

  it('re-attaches to the job this step submitted before and submits nothing (retried step)', async () => {
    const translation = translateYaml(COMMAND_JOB, {}, FILES);
    const api = fakeWorkspaceApi({ clock: new FakeClock(), existing: jobResource('job1', 'Running', { tags: { [STEP_KEY_TAG]: 'k1' } }) });
    const openStore = sinon.stub().resolves(new MemoryBlobStore());
    const log: string[] = [];
    const result = await submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore, log: (m) => log.push(m), warning: () => undefined });
    assert.equal(result.reattached, true);
    assert.equal(result.job.properties.status, 'Running');
    sinon.assert.notCalled(api.createJob);
    sinon.assert.notCalled(api.putAssetVersion);
    sinon.assert.notCalled(openStore);
    assert.match(log.join('\n'), /already submitted by this step .*attaching/);
  });

  /** An API whose workspace holds these jobs by name (the earlier tries' jobs of a retried step). */
  function apiWithJobs(jobs: Record<string, string>) {
    const api = fakeWorkspaceApi({ clock: new FakeClock() });
    api.getJob.callsFake(async (name: string) => (jobs[name] ? { job: jobResource(name, jobs[name], { tags: { [STEP_KEY_TAG]: 'k1' } }) } : {}));
    return api;
  }

  for (const ended of ['Failed', 'Canceled']) {
    it(`submits again under the next try's name when the earlier try's job ended ${ended}, saying which job failed`, async () => {
      const translation = translateYaml(COMMAND_JOB, {}, FILES);
      const api = apiWithJobs({ job1: ended, job1_try2: 'Failed' });
      const log: string[] = [];
      const result = await submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore: async () => new MemoryBlobStore(), log: (m) => log.push(m), warning: (m) => log.push(m) });
      assert.equal(result.reattached, false);
      assert.equal(result.jobName, 'job1_try3');
      sinon.assert.calledOnceWithMatch(api.createJob, 'job1_try3');
      assert.match(log.join('\n'), /Job 'job1_try2', submitted by an earlier try of this step, ended Failed: submitting the job again as 'job1_try3'/);
    });
  }

  for (const live of ['Running', 'Completed', 'CancelRequested', 'Paused']) {
    it(`re-attaches to an earlier try's job that is ${live}, never starting a second live job`, async () => {
      const translation = translateYaml(COMMAND_JOB, {}, FILES);
      const api = apiWithJobs({ job1: 'Failed', job1_try2: live });
      const result = await submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore: async () => new MemoryBlobStore(), log: () => undefined, warning: () => undefined });
      assert.equal(result.reattached, true);
      assert.equal(result.jobName, 'job1_try2');
      sinon.assert.notCalled(api.createJob);
    });
  }

  it('warns, naming the resolved path, when a code path leaves the pipeline sources, and warns with the size of a large upload', async () => {
    // The sources are the data folder here, so the code folder beside it is outside them.
    const translation = translateYaml(COMMAND_JOB, {}, { ...FILES, 'src/big.py': 'x = 1\n'.repeat(1000) });
    const sourcesRoot = path.join(translation.dir, 'data');
    const warnings: string[] = [];
    const api = fakeWorkspaceApi({ clock: new FakeClock() });
    await submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore: async () => new MemoryBlobStore(), log: () => undefined, warning: (m) => warnings.push(m), uploadChecks: { sourcesRoot, largeUploadBytes: 4000 } });
    const outside = path.join(translation.dir, 'src');
    assert.ok(warnings.some((w) => w.includes(`job.yml:2:7: the code path resolves to ${outside}, outside the pipeline's sources (${sourcesRoot})`)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /job\.yml:2:7: uploading 0\.0 MB in 3 file\(s\) from .*src \(over 0\.0 MB\)/.test(w)), warnings.join('\n'));
    assert.ok(!warnings.some((w) => w.includes('input path')), 'the data input is inside the sources');
  });

  it('refuses a same-named job that another step or run submitted', async () => {
    const translation = translateYaml(COMMAND_JOB, {}, FILES);
    const api = fakeWorkspaceApi({ clock: new FakeClock(), existing: jobResource('job1', 'Completed', { tags: { [STEP_KEY_TAG]: 'other' } }) });
    await assert.rejects(submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore: async () => new MemoryBlobStore(), log: () => undefined, warning: () => undefined }), /already exists .* not submitted by this pipeline step/);
    sinon.assert.notCalled(api.createJob);
  });

  it('names the YAML line of a code folder that does not exist', async () => {
    const translation = translateYaml(COMMAND_JOB.replace('code: src', 'code: missing'), {}, FILES);
    const api = fakeWorkspaceApi({ clock: new FakeClock() });
    await assert.rejects(submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore: async () => new MemoryBlobStore(), log: () => undefined, warning: () => undefined }), /job\.yml:2:7: the code path cannot be uploaded: No such file or directory/);
  });

  it('fails with the YAML position when an @latest asset has no versions', async () => {
    const translation = translateYaml(COMMAND_JOB, {}, FILES);
    const api = fakeWorkspaceApi({ clock: new FakeClock() });
    api.latestVersion.resolves(undefined);
    await assert.rejects(submitJob({ api, jobName: 'job1', translation, stepKey: 'k1', openStore: async () => new MemoryBlobStore(), log: () => undefined, warning: () => undefined }), /job\.yml:\d+:\d+: environments 'sklearn' was not found in workspace 'ws' or has no versions/);
  });
});

describe('job: snapshot upload', () => {
  it('uploads nothing for an unchanged second run and reuses the registered code asset', async () => {
    const { pending, dir } = translateYaml(COMMAND_JOB, {}, FILES);
    const items = pending.filter((p) => p.kind === 'upload');
    const api = fakeWorkspaceApi({ clock: new FakeClock() });
    const store = new MemoryBlobStore();
    const first = await uploadSnapshots(items, store, api, () => undefined);
    assert.equal(first.stats.filesUploaded, 3);
    assert.ok(first.stats.bytesUploaded > 0);
    const uploadsAfterFirst = store.uploads.length;

    const log: string[] = [];
    const second = await uploadSnapshots(items, store, api, (m) => log.push(m));
    assert.equal(store.uploads.length, uploadsAfterFirst, 'no blob written');
    assert.deepEqual(second.stats, { filesUploaded: 0, bytesUploaded: 0, snapshotsReused: 2 });
    const code = items.find((i) => i.purpose === 'code')!.token;
    assert.equal(second.uploads[code].codeAssetId, first.uploads[code].codeAssetId);
    assert.match(log.join('\n'), /Reusing the code snapshot/);

    // A changed file is a new snapshot: new hash, uploaded again.
    fs.appendFileSync(path.join(dir, 'src', 'train.py'), 'print(2)\n');
    const third = await uploadSnapshots(items, store, api, () => undefined);
    assert.equal(third.stats.filesUploaded, 2);
    assert.notEqual(third.uploads[code].objectHash, first.uploads[code].objectHash);
  });

  it('marks the snapshot completed only after every file is uploaded', async () => {
    const { pending } = translateYaml(COMMAND_JOB, {}, FILES);
    const store = new MemoryBlobStore();
    const failing = sinon.stub(store, 'uploadFile');
    // The input folder (one file) goes first and completes; the code folder's second file fails.
    failing.onThirdCall().rejects(new Error('connection reset'));
    failing.callThrough();
    await assert.rejects(uploadSnapshots(pending.filter((p) => p.kind === 'upload'), store, fakeWorkspaceApi({ clock: new FakeClock() }), () => undefined), /connection reset/);
    const completed = [...store.blobs].filter(([, metadata]) => metadata.upload_status === 'completed').map(([name]) => name.split('/').slice(2).join('/'));
    assert.deepEqual(completed, ['data/rows.csv']);
  });

  it('registers no code version whose content hash would name other bytes than those uploaded', async () => {
    const { pending, dir } = translateYaml(COMMAND_JOB, {}, FILES);
    const code = pending.filter((p): p is Extract<typeof p, { kind: 'upload' }> => p.kind === 'upload' && p.purpose === 'code');
    const store = new MemoryBlobStore();
    const api = fakeWorkspaceApi({ clock: new FakeClock() });
    // Every file went up unchanged; then, before the content hash pass has read them all, one is rewritten.
    sinon.stub(store, 'setMetadata').callsFake(async (blobName: string, metadata: Record<string, string>) => {
      fs.appendFileSync(path.join(dir, 'src', 'train.py'), '# changed after its upload\n');
      store.blobs.set(blobName, metadata);
    });
    await assert.rejects(uploadSnapshots(code, store, api, () => undefined), (error: Error) => error instanceof UserError && /changed while it was being uploaded/.test(error.message));
    sinon.assert.notCalled(api.putAssetVersion as sinon.SinonStub);
  });
});
