// AzureMLJob@1 end to end: the packaged bundle, run by the local runner as the agent runs it, against the
// real emulator (ARM, Entra ID, Azurite behind the loopback proxy, run history, MLflow, and jobs executed
// as local processes).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index';
import { AdminClient } from '../../emulator/src/adminClient';
import { listChildren } from '../../emulator/src/arm/resources';
import type { RequestLogEntry } from '../../emulator/src/requestLog';
import { Cancellation, DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline, type AuthChoice } from '../../runner/index';
import { tempDir } from '../runner/helpers';

const REPO = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.resolve(REPO, 'test', 'fixtures', 'azureml-examples', 'jobs');

/** A command job whose script sleeps `inputs.seconds`, and the one-step pipeline that submits it. */
function writeProject(dir: string): string {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'train.py'), 'import sys, time\nprint("training", flush=True)\ntime.sleep(float(sys.argv[-1]))\nprint("trained")\n');
  fs.writeFileSync(path.join(dir, 'src', 'util.py'), 'X = 1\n');
  fs.writeFileSync(
    path.join(dir, 'job.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
      'code: src',
      'command: python3 train.py --lr ${{inputs.learning_rate}} ${{inputs.seconds}}',
      'inputs:',
      '  learning_rate: 0.1',
      '  seconds: 0',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04',
      'compute: azureml:cpu-cluster',
      '',
    ].join('\n'),
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
      '      jobFile: $(jobFile)',
      '      overrides: $(overrides)',
      '      tags: team=vision',
      '      wait: $(wait)',
      '      dryRun: $(dryRun)',
      '      jobName: $(jobName)',
      '      stalledMinutes: $(stalledMinutes)',
      '',
    ].join('\n'),
  );
  return pipeline;
}

interface RunChoices {
  auth?: AuthChoice;
  dryRun?: boolean;
  wait?: boolean;
  jobName?: string;
  jobFile?: string;
  overrides?: string;
  stalledMinutes?: string;
  onLine?: (line: string) => void;
  cancellation?: Cancellation;
}

/** Runs the one-step pipeline on the emulator; the step's report and the console it printed. */
async function runJobStep(emulator: RunningEmulator, pipelineFile: string, choices: RunChoices) {
  const lines: string[] = [];
  const outcome = await runPipeline({
    pipelineFile,
    target: emulatorTarget(emulator.connection, choices.auth ?? 'secret'),
    cancellation: choices.cancellation,
    variables: {
      resourceGroupName: emulator.connection.resourceGroupName,
      workspaceName: emulator.connection.workspaceName,
      dryRun: String(choices.dryRun ?? false),
      wait: String(choices.wait ?? false),
      jobName: choices.jobName ?? '',
      jobFile: choices.jobFile ?? path.join(path.dirname(pipelineFile), 'job.yml'),
      overrides: choices.overrides ?? 'inputs.learning_rate=0.01',
      stalledMinutes: choices.stalledMinutes ?? '',
    },
    sink: (line) => {
      lines.push(line);
      choices.onLine?.(line);
    },
  });
  const step = outcome.report.stages[0].jobs[0].steps[0];
  return { outcome, step, console: lines.join('\n') };
}

describe('AzureMLJob@1 against the emulator (e2e)', function () {
  this.timeout(180_000);
  let emulator: RunningEmulator;
  let pipelineFile: string;

  before(async () => {
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, 'AzureMLJobV1', 'index.js')), `no AzureMLJob bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    emulator = await startEmulator({ stateDir: tempDir('job-e2e-emulator-') });
    pipelineFile = writeProject(tempDir('job-e2e-project-'));
  });

  after(async () => {
    await emulator?.stop();
  });

  const jobs = () => listChildren(emulator.context, 'jobs', `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${emulator.connection.workspaceName}`, 'jobs');
  const job = (name: string) => jobs().find((j) => j.name === name);

  const run = (choices: RunChoices = {}) => runJobStep(emulator, pipelineFile, choices);

  /** Runs a two-minute job and cancels the pipeline once it is Running. */
  const runCancelledWhileRunning = (jobName: string) => {
    const cancellation = new Cancellation();
    return run({ jobName, wait: true, overrides: 'inputs.seconds=120', cancellation, onLine: (line) => (/status: Running/.test(line) ? cancellation.cancel() : undefined) });
  };

  it('dryRun prints the request body and submits nothing', async () => {
    const { outcome, step, console } = await run({ dryRun: true });
    assert.equal(outcome.result, 'Succeeded', console);
    assert.match(console, /Dry run: nothing is uploaded or submitted/);
    assert.match(console, /"command": "python3 train.py --lr \$\{\{inputs.learning_rate\}\} \$\{\{inputs.seconds\}\}"/);
    assert.match(console, /"value": "0.01"/);
    assert.match(console, /<pending:upload:code#\d+>: the code version registered for .*src \(2 file\(s\)/);
    assert.equal(step.outputVariables.jobStatus, 'NotSubmitted');
    assert.equal(jobs().length, 0);
  });

  it('uploads the code, submits the job with pipeline tags, and reuses the snapshot on the next run', async () => {
    const first = await run();
    assert.equal(first.outcome.result, 'Succeeded', first.console);
    assert.match(first.console, /Uploading .*src \(2 file\(s\)/);
    assert.equal(jobs().length, 1);
    const submitted = jobs()[0];
    assert.equal(submitted.name, first.step.outputVariables.jobName);
    assert.equal(first.step.outputVariables.jobStatus, 'NotStarted', 'wait: false reports the status at submission');
    assert.match(submitted.properties.codeId, /\/codes\/[0-9a-f-]{36}\/versions\/1$/);
    assert.equal(submitted.properties.inputs.learning_rate.value, '0.01');
    assert.equal(submitted.properties.tags.team, 'vision');
    assert.ok(submitted.properties.tags['azure-devops.buildId'], JSON.stringify(submitted.properties.tags));
    // The service's link (as Azure's, without the tenant) opens in the connection's tenant.
    assert.equal(first.step.outputVariables.studioUrl, `${submitted.properties.services.Studio.endpoint}&tid=${emulator.connection.tenantId}`);
    assert.doesNotMatch(submitted.properties.services.Studio.endpoint, /tid=/);

    // Another run (named explicitly: two runs in the same second would share the derived name).
    const second = await run({ jobName: 'second-run' });
    assert.equal(second.outcome.result, 'Succeeded', second.console);
    assert.match(second.console, /Reusing the code snapshot/);
    assert.doesNotMatch(second.console, /Uploading /);
    assert.equal(job('second-run')?.properties.codeId, submitted.properties.codeId);
  });

  it('runs the training sample: live logs, status transitions, metrics as outputs', async () => {
    const { outcome, step, console } = await run({ jobName: 'sample-training', wait: true, overrides: 'inputs.epochs=20', jobFile: path.join(REPO, 'samples', 'training', 'job.yml') });
    if (process.env.JOB_E2E_VERBOSE) process.stdout.write(`${console}\n`);
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(step.outputVariables.jobStatus, 'Completed');
    assert.match(console, /Job 'sample-training' status: (Queued|Preparing|Running)[\s\S]*Streaming user_logs\/std_log\.txt[\s\S]*test_accuracy[\s\S]*Job 'sample-training' status: Completed/);
    assert.equal(console.match(/status: Completed/g)?.length, 1);
    const metrics = JSON.parse(step.outputVariables.metrics ?? '{}') as Record<string, number>;
    assert.equal(typeof metrics.accuracy, 'number', console);
    assert.equal(step.outputVariables.metric_accuracy, String(metrics.accuracy));
  });

  it('cancels the Azure ML job when the pipeline is cancelled while the step waits', async () => {
    const { outcome, console } = await runCancelledWhileRunning('cancel-me');
    assert.equal(outcome.result, 'Canceled', console);
    assert.match(console, /cancelling Azure ML job 'cancel-me'[\s\S]*Cancellation of job 'cancel-me' requested/);
    const status = job('cancel-me')?.properties.status;
    assert.ok(['CancelRequested', 'Canceled'].includes(status), `job status ${status}`);
  });

  it('cancelled while Azure ML does not answer the cancel: says the job may still be running, with its name and studio link', async () => {
    const admin = new AdminClient(emulator.connection.adminUrl);
    const fault = await admin.addFault({ kind: 'reset', pathPattern: '^/subscriptions/.*/jobs/cancel-unreachable/cancel$', method: 'POST', count: 1000 });
    try {
      const { outcome, console } = await runCancelledWhileRunning('cancel-unreachable');
      assert.equal(outcome.result, 'Canceled', console);
      assert.match(console, /Could not cancel Azure ML job 'cancel-unreachable' \([^)]*\)\. The job may still be running: cancel it in Azure ML studio: https:\/\/ml\.azure\.com\/runs\/cancel-unreachable/);
      assert.doesNotMatch(console, /Cancellation of job 'cancel-unreachable' requested/);
    } finally {
      await admin.removeFault(fault.id);
    }
  });

  it('a retried step (retryCountOnTaskFailure) submits a new job when the earlier try\'s job failed, never re-attaching to it', async () => {
    const retried = path.join(path.dirname(pipelineFile), 'pipeline-retried.yml');
    fs.writeFileSync(retried, fs.readFileSync(pipelineFile, 'utf8').replace('    name: train\n', '    name: train\n    retryCountOnTaskFailure: 1\n'));
    const { outcome, console } = await runJobStep(emulator, retried, { jobName: 'retry-me', wait: true, overrides: 'command=false' });
    assert.equal(outcome.result, 'Failed', console);
    assert.equal(job('retry-me')?.properties.status, 'Failed');
    assert.equal(job('retry-me_try2')?.properties.status, 'Failed');
    assert.match(console, /Job 'retry-me', submitted by an earlier try of this step, ended Failed: submitting the job again as 'retry-me_try2'/);
    assert.doesNotMatch(console, /attaching to it/);
  });

  it('waits through throttling, 503s and connection resets, and reports the end once', async () => {
    const admin = new AdminClient(emulator.connection.adminUrl);
    let faults: Promise<unknown> | undefined;
    const jobPath = '^/subscriptions/.*/jobs/faulty$';
    const { outcome, step, console } = await run({
      jobName: 'faulty',
      wait: true,
      overrides: 'inputs.seconds=6',
      onLine: (line) => {
        if (!faults && /status: /.test(line)) {
          faults = (async () => {
            await admin.addFault({ kind: 'reset', pathPattern: jobPath, method: 'GET', count: 1 });
            await admin.addFault({ kind: 'status', status: 429, retryAfterSeconds: 1, pathPattern: jobPath, method: 'GET', count: 2 });
            await admin.addFault({ kind: 'status', status: 503, retryAfterSeconds: 1, pathPattern: jobPath, method: 'GET', count: 1 });
          })();
        }
      },
    });
    await faults;
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(step.outputVariables.jobStatus, 'Completed');
    assert.equal(console.match(/status: Completed/g)?.length, 1, console);
    assert.deepEqual((await admin.faults()).filter((f) => f.remaining !== 0), [], 'every fault was hit');
  });

  it('waits through a 503 window on job reads: live logs keep flowing, each "retrying in N s" is the real delay, the end is noticed at the first read after it', async () => {
    const admin = new AdminClient(emulator.connection.adminUrl);
    let outage: ReturnType<AdminClient['addFault']> | undefined;
    const { outcome, step, console } = await run({
      jobName: 'outage',
      wait: true,
      overrides: 'inputs.seconds=4',
      onLine: (line) => {
        // 503 without Retry-After on every job read for 15 s: the job ends inside the window.
        if (!outage && /status: /.test(line)) outage = admin.addFault({ kind: 'status', status: 503, pathPattern: '^/subscriptions/.*/jobs/outage$', method: 'GET', durationSeconds: 15 });
      },
    });
    const fault = await outage;
    assert.ok(fault?.expiresAt);
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(step.outputVariables.jobStatus, 'Completed');
    assert.equal(console.match(/status: Completed/g)?.length, 1, console);

    const lines = console.split('\n');
    const announced = lines.flatMap((line, index) => {
      const match = /Reading the job's status failed \(.*\); retrying in ([\d.]+) s\. The job keeps running\./.exec(line);
      return match ? [{ index, delayMs: Number(match[1]) * 1000 }] : [];
    });
    assert.ok(announced.length >= 5, `${announced.length} failed reads announced:\n${console}`);
    assert.ok(announced.every((a) => a.delayMs <= 3_000), 'without Retry-After the back-off stays within 3 s');
    const trained = lines.findIndex((line) => /(^|\s)trained$/.test(line));
    assert.ok(trained >= 0 && trained < announced[announced.length - 1].index, 'the job\'s log was streamed while its status could not be read');

    // The emulator's request log: each failed read is followed by the next one after the delay its message named.
    const reads = (await admin.requests()).filter((e): e is RequestLogEntry => e.type === 'request' && e.method === 'GET' && /\/jobs\/outage$/.test(e.path));
    const failedAt = reads.findIndex((r) => r.status === 503);
    const failed = reads.slice(failedAt).filter((r) => r.status === 503);
    assert.equal(failed.length, announced.length, 'one message per failed read: the client retried none of them on its own');
    failed.forEach((read, i) => {
      const gap = Date.parse(reads[failedAt + i + 1].time) - (Date.parse(read.time) + read.durationMs);
      assert.ok(gap >= announced[i].delayMs - 50 && gap <= announced[i].delayMs + 1_500, `read ${i + 1} announced ${announced[i].delayMs} ms, the next read came ${gap} ms later`);
    });
    const after = reads.slice(failedAt + failed.length);
    assert.equal(after.length, 1, 'the first read after the outage reports the end');
    const late = Date.parse(after[0].time) - Date.parse(fault.expiresAt);
    assert.ok(late <= 3_000 + 1_000, `first read ${late} ms after the outage ended`);
  });

  it('ends the step clearly, within the stalledMinutes bound, when the job stays Paused (timeoutMinutes 0)', async () => {
    const admin = new AdminClient(emulator.connection.adminUrl);
    const fault = await admin.addFault({ kind: 'jobPaused', pathPattern: '^/subscriptions/.*/jobs/paused-job$' });
    try {
      const started = Date.now();
      const { outcome, step, console } = await run({ jobName: 'paused-job', wait: true, overrides: 'inputs.seconds=120', stalledMinutes: '0.1' });
      assert.equal(outcome.result, 'Failed', console);
      assert.match(console, /Job 'paused-job' status: Paused \(Azure ML paused the job; it makes no progress until it is resumed; the step fails if it stays Paused for 0\.1 minute\(s\)\)/);
      assert.match(console, /Azure ML job 'paused-job' stayed Paused for 0\.1 minute\(s\) \(stalledMinutes\).*resume or cancel it in Azure ML studio: https:\/\/ml\.azure\.com\/runs\/paused-job/);
      assert.equal(step.outputVariables.jobStatus, 'Paused');
      assert.ok(Date.now() - started < 60_000, 'the step ended long before the job would have');
    } finally {
      await admin.removeFault(fault.id);
    }
  });

  it('runs a pipeline job: component code uploaded, anonymous components registered first, each step\'s log streamed', async () => {
    // azureml-examples' 3b pipeline, with the component source folders the corpus leaves out.
    const dir = tempDir('job-e2e-pipeline-');
    fs.cpSync(path.join(EXAMPLES, 'pipelines-with-components', 'basics', '3b_pipeline_with_data'), dir, { recursive: true });
    for (const component of ['A', 'B', 'C']) {
      fs.mkdirSync(path.join(dir, `component${component}_src`));
      // Each step writes its output folder, which the next step reads.
      const script = ['import os, sys', 'args = sys.argv[1:]', 'for flag, value in zip(args, args[1:]):', '    if flag.endswith("_output"):', '        os.makedirs(value, exist_ok=True)', '        open(os.path.join(value, "part.txt"), "w").write("x")', `print("component ${component}")`, ''];
      fs.writeFileSync(path.join(dir, `component${component}_src`, 'hello.py'), script.join('\n'));
    }
    const { outcome, step, console } = await run({ jobName: 'pipeline-3b', jobFile: path.join(dir, 'pipeline.yml'), overrides: '', wait: true });
    if (process.env.JOB_E2E_VERBOSE) process.stdout.write(`${console}\n`);
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(step.outputVariables.jobStatus, 'Completed');
    for (const component of ['A', 'B', 'C']) assert.match(console, new RegExp(`\\[[^\\]]*\\] component ${component}`), 'each step\'s log, under its name');
    const pipeline = job('pipeline-3b');
    assert.equal(pipeline?.properties.jobType, 'Pipeline');
    const componentIds = Object.values(pipeline?.properties.jobs as Record<string, { componentId: string }>).map((j) => j.componentId);
    assert.equal(componentIds.length, 3);
    for (const id of componentIds) assert.match(id, /\/components\/azureml_anonymous\/versions\/[0-9a-f-]{36}$/);
    assert.equal((console.match(/Uploading /g) ?? []).length, 4, 'three code folders and the data input');
  });

  it('runs a parallel step and a pipeline component step: mini-batches in worker processes, rows read by the nested pipeline', async () => {
    const dir = tempDir('job-e2e-parallel-');
    const files: Record<string, string> = {
      'src/score.py': ['import argparse, os', 'def init():', '    global label', '    label = argparse.ArgumentParser().parse_known_args()[1][-1]', 'def run(mini_batch):', '    return [f"{label} {os.path.basename(p)}" for p in mini_batch]', ''].join('\n'),
      'data/a.txt': 'a', 'data/b.txt': 'b', 'data/c.txt': 'c',
      'inner.yml': [
        '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json',
        'type: pipeline', 'inputs:', '  rows:', '    type: uri_folder', 'jobs:', '  show:', '    type: command', '    inputs:', '      rows: ${{parent.inputs.rows}}',
        '    component:', '      command: cat ${{inputs.rows}}/parallel_run_step.txt', '      environment:', '        image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04',
        '      inputs:', '        rows:', '          type: uri_folder', '',
      ].join('\n'),
      'pipeline.yml': [
        '$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json',
        'type: pipeline', 'settings:', '  default_compute: azureml:cpu-cluster', 'inputs:', '  files:', '    type: uri_folder', '    path: ./data', 'jobs:',
        '  score:', '    type: parallel', '    inputs:', '      files:', '        type: uri_folder', '        path: ${{parent.inputs.files}}', '        mode: ro_mount',
        '    outputs:', '      rows:', '        type: uri_folder', '        mode: rw_mount', '    input_data: ${{inputs.files}}', '    mini_batch_size: "2"', '    error_threshold: 0',
        '    task:', '      type: run_function', '      code: ./src', '      entry_script: score.py', '      program_arguments: --label e2e', '      environment:',
        '        image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', '      append_row_to: ${{outputs.rows}}',
        '  wrapped:', '    type: pipeline', '    component: ./inner.yml', '    inputs:', '      rows: ${{parent.jobs.score.outputs.rows}}', '',
      ].join('\n'),
    };
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const { outcome, step, console } = await run({ jobName: 'parallel-nested', jobFile: path.join(dir, 'pipeline.yml'), overrides: '', wait: true });
    if (process.env.JOB_E2E_VERBOSE) process.stdout.write(`${console}\n`);
    assert.equal(outcome.result, 'Succeeded', console);
    assert.equal(step.outputVariables.jobStatus, 'Completed');
    assert.match(console, /\[score\] parallel run: 2 of 2 mini-batch\(es\) succeeded; 0 file\(s\) failed/);
    const children = jobs().filter((j) => j.properties.properties?.['azureml.parentRunId'] === 'parallel-nested');
    assert.deepEqual(children.map((c) => [c.properties.displayName, c.properties.jobType, c.properties.status]).sort(), [['score', 'Command', 'Completed'], ['wrapped', 'Pipeline', 'Completed']]);
    // The nested step cats parallel_run_step.txt from the parallel step's output: it fails if the rows are not there.
    const show = jobs().find((j) => j.properties.properties?.['azureml.parentRunId'] === children.find((c) => c.properties.jobType === 'Pipeline')!.name);
    assert.equal(show?.properties.status, 'Completed');
  });

  it('submits a sweep job', async () => {
    const dir = tempDir('job-e2e-sweep-');
    const yaml = fs.readFileSync(path.join(EXAMPLES, 'basics', 'hello-sweep.yml'), 'utf8').replace('azureml:AzureML-sklearn-1.5@latest', 'azureml://registries/azureml/environments/sklearn-1.5/versions/1');
    fs.writeFileSync(path.join(dir, 'sweep.yml'), `${yaml}compute: azureml:cpu-cluster\n`);
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'hello-sweep.py'), 'print("sweep")\n');
    const { outcome, console } = await run({ jobName: 'sweep-1', jobFile: path.join(dir, 'sweep.yml'), overrides: '' });
    assert.equal(outcome.result, 'Succeeded', console);
    const sweep = job('sweep-1');
    assert.equal(sweep?.properties.jobType, 'Sweep');
    assert.equal(sweep?.properties.experimentName, 'hello-sweep-example');
  });

  it('submits an AutoML job: its mltable folders uploaded, the job accepted, then ended Failed by the emulator, which has no AutoML service', async () => {
    const dir = tempDir('job-e2e-automl-');
    fs.cpSync(path.join(EXAMPLES, 'basics', 'hello-automl'), dir, { recursive: true });
    const jobFile = path.join(dir, 'hello-automl-job-basic.yml');
    fs.appendFileSync(jobFile, 'compute: azureml:cpu-cluster\n');
    const { outcome, console } = await run({ jobName: 'automl-1', jobFile, overrides: '', wait: true });
    assert.equal(outcome.result, 'Failed', console);
    assert.match(console, /does not execute AutoML jobs/);
    const automl = job('automl-1');
    assert.equal(automl?.properties.jobType, 'AutoML');
    assert.equal(automl?.properties.status, 'Failed');
    assert.equal(automl?.properties.taskDetails.taskType, 'Classification');
    assert.match(automl?.properties.taskDetails.trainingData.uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/training-mltable-folder$/);
  });
});

describe('AzureMLJob@1 with access tokens that expire while it waits (e2e)', function () {
  this.timeout(180_000);
  let emulator: RunningEmulator;
  let pipelineFile: string;

  before(async () => {
    // Tokens live 3 s: every poll of a 10-second job needs a renewed one.
    emulator = await startEmulator({ stateDir: tempDir('job-e2e-expiry-'), tokenLifetimeSeconds: 3 });
    pipelineFile = writeProject(tempDir('job-e2e-expiry-project-'));
  });

  after(async () => {
    await emulator?.stop();
  });

  for (const auth of ['federated', 'secret'] as AuthChoice[]) {
    it(`keeps waiting across token expiry with --auth ${auth}`, async () => {
      const since = new Date().toISOString();
      const { outcome, step, console } = await runJobStep(emulator, pipelineFile, { auth, jobName: `expiry-${auth}`, wait: true, overrides: 'inputs.seconds=10' });
      assert.equal(outcome.result, 'Succeeded', console);
      assert.equal(step.outputVariables.jobStatus, 'Completed');
      assert.match(console, /trained/);
      const tokenRequests = (await new AdminClient(emulator.connection.adminUrl).requests(since)).filter((r) => r.type === 'request' && /\/oauth2\/v2\.0\/token$/.test(String(r.path)));
      assert.ok(tokenRequests.length >= 3, `${tokenRequests.length} token requests: the task must have renewed its token`);
    });
  }
});

