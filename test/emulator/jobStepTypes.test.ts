// The job and step types beyond command jobs, run through the proxy as clients submit them:
// parallel steps (mini-batches in worker processes, thresholds, append_row), pipeline components as
// nested pipelines, and Spark and AutoML, which the emulator validates like Azure ML but does not execute.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { sharedEmulator } from './emulatorFixtures';
import { JobClient, writeFiles } from './jobFixtures';

/** An entry script with the parallel run contract: init() once per worker, run(mini_batch) per mini-batch. */
const SCORE_PY = [
  'import argparse, os, time',
  'def init():',
  '    global label',
  '    parser = argparse.ArgumentParser()',
  '    parser.add_argument("--label")',
  '    label = parser.parse_known_args()[0].label',
  '    print("init in", os.getpid(), flush=True)',
  'def run(mini_batch):',
  '    names = [os.path.basename(p) for p in mini_batch]',
  '    if "slow.txt" in names:',
  '        time.sleep(60)',
  '    if "bad.txt" in names:',
  '        raise ValueError("cannot score bad.txt")',
  '    return [f"{label} {n} {open(p).read().strip()}" for n, p in zip(names, mini_batch)]',
].join('\n');

describe('emulator: parallel, pipeline-component, Spark and AutoML jobs', function () {
  this.timeout(180_000);
  const shared = sharedEmulator();
  let client: JobClient;
  let computeId: string;
  let codeId: string;

  before(async () => {
    client = new JobClient(shared.emulator());
    computeId = `${client.workspaceId}/computes/cpu-cluster`;
    codeId = await client.createCode(writeFiles(path.join(shared.emulator().stateDir, 'score-src'), { 'score.py': SCORE_PY }));
    for (const [name, text] of [['a.txt', 'alpha'], ['b.txt', 'beta'], ['c.txt', 'gamma'], ['d.txt', 'delta'], ['e.txt', 'epsilon']]) await client.uploadBlob(`images/good/${name}`, text);
    for (const [name, text] of [['a.txt', 'alpha'], ['bad.txt', 'x'], ['c.txt', 'gamma']]) await client.uploadBlob(`images/mixed/${name}`, text);
    for (const [name, text] of [['a.txt', 'alpha'], ['slow.txt', 'x']]) await client.uploadBlob(`images/slow/${name}`, text);
  });

  /** A pipeline with one parallel step as azure-ai-ml sends it: an anonymous parallel component and the node's settings. */
  async function submitParallel(name: string, folder: string, node: Record<string, unknown>): Promise<void> {
    const component = await client.arm('PUT', `/components/azureml_anonymous_${name}/versions/1`, {
      properties: {
        componentSpec: {
          name: 'azureml_anonymous', type: 'parallel', input_data: '${{inputs.images}}', mini_batch_size: '2',
          inputs: { images: { type: 'uri_folder' }, label: { type: 'string', default: 'default-label' } },
          outputs: { scores: { type: 'uri_folder' } },
          task: { type: 'run_function', code: codeId, entry_script: 'score.py', program_arguments: '--label ${{inputs.label}}', append_row_to: '${{outputs.scores}}', environment: 'azureml:AzureML-minimal:1' },
        },
      },
    });
    assert.equal(component.status, 201, component.text);
    await client.submit(name, {
      jobType: 'Pipeline',
      settings: { default_compute: computeId },
      inputs: { images: { jobInputType: 'uri_folder', uri: `azureml://datastores/workspaceblobstore/paths/images/${folder}/` } },
      jobs: {
        score: {
          type: 'parallel', componentId: component.json().id, input_data: '${{inputs.images}}',
          inputs: { images: { job_input_type: 'literal', value: '${{parent.inputs.images}}' }, label: { job_input_type: 'literal', value: 'scored' } },
          outputs: { scores: { job_output_type: 'uri_folder', mode: 'ReadWriteMount' } },
          ...node,
        },
      },
    });
  }

  async function onlyChild(name: string): Promise<any> {
    const children = (await client.dataplane('GET', 'history/v1.0', `/runs/${name}/children`)).json().value;
    assert.equal(children.length, 1, JSON.stringify(children));
    return children[0];
  }

  it('runs a parallel step: mini-batches in worker processes, init() once per worker, rows appended in order', async () => {
    await submitParallel('parallel-ok', 'good', { mini_batch_size: 2, max_concurrency_per_instance: 2, resources: { instance_count: 1 }, error_threshold: 0 });
    const pipeline = await client.waitFor('parallel-ok');
    const step = await onlyChild('parallel-ok');
    const log = await client.stdLog(step.runId);
    assert.equal(pipeline.properties.status, 'Completed', log);
    assert.match(log, /3 mini-batch\(es\) of .* on 2 worker process\(es\)/);
    assert.equal(log.match(/^init in \d+$/gm)?.length, 2, log);
    assert.match(log, /3 of 3 mini-batch\(es\) succeeded; 0 file\(s\) failed/);
    const rows = await client.readBlob(`azureml/${step.runId}/scores/parallel_run_step.txt`);
    assert.equal(rows, 'scored a.txt alpha\nscored b.txt beta\nscored c.txt gamma\nscored d.txt delta\nscored e.txt epsilon\n');
  });

  it('fails a parallel step whose failed files exceed error_threshold, after retrying the mini-batch', async () => {
    await submitParallel('parallel-bad', 'mixed', { mini_batch_size: 1, error_threshold: 0, retry_settings: { max_retries: 1, timeout: 60 } });
    const pipeline = await client.waitFor('parallel-bad');
    assert.equal(pipeline.properties.status, 'Failed');
    const step = await onlyChild('parallel-bad');
    assert.equal(step.status, 'Failed');
    const log = await client.stdLog(step.runId);
    assert.equal(log.match(/mini-batch 1 attempt \d failed/g)?.length, 2, log);
    assert.match(log, /1 failed file\(s\) exceed error_threshold 0/);
    // The rows of the mini-batches that succeeded are kept.
    assert.equal(await client.readBlob(`azureml/${step.runId}/scores/parallel_run_step.txt`), 'scored a.txt alpha\nscored c.txt gamma\n');
  });

  it('tolerates failed files up to error_threshold and mini_batch_error_threshold', async () => {
    await submitParallel('parallel-tolerant', 'mixed', { mini_batch_size: '1', error_threshold: 1, mini_batch_error_threshold: 1, retry_settings: { max_retries: 0 } });
    assert.equal((await client.waitFor('parallel-tolerant')).properties.status, 'Completed');
    const step = await onlyChild('parallel-tolerant');
    assert.match(await client.stdLog(step.runId), /2 of 3 mini-batch\(es\) succeeded; 1 file\(s\) failed/);
  });

  it('stops a run() that exceeds retry_settings.timeout and counts its mini-batch as failed', async () => {
    await submitParallel('parallel-slow', 'slow', { mini_batch_size: 1, error_threshold: 0, retry_settings: { max_retries: 0, timeout: 1 } });
    assert.equal((await client.waitFor('parallel-slow')).properties.status, 'Failed');
    const log = await client.stdLog((await onlyChild('parallel-slow')).runId);
    assert.match(log, /RunTimeout: run\(\) took longer than the timeout of retry_settings/);
    assert.match(log, /1 of 2 mini-batch\(es\) succeeded; 1 file\(s\) failed/);
  });

  it('groups files into mini-batches by size when mini_batch_size has a unit', async () => {
    await submitParallel('parallel-by-size', 'good', { mini_batch_size: '1kb' });
    assert.equal((await client.waitFor('parallel-by-size')).properties.status, 'Completed');
    const step = await onlyChild('parallel-by-size');
    assert.match(await client.stdLog(step.runId), /1 mini-batch\(es\) of .* on 1 worker process\(es\)/);
    assert.equal((await client.readBlob(`azureml/${step.runId}/scores/parallel_run_step.txt`))?.split('\n').length, 6);
  });

  it('runs a pipeline component step as a nested pipeline job whose output feeds the next step', async () => {
    const make = await client.arm('PUT', '/components/make-message/versions/1', {
      properties: { componentSpec: { name: 'make-message', type: 'command', command: 'echo "${{inputs.text}}" > ${{outputs.data}}/message.txt', inputs: { text: { type: 'string' } }, outputs: { data: { type: 'uri_folder' } } } },
    });
    const inner = await client.arm('PUT', '/components/wrap-message/versions/1', {
      properties: {
        componentSpec: {
          name: 'wrap-message', type: 'pipeline',
          inputs: { text: { type: 'string', default: 'unused default' } },
          outputs: { result: { type: 'uri_folder' } },
          jobs: { make: { type: 'command', componentId: make.json().id, inputs: { text: { job_input_type: 'literal', value: '${{parent.inputs.text}}' } }, outputs: { data: { type: 'literal', value: '${{parent.outputs.result}}' } } } },
        },
      },
    });
    assert.equal(inner.status, 201, inner.text);
    await client.submit('nested-pipeline', {
      jobType: 'Pipeline',
      settings: { default_compute: computeId },
      jobs: {
        wrapped: { type: 'pipeline', componentId: inner.json().id, inputs: { text: { job_input_type: 'literal', value: 'hello from the outer pipeline' } } },
        read: { type: 'command', command: 'cat ${{inputs.data}}/message.txt', inputs: { data: { job_input_type: 'literal', value: '${{parent.jobs.wrapped.outputs.result}}' } } },
      },
    });
    const pipeline = await client.waitFor('nested-pipeline');
    assert.equal(pipeline.properties.status, 'Completed');
    const children = (await client.dataplane('GET', 'history/v1.0', '/runs/nested-pipeline/children')).json().value;
    assert.deepEqual(children.map((c: any) => [c.displayName, c.status]), [['wrapped', 'Completed'], ['read', 'Completed']]);
    const nested = (await client.arm('GET', `/jobs/${children[0].runId}`)).json();
    assert.equal(nested.properties.jobType, 'Pipeline');
    const grandchild = await onlyChild(children[0].runId);
    assert.equal(grandchild.displayName, 'make');
    assert.match(await client.stdLog(children[1].runId), /hello from the outer pipeline/);
  });

  it('runs a sweep step as a child sweep job whose trials read the searched inputs', async () => {
    const trial = await client.arm('PUT', '/components/echo-rate/versions/1', {
      properties: { componentSpec: { name: 'echo-rate', type: 'command', command: 'echo "rate=${{inputs.rate}} first=$(cat ${{inputs.data}}/a.txt)"', inputs: { rate: { type: 'number', default: 0 }, data: { type: 'uri_folder' } } } },
    });
    await client.submit('sweep-step-pipeline', {
      jobType: 'Pipeline',
      settings: { default_compute: computeId },
      inputs: { images: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/images/good/' } },
      jobs: {
        tune: {
          type: 'sweep', trial: { componentId: trial.json().id },
          inputs: { data: { job_input_type: 'literal', value: '${{parent.inputs.images}}' } },
          search_space: { rate: { type: 'choice', values: [0.5, 2] } },
          sampling_algorithm: 'grid', objective: { goal: 'maximize', primary_metric: 'accuracy' }, limits: { max_total_trials: 2, max_concurrent_trials: 1 },
        },
      },
    });
    assert.equal((await client.waitFor('sweep-step-pipeline')).properties.status, 'Completed');
    const sweep = await onlyChild('sweep-step-pipeline');
    assert.equal((await client.arm('GET', `/jobs/${sweep.runId}`)).json().properties.jobType, 'Sweep');
    assert.match(await client.stdLog(`${sweep.runId}_0`), /rate=0\.5 first=alpha/);
    assert.match(await client.stdLog(`${sweep.runId}_1`), /rate=2 first=alpha/);
  });

  it('accepts a Spark job after validating it as Azure ML does, and ends it Failed: not executed here', async () => {
    const refused = await client.arm('PUT', '/jobs/spark-invalid', { properties: { jobType: 'Spark', codeId, entry: { sparkJobEntryType: 'SparkJobPythonEntry' } } });
    assert.equal(refused.status, 400);
    assert.match(refused.json().error.message, /Required property 'file' not found in JSON\. Path 'properties\.entry'/);
    await client.submit('spark-job', {
      jobType: 'Spark', codeId, entry: { sparkJobEntryType: 'SparkJobPythonEntry', file: 'wrangle.py' }, args: '--x 1',
      conf: { 'spark.driver.cores': '1', 'spark.executor.instances': '2' }, resources: { instanceType: 'standard_e4s_v3', runtimeVersion: '3.2' },
    });
    const job = await client.waitFor('spark-job');
    assert.equal(job.properties.status, 'Failed');
    assert.equal(job.properties.jobType, 'Spark');
    const details = (await client.dataplane('GET', 'history/v1.0', '/runs/spark-job/details')).json();
    assert.match(details.error.error.message, /does not execute Spark jobs/);
  });

  for (const [type, node] of [['spark', { entry: { file: 'w.py' }, code: 'azureml:placeholder' }], ['automl', { task: 'classification', target_column_name: 'y' }]] as const) {
    it(`fails a pipeline with a ${type} step, saying the emulator does not execute ${type} steps`, async () => {
      await client.submit(`${type}-step-pipeline`, { jobType: 'Pipeline', settings: { default_compute: computeId }, jobs: { step: { type, ...node } } });
      assert.equal((await client.waitFor(`${type}-step-pipeline`)).properties.status, 'Failed');
      const details = (await client.dataplane('GET', 'history/v1.0', `/runs/${type}-step-pipeline/details`)).json();
      assert.match(details.error.error.message, new RegExp(`Step 'step' is a ${type} step: the emulator does not execute ${type} steps`));
    });
  }
});
