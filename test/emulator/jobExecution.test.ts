// The emulator runs jobs for real: command jobs as host processes with their code, inputs and
// outputs on the emulated storage, logs in run history, metrics through MLflow, cancel, pipelines.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningEmulator, startEmulator } from '../../emulator/src';
import { JobClient, processWatch, writeFiles } from './jobFixtures';

const SAMPLE = path.resolve(__dirname, '../../samples/training');

describe('emulator: jobs run for real', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let client: JobClient;
  let tempRoot: string;
  let computeId: string;

  before(async () => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'job-exec-'));
    emulator = await startEmulator({ stateDir: path.join(tempRoot, 'state') });
    client = new JobClient(emulator);
    computeId = `${client.workspaceId}/computes/cpu-cluster`;
  });

  after(async () => {
    await emulator?.stop();
    fs.rmSync(tempRoot, { recursive: true, force: true });
  });

  it('runs a command job with its code, inputs and environment, and uploads its outputs', async () => {
    const codeId = await client.createCode(
      writeFiles(path.join(tempRoot, 'echo', 'src'), { 'run.sh': 'echo "greeting=$1 run=$AZUREML_RUN_ID experiment=$AZUREML_EXPERIMENT_NAME tracking=$MLFLOW_TRACKING_URI"\nwc -l < "$2" | tr -d " " > "$3/lines.txt"\nmkdir -p outputs && echo kept > outputs/note.txt\n' }),
    );
    await client.uploadBlob('datasets/rows.csv', 'a,b\n1,2\n3,4\n');
    const submitted = await client.submit('echo-job', {
      jobType: 'Command',
      experimentName: 'emulator-tests',
      codeId,
      command: 'bash run.sh ${{inputs.greeting}} ${{inputs.rows}} ${{outputs.counted}} $[[--optional ${{inputs.absent}}]]',
      environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1',
      computeId,
      inputs: { greeting: { jobInputType: 'literal', value: 'hello' }, rows: { jobInputType: 'uri_file', uri: 'azureml://datastores/workspaceblobstore/paths/datasets/rows.csv' } },
      outputs: { counted: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } },
    });
    assert.equal(submitted.properties.status, 'NotStarted');

    const job = await client.waitFor('echo-job');
    const log = await client.stdLog('echo-job');
    assert.equal(job.properties.status, 'Completed', log);
    assert.match(log, new RegExp(`greeting=hello run=echo-job experiment=emulator-tests tracking=https://eastus.api.azureml.ms/mlflow/v1.0${client.workspaceId}`));
    assert.equal(job.properties.outputs.counted.uri, 'azureml://datastores/workspaceblobstore/paths/azureml/echo-job/counted/');
    assert.equal((await client.readBlob('azureml/echo-job/counted/lines.txt'))?.trim(), '3');

    const run = (await client.dataplane('GET', 'history/v1.0', '/runs/echo-job')).json();
    assert.equal(run.status, 'Completed');
    assert.ok(run.startTimeUtc && run.endTimeUtc && run.startTimeUtc <= run.endTimeUtc, JSON.stringify(run));
    assert.equal(run.target, 'cpu-cluster');

    // ./outputs and the logs are the run's artifacts, listed and served through contentinfo SAS URLs.
    const artifacts = (await client.dataplane('GET', 'artifact/v2.0', '/artifacts/origins/ExperimentRun/containers/dcid.echo-job')).json().value;
    assert.deepEqual(artifacts.map((a: any) => a.path).sort(), ['outputs/note.txt', 'user_logs/std_log.txt']);
    const info = (await client.dataplane('GET', 'artifact/v2.0', '/artifacts/contentinfo/ExperimentRun/dcid.echo-job/outputs/note.txt')).json();
    assert.equal((await client.fetch(info.contentUri)).text.trim(), 'kept');
    const byPrefix = (await client.dataplane('GET', 'artifact/v2.0', '/artifacts/prefix/contentinfo/ExperimentRun/dcid.echo-job?path=user_logs')).json().value;
    assert.deepEqual(byPrefix.map((a: any) => a.path), ['user_logs/std_log.txt']);
    assert.equal((await client.dataplane('GET', 'artifact/v2.0', '/artifacts/contentinfo/ExperimentRun/dcid.echo-job/outputs/missing.txt')).status, 404);
  });

  it('runs the training sample: metrics through MLflow REST and the model in its output', async () => {
    const codeId = await client.createCode(path.join(SAMPLE, 'src'));
    await client.uploadBlob('LocalUpload/sample-data/churn.csv', fs.readFileSync(path.join(SAMPLE, 'data', 'churn.csv')));
    await client.submit('train-sample', {
      jobType: 'Command',
      experimentName: 'churn-training',
      displayName: 'churn-logistic-regression',
      codeId,
      command: 'python3 train.py --data ${{inputs.training_data}} --learning-rate ${{inputs.learning_rate}} --epochs ${{inputs.epochs}} --model-dir ${{outputs.model}}',
      environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1',
      computeId,
      inputs: {
        training_data: { jobInputType: 'uri_file', uri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/sample-data/churn.csv' },
        learning_rate: { jobInputType: 'literal', value: '0.5' },
        epochs: { jobInputType: 'literal', value: '150' },
      },
      outputs: { model: { jobOutputType: 'uri_folder' } },
    });
    const job = await client.waitFor('train-sample');
    const log = await client.stdLog('train-sample');
    assert.equal(job.properties.status, 'Completed', log);
    assert.match(log, /test_accuracy/);

    const run = (await client.dataplane('GET', 'mlflow/v1.0', '/api/2.0/mlflow/runs/get?run_id=train-sample')).json().run;
    assert.equal(run.info.status, 'FINISHED');
    const metrics = Object.fromEntries(run.data.metrics.map((m: any) => [m.key, m.value]));
    assert.ok(metrics.accuracy > 0.6 && metrics.accuracy <= 1, JSON.stringify(metrics));
    assert.ok(metrics.loss > 0, JSON.stringify(metrics));
    assert.deepEqual(run.data.params.find((p: any) => p.key === 'epochs'), { key: 'epochs', value: '150' });
    const history = (await client.dataplane('GET', 'mlflow/v1.0', '/api/2.0/mlflow/metrics/get-history?run_id=train-sample&metric_key=train_loss')).json().metrics;
    assert.equal(history.length, 10);
    assert.deepEqual(history.map((m: any) => m.step), [15, 30, 45, 60, 75, 90, 105, 120, 135, 150]);

    const experiment = (await client.dataplane('GET', 'mlflow/v1.0', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn-training')).json().experiment;
    assert.equal(experiment.experiment_id, run.info.experiment_id);
    const search = await client.dataplane('POST', 'mlflow/v1.0', '/api/2.0/mlflow/runs/search', { experiment_ids: [experiment.experiment_id], filter: 'metrics.accuracy > 0.5 and params.epochs = "150"' });
    assert.deepEqual(search.json().runs.map((r: any) => r.info.run_id), ['train-sample']);

    const model = JSON.parse((await client.readBlob('azureml/train-sample/model/model.json')) ?? '{}');
    assert.equal(model.kind, 'logistic_regression');
    assert.equal(model.metrics.accuracy, metrics.accuracy);
    assert.ok(await client.readBlob('azureml/train-sample/model/MLmodel'));
  });

  it('marks a job whose command fails as Failed, with the error in run history', async () => {
    await client.submit('failing-job', { jobType: 'Command', command: 'echo about to fail; exit 3', environmentId: 'azureml://registries/azureml/environments/AzureML-minimal/versions/1', computeId });
    const job = await client.waitFor('failing-job');
    assert.equal(job.properties.status, 'Failed');
    const details = (await client.dataplane('GET', 'history/v1.0', '/runs/failing-job/details')).json();
    assert.match(details.error.error.message, /exited with code 3/);
    assert.match(await client.stdLog('failing-job'), /about to fail/);
  });

  it('fails a job whose command names an input it does not have, saying which', async () => {
    await client.submit('unknown-input', { jobType: 'Command', command: 'echo ${{inputs.missing}}', environmentId: 'azureml://registries/azureml/environments/AzureML-minimal/versions/1', computeId });
    const job = await client.waitFor('unknown-input');
    assert.equal(job.properties.status, 'Failed');
    const details = (await client.dataplane('GET', 'history/v1.0', '/runs/unknown-input/details')).json();
    assert.match(details.error.error.message, /\$\{\{inputs\.missing\}\}/);
  });

  it('cancels a running job: the process group is stopped and the job ends Canceled', async () => {
    await client.submit('long-job', { jobType: 'Command', command: 'sleep 300 & echo $! > sleep.pid; echo $$ > bash.pid; echo started; wait', environmentId: 'azureml://registries/azureml/environments/AzureML-minimal/versions/1', computeId });
    await client.waitFor('long-job', (job) => job.properties.status === 'Running');
    const workDir = path.join(emulator.stateDir, 'jobs', 'long-job', 'code');
    for (let i = 0; !fs.existsSync(path.join(workDir, 'bash.pid')) && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
    const running = ['sleep.pid', 'bash.pid'].map((f) => processWatch(Number(fs.readFileSync(path.join(workDir, f), 'utf8').trim())));
    assert.ok(running.every((alive) => alive()));
    // The log is live: run history serves what the process wrote while it still runs.
    let live = '';
    for (let i = 0; !live.includes('started') && i < 100; i++) live = await client.stdLog('long-job');
    assert.match(live, /started/);
    assert.equal((await client.arm('GET', '/jobs/long-job')).json().properties.status, 'Running');

    const cancel = await client.arm('POST', '/jobs/long-job/cancel');
    assert.equal(cancel.status, 202);
    const job = await client.waitFor('long-job');
    assert.equal(job.properties.status, 'Canceled');
    assert.deepEqual(running.map((alive) => alive()), [false, false]);
    assert.match(await client.stdLog('long-job'), /Cancellation requested/);
  });

  it('runs a pipeline job: steps as child jobs in dependency order, with bound inputs and outputs', async () => {
    const component = await client.arm('PUT', '/components/make-data/versions/1', {
      properties: { componentSpec: { name: 'make-data', type: 'command', command: 'echo "${{inputs.message}}" > ${{outputs.data}}/message.txt', inputs: { message: { type: 'string' } }, outputs: { data: { type: 'uri_folder' } } } },
    });
    assert.equal(component.status, 201, component.text);
    await client.submit('pipeline-job', {
      jobType: 'Pipeline',
      experimentName: 'pipelines',
      settings: { default_compute: computeId },
      inputs: { message: { jobInputType: 'literal', value: 'from the parent' } },
      outputs: { final: { jobOutputType: 'uri_folder' } },
      jobs: {
        // Declared first, but it reads make's output: it must run second.
        use: {
          type: 'command',
          command: 'cat ${{inputs.data}}/message.txt; cp ${{inputs.data}}/message.txt ${{outputs.copy}}/',
          inputs: { data: { job_input_type: 'literal', value: '${{parent.jobs.make.outputs.data}}' } },
          outputs: { copy: { type: 'literal', value: '${{parent.outputs.final}}' } },
        },
        make: {
          type: 'command',
          componentId: component.json().id,
          inputs: { message: { job_input_type: 'literal', value: '${{parent.inputs.message}}' } },
        },
      },
    });
    const pipeline = await client.waitFor('pipeline-job');
    assert.equal(pipeline.properties.status, 'Completed');

    const children = (await client.dataplane('GET', 'history/v1.0', '/runs/pipeline-job/children')).json().value;
    assert.deepEqual(children.map((c: any) => [c.displayName, c.status, c.parentRunId]), [
      ['make', 'Completed', 'pipeline-job'],
      ['use', 'Completed', 'pipeline-job'],
    ]);
    const [make, use] = children;
    assert.ok(make.endTimeUtc <= use.startTimeUtc, `make ended ${make.endTimeUtc}, use started ${use.startTimeUtc}`);
    assert.match(await client.stdLog(use.runId), /from the parent/);
    const pipelineLogs = (await client.dataplane('GET', 'history/v1.0', '/runs/pipeline-job/details')).json().logFiles;
    const executionLog = (await client.fetch(pipelineLogs['logs/azureml/executionlogs.txt'])).text;
    assert.match(executionLog, /Step 'make' \(run [-0-9a-f]+\) ended Completed[\s\S]*Step 'use' submitted/);
    assert.equal(pipeline.properties.outputs.final.uri, `azureml://datastores/workspaceblobstore/paths/azureml/${use.runId}/copy/`);
    assert.equal((await client.readBlob(`azureml/${use.runId}/copy/message.txt`))?.trim(), 'from the parent');
  });

  it('runs a sweep job as a few trials and picks the best one by its objective', async () => {
    const codeId = await client.createCode(
      writeFiles(path.join(tempRoot, 'sweep', 'src'), {
        'score.py': [
          'import json, os, sys, urllib.request, ssl',
          'lr = float(sys.argv[1])',
          'body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "accuracy", "value": 1 - abs(lr - 0.1), "timestamp": 0, "step": 0}).encode()',
          'request = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-metric", data=body, method="POST", headers={"Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"], "Content-Type": "application/json"})',
          'opener = urllib.request.build_opener(urllib.request.ProxyHandler(), urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])))',
          'opener.open(request).read()',
          'print("lr", lr)',
        ].join('\n'),
      }),
    );
    await client.submit('sweep-job', {
      jobType: 'Sweep',
      computeId,
      objective: { goal: 'Maximize', primaryMetric: 'accuracy' },
      samplingAlgorithm: { samplingAlgorithmType: 'Grid' },
      searchSpace: { lr: ['choice', [[0.5, 0.1, 0.9]]] },
      trial: { codeId, command: 'python3 score.py ${{search_space.lr}}', environmentId: 'azureml://registries/azureml/environments/AzureML-minimal/versions/1' },
      limits: { jobLimitsType: 'Sweep', maxTotalTrials: 10, maxConcurrentTrials: 2 },
    });
    const job = await client.waitFor('sweep-job');
    assert.equal(job.properties.status, 'Completed');
    assert.equal(job.properties.properties.best_child_run_id, 'sweep-job_1');
    const children = (await client.dataplane('GET', 'history/v1.0', '/runs/sweep-job/children')).json().value;
    assert.deepEqual(children.map((c: any) => [c.runId, c.status]).sort(), [
      ['sweep-job_0', 'Completed'],
      ['sweep-job_1', 'Completed'],
      ['sweep-job_2', 'Completed'],
    ]);
    assert.match(await client.stdLog('sweep-job_2'), /lr 0.9/);
  });

  it('refuses job types it cannot run, saying so', async () => {
    await client.submit('automl-job', { jobType: 'AutoML', taskDetails: { taskType: 'Classification', targetColumnName: 'y', trainingData: { jobInputType: 'mltable', uri: 'azureml://datastores/workspaceblobstore/paths/t/' } }, environmentId: 'azureml://registries/azureml/environments/AzureML-minimal/versions/1' });
    const job = await client.waitFor('automl-job');
    assert.equal(job.properties.status, 'Failed');
    const details = (await client.dataplane('GET', 'history/v1.0', '/runs/automl-job/details')).json();
    assert.match(details.error.error.message, /does not execute AutoML jobs/);
  });

  it('answers MLflow and run-history requests for unknown runs as the service does', async () => {
    const missing = await client.dataplane('GET', 'mlflow/v1.0', '/api/2.0/mlflow/runs/get?run_id=no-such-run');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
    assert.equal((await client.dataplane('GET', 'history/v1.0', '/runs/no-such-run/details')).status, 404);
    const badFilter = await client.dataplane('POST', 'mlflow/v1.0', '/api/2.0/mlflow/runs/search', { filter: 'accuracy > 1' });
    assert.equal(badFilter.json().error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal((await client.dataplane('GET', 'mlflow/v1.0', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope')).status, 404);
    const update = await client.dataplane('POST', 'mlflow/v1.0', '/api/2.0/mlflow/runs/update', { run_id: 'echo-job', status: 'FINISHED' });
    assert.equal(update.json().run_info.run_id, 'echo-job');
    const noRunId = await client.dataplane('POST', 'mlflow/v1.0', '/api/2.0/mlflow/runs/log-metric', { key: 'x', value: 1 });
    assert.deepEqual([noRunId.status, noRunId.json().error_code], [400, 'INVALID_PARAMETER_VALUE']);
  });
});
