// Jobs and the emulator's own lifetime: stopping the emulator cancels running jobs and leaves no
// process behind; a job a killed emulator left mid-way ends Failed on the next start.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../emulator/src';
import { setJobStatus } from '../../emulator/src/arm';
import { getResource } from '../../emulator/src/arm/resources';
import { JobClient, processWatch } from './jobFixtures';

describe('emulator: jobs across emulator stop and restart', function () {
  this.timeout(120_000);
  let stateDir: string;

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'job-lifecycle-'));
  });

  afterEach(() => {
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('cancels running jobs when it stops, leaving no process behind', async () => {
    const emulator = await startEmulator({ stateDir });
    let running: () => boolean = () => true;
    try {
      const client = new JobClient(emulator);
      await client.submit('sleeper', { jobType: 'Command', command: 'echo $$ > bash.pid; sleep 300', environmentId: 'azureml://registries/azureml/environments/AzureML-minimal/versions/1' });
      await client.waitFor('sleeper', (job) => job.properties.status === 'Running');
      const pidFile = path.join(stateDir, 'jobs', 'sleeper', 'code', 'bash.pid');
      for (let i = 0; !fs.existsSync(pidFile) && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
      running = processWatch(Number(fs.readFileSync(pidFile, 'utf8')));
      assert.ok(running());
    } finally {
      await emulator.stop();
    }
    assert.equal(running(), false);
    const restarted = await startEmulator({ stateDir });
    try {
      const job = getResource(restarted.context, 'jobs', `${new JobClient(restarted).workspaceId}/jobs/sleeper`);
      assert.equal(job?.properties.status, 'Canceled');
    } finally {
      await restarted.stop();
    }
  });

  it('fails a job that a killed emulator left running, on the next start', async () => {
    // An executor that runs nothing stands in for the process that died with the emulator.
    const first = await startEmulator({ stateDir, arm: { jobExecutor: { submit: () => undefined, cancel: () => undefined } } });
    const jobId = `${new JobClient(first).workspaceId}/jobs/orphan`;
    try {
      await new JobClient(first).submit('orphan', { jobType: 'Command', command: 'sleep 300', environmentId: 'azureml://registries/azureml/environments/AzureML-minimal/versions/1' });
      setJobStatus(first.context, jobId, 'Running');
    } finally {
      await first.stop();
    }
    const second = await startEmulator({ stateDir });
    try {
      assert.equal(getResource(second.context, 'jobs', jobId)?.properties.status, 'Failed');
      const details = (await new JobClient(second).dataplane('GET', 'history/v1.0', '/runs/orphan/details')).json();
      assert.equal(details.status, 'Failed');
      assert.match(details.error.error.message, /emulator stopped while the job was Running/);
    } finally {
      await second.stop();
    }
  });
});
