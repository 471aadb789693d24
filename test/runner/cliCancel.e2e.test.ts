// Ctrl-C as a user presses it: the runner CLI with the embedded emulator and the packaged AzureMLJob@1
// bundle, interrupted while the step waits for a running Azure ML job.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_TASKS_DIRECTORY } from '../../runner/index';
import { tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');

/** A job that runs long enough to be interrupted, and a pipeline that waits for it, then always reports. */
function writePipeline(dir: string): string {
  fs.writeFileSync(
    path.join(dir, 'sleep-job.yml'),
    ['$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json', 'command: sleep 60', 'environment:', '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'compute: azureml:cpu-cluster', ''].join('\n'),
  );
  const pipeline = path.join(dir, 'pipeline.yml');
  fs.writeFileSync(
    pipeline,
    [
      'steps:',
      '  - task: AzureMLJob@1',
      '    name: train',
      '    inputs:',
      '      azureSubscription: emulator',
      '      resourceGroupName: $(resourceGroupName)',
      '      workspaceName: $(workspaceName)',
      '      jobFile: sleep-job.yml',
      '      jobName: sleep-until-cancelled',
      '  - script: echo "report step ran"',
      '    name: report',
      '    condition: always()',
      '',
    ].join('\n'),
  );
  return pipeline;
}

describe('runner: Ctrl-C on the command line', function () {
  this.timeout(120_000);

  it('sends SIGINT to the waiting task, which cancels its job; the step is Canceled, always() steps run, exit 130', async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLJobV1', 'task.json')), `no AzureMLJob bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    const dir = tempDir();
    const report = path.join(dir, 'report.json');
    // node with tsx's loader, not the tsx binary: the signal goes to the runner itself, as a terminal's Ctrl-C would.
    const runner = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(ROOT, 'runner', 'cli.ts'), writePipeline(dir), '--demo', '--report', report, '--state-dir', path.join(dir, 'emulator')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((resolve) => runner.on('exit', (code) => resolve(code)));
    const onOutput = (chunk: Buffer) => {
      out += chunk.toString();
      if (/status: Running/.test(out) && runner.exitCode === null && !runner.killed) runner.kill('SIGINT');
    };
    runner.stdout.on('data', onOutput);
    runner.stderr.on('data', onOutput);
    const code = await exited;
    assert.equal(code, 130, out);
    assert.match(out, /Received SIGINT: the run was cancelled/);
    assert.match(out, /cancelling Azure ML job 'sleep-until-cancelled'[\s\S]*Cancellation of job 'sleep-until-cancelled' requested/);
    assert.match(out, /report step ran/);
    const steps = JSON.parse(fs.readFileSync(report, 'utf8')).stages[0].jobs[0].steps as Array<{ name: string; result: string }>;
    assert.deepEqual(
      steps.map((s) => [s.name, s.result]),
      [
        ['train', 'Canceled'],
        ['report', 'Succeeded'],
      ],
    );
  });
});
