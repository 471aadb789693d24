// Job and step types beyond command/sweep/pipeline, and the az ml behaviours issue 16 names:
// environment files, named inline environments, bindings outside inputs, PyYAML's `code: .`.
import * as assert from 'node:assert/strict';
import { finalizeTranslation } from '../../tasks/common/jobSpec/finalize';
import { miniBatchSize } from '../../tasks/common/jobSpec/parallelStep';
import { parseYaml } from '../../tasks/common/jobSpec/yamlSource';
import { scope, translateYaml, translationError, WS } from './helpers';

const ENV = 'environment:\n  image: python:3.11\n';
const ANON_ENV = `${WS}/environments/CliV2AnonymousEnvironment/versions/`;

describe('jobSpec: environments and scalars as az ml reads them', () => {
  it("reads `code: .` as the folder '.' (PyYAML), not as NaN", () => {
    const t = translateYaml(`command: ls\ncode: .\n${ENV}`);
    assert.equal(t.pending[0].kind, 'upload');
    assert.equal(t.pending[0].kind === 'upload' && t.pending[0].localPath, t.dir);
  });

  it('loads environment: file:./env.yml as an inline environment, its conda file relative to it', () => {
    const t = translateYaml('command: ls\nenvironment: file:./env/env.yml\n', {}, {
      'env/env.yml': 'name: my-env\nimage: python:3.11\nconda_file: conda.yml\n',
      'env/conda.yml': 'dependencies:\n- python=3.11\n',
    });
    assert.match(String(t.body.properties.environmentId), new RegExp(`^${ANON_ENV}[0-9a-f]{32}$`));
    assert.equal(t.environments[0].body.properties.condaFile, 'dependencies:\n- python=3.11\n');
    assert.match(t.warnings.join('\n'), /env\.yml:1:7: the provided asset name 'my-env' will not be used for anonymous registration/);
  });

  it('registers a named inline environment anonymously with az ml\'s warning (no warning for the anonymous name)', () => {
    const named = translateYaml(`command: ls\nenvironment:\n  name: prs-env\n  version: 1\n  image: python:3.11\n`);
    const plain = translateYaml(`command: ls\n${ENV}`);
    assert.equal(named.body.properties.environmentId, plain.body.properties.environmentId);
    assert.deepEqual(named.warnings.map((w) => w.replace(named.dir + '/', '')), ["job.yml:3:9: the provided asset name 'prs-env' will not be used for anonymous registration"]);
    const anonymous = translateYaml(`command: ls\nenvironment:\n  name: CliV2AnonymousEnvironment\n  image: python:3.11\n`);
    assert.deepEqual(anonymous.warnings, []);
  });

  it("dumps conda files as PyYAML's safe_dump does: sorted keys, single quotes where a string needs them", () => {
    const t = translateYaml('command: ls\nenvironment:\n  image: python:3.11\n  conda_file: conda.yml\n', {}, {
      'conda.yml': 'name: "yes"\ndependencies:\n- python=3.8\n- "3.8"\n- pip:\n  - "numpy>=1.2"\n',
    });
    // Expected text: yaml.safe_dump(yaml.safe_load(...), default_flow_style=False, sort_keys=True) with PyYAML 6.0.
    assert.equal(t.environments[0].body.properties.condaFile, "dependencies:\n- python=3.8\n- '3.8'\n- pip:\n  - numpy>=1.2\nname: 'yes'\n");
  });

  it('names a missing environment file and where it was referenced', () => {
    assert.match(translationError('command: ls\nenvironment: file:./nope.yml\n'), /^job\.yml:2:14: cannot read .*nope\.yml: file not found$/);
  });
});

const PIPELINE_HEAD = `type: pipeline
inputs:
  compute_name: cpu-cluster
  data:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/data/
jobs:
`;

describe('jobSpec: pipeline steps', () => {
  it('sends ${{parent.inputs.x}} in a step compute as written, and checks that the input exists', () => {
    const t = translateYaml(`${PIPELINE_HEAD}  s:\n    command: ls\n    ${ENV.replace('\n  ', '\n      ')}    compute: \${{parent.inputs.compute_name}}\n`);
    assert.equal((t.body.properties.jobs as Record<string, Record<string, unknown>>).s.computeId, '${{parent.inputs.compute_name}}');
    assert.equal(
      translationError(`${PIPELINE_HEAD}  s:\n    command: ls\n    ${ENV.replace('\n  ', '\n      ')}    compute: \${{parent.inputs.gpu}}\n`),
      "job.yml:12:14: step 's' compute: the pipeline has no input 'gpu'; defined: compute_name, data in '${{parent.inputs.gpu}}'",
    );
  });

  it('translates a parallel step: task, mini-batch and retry settings, and its anonymous component', () => {
    const t = translateYaml(`${PIPELINE_HEAD}  score:
    type: parallel
    compute: azureml:cpu-cluster
    inputs:
      data: \${{parent.inputs.data}}
    outputs:
      scores:
        type: uri_file
    input_data: \${{inputs.data}}
    mini_batch_size: 2mb
    partition_keys: [store, brand]
    max_concurrency_per_instance: 2
    error_threshold: -1
    logging_level: DEBUG
    retry_settings:
      max_retries: 2
      timeout: 60
    task:
      type: run_function
      code: ./src
      entry_script: score.py
      append_row_to: \${{outputs.scores}}
      environment:
        image: python:3.11
`);
    const node = (t.body.properties.jobs as Record<string, Record<string, unknown>>).score;
    const code = t.pending.find((p) => p.kind === 'upload')!.token;
    assert.deepEqual({ ...node, componentId: undefined }, {
      name: 'score',
      type: 'parallel',
      computeId: `${WS}/computes/cpu-cluster`,
      inputs: { data: { job_input_type: 'literal', value: '${{parent.inputs.data}}' } },
      outputs: { scores: { job_output_type: 'uri_file' } },
      _source: 'YAML.JOB',
      componentId: undefined,
      input_data: '${{inputs.data}}',
      mini_batch_size: 2 * 1024 * 1024,
      partition_keys: '["store", "brand"]',
      max_concurrency_per_instance: 2,
      error_threshold: -1,
      logging_level: 'DEBUG',
      retry_settings: { max_retries: 2, timeout: 60 },
      task: { type: 'run_function', code, entry_script: 'score.py', append_row_to: '${{outputs.scores}}', environment: node.task && (node.task as Record<string, unknown>).environment },
    });
    assert.match(String((node.task as Record<string, unknown>).environment), new RegExp(`^${ANON_ENV}`));
    assert.equal(t.components.length, 1);
    assert.equal(t.components[0].spec.type, 'parallel');
    assert.equal(node.componentId, t.components[0].token);
  });

  it('reads mini_batch_size as azure-ai-ml does and refuses other units', () => {
    const node = (text: string) => parseYaml(`v: ${text}\n`, 'x.yml').root().get('v')!;
    assert.deepEqual(['100', '10kb', '1MB', '2gb'].map((v) => miniBatchSize(node(v))), [100, 10240, 1048576, 2147483648]);
    assert.throws(() => miniBatchSize(node('10tb')), /x\.yml:1:4: mini_batch_size '10tb' must be a whole number, optionally followed by kb, mb or gb/);
  });

  it('runs a pipeline component as a step, registering its own steps\' components before it', () => {
    const t = translateYaml(`${PIPELINE_HEAD}  inner:
    type: pipeline
    component: ./inner.yml
    inputs:
      raw: \${{parent.inputs.data}}
      unknown_input: 3
`, {}, {
      'inner.yml': `$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
type: pipeline
name: inner
inputs:
  raw:
    type: uri_folder
outputs:
  cleaned:
    type: uri_folder
jobs:
  clean:
    type: command
    command: python clean.py \${{inputs.raw}}
    environment: azureml:sklearn:1
    inputs:
      raw: \${{parent.inputs.raw}}
    outputs:
      out: \${{parent.outputs.cleaned}}
`,
    });
    const node = (t.body.properties.jobs as Record<string, Record<string, unknown>>).inner;
    assert.deepEqual(node.inputs, { raw: { job_input_type: 'literal', value: '${{parent.inputs.data}}' } });
    assert.equal(node.type, 'pipeline');
    assert.equal(node._source, 'YAML.COMPONENT');
    assert.match(t.warnings.join('\n'), /sets input 'unknown_input', which its pipeline component .* does not define; it is not sent/);
    assert.deepEqual(t.components.map((c) => c.spec.type), ['command', 'pipeline']);
    const inner = t.components[1].spec.jobs as Record<string, Record<string, unknown>>;
    assert.equal(inner.clean.componentId, t.components[0].token);
    const plan = finalizeTranslation(t, { uploads: {}, latestVersions: {} }, scope);
    assert.doesNotMatch(JSON.stringify(plan), /<pending:/);
    assert.equal((plan.components[1].body.properties.componentSpec.jobs as Record<string, Record<string, unknown>>).clean.componentId, plan.components[0].id);
  });

  it('refuses a pipeline step without a component', () => {
    assert.match(translationError(`${PIPELINE_HEAD}  inner:\n    type: pipeline\n`), /step 'inner' is a pipeline step: it needs a component/);
  });
});

const SPARK = `type: spark
code: ./src
entry:
  file: wrangle.py
conf:
  spark.driver.cores: 1
  spark.driver.memory: 2g
  spark.executor.cores: 2
  spark.executor.memory: 2g
  spark.executor.instances: 2
inputs:
  raw:
    type: uri_file
    path: azureml://datastores/workspaceblobstore/paths/raw.csv
    mode: direct
args: --raw \${{inputs.raw}}
resources:
  instance_type: standard_e4s_v3
  runtime_version: "3.3"
`;

describe('jobSpec: spark job', () => {
  it('translates entry, conf (values as strings), direct inputs and serverless resources', () => {
    const t = translateYaml(SPARK);
    const p = t.body.properties;
    assert.equal(p.jobType, 'Spark');
    assert.deepEqual(p.entry, { file: 'wrangle.py', sparkJobEntryType: 'SparkJobPythonEntry' });
    assert.deepEqual(p.conf, { 'spark.driver.cores': '1', 'spark.driver.memory': '2g', 'spark.executor.cores': '2', 'spark.executor.memory': '2g', 'spark.executor.instances': '2' });
    assert.deepEqual(p.resources, { instanceType: 'standard_e4s_v3', runtimeVersion: '3.3' });
    assert.deepEqual(p.identity, { identityType: 'UserIdentity' });
    assert.equal(p.args, '--raw ${{inputs.raw}}');
    assert.equal('properties' in p, false);
  });

  it('fills executor instances from the dynamic allocation minimum and checks the bounds', () => {
    const dynamic = SPARK.replace('  spark.executor.instances: 2\n', '  spark.dynamicAllocation.enabled: true\n  spark.dynamicAllocation.minExecutors: 1\n  spark.dynamicAllocation.maxExecutors: 4\n');
    const conf = translateYaml(dynamic).body.properties.conf as Record<string, string>;
    assert.equal(conf['spark.executor.instances'], '1');
    assert.equal(conf['spark.dynamicAllocation.enabled'], 'True');
    assert.match(translationError(dynamic.replace('minExecutors: 1', 'minExecutors: 5')), /Dynamic min executors should be bigger than 0 and min executors should be equal or less than max executors/);
  });

  it("gives az ml's messages for missing settings, non-direct modes and compute with resources", () => {
    assert.match(translationError(SPARK.replace('  spark.executor.instances: 2\n', '')), /^job\.yml:6:3: spark\.driver\.cores, .* and spark\.executor\.instances are mandatory fields\.$/);
    assert.match(translationError(SPARK.replace('mode: direct', 'mode: download')), /job\.yml:15:11: Input 'raw' is using 'download' mode, only 'direct' is supported for Spark job/);
    assert.match(translationError(`${SPARK}compute: azureml:pool\n`), /Only one of either compute or resources may be specified for Spark job/);
  });
});

describe('jobSpec: spark steps', () => {
  const COMPONENT = `$schema: https://azuremlschemas.azureedge.net/latest/sparkComponent.schema.json
type: spark
name: wrangle
version: 1
code: ./src
entry:
  file: wrangle.py
inputs:
  raw:
    type: uri_file
    mode: direct
args: --raw \${{inputs.raw}}
conf:
  spark.driver.cores: 1
  spark.driver.memory: 2g
  spark.executor.cores: 2
  spark.executor.memory: 2g
  spark.dynamicAllocation.enabled: True
  spark.dynamicAllocation.minExecutors: 1
  spark.dynamicAllocation.maxExecutors: 4
`;

  it("copies the component's entry, args and conf onto the node, with the defaults azure-ai-ml fills in", () => {
    const t = translateYaml(`${PIPELINE_HEAD}  wrangle:\n    type: spark\n    component: ./spark.yml\n    compute: azureml:pool\n    inputs:\n      raw:\n        type: uri_file\n        path: azureml://datastores/d/paths/raw.csv\n        mode: direct\n`, {}, { 'spark.yml': COMPONENT });
    const node = (t.body.properties.jobs as Record<string, Record<string, unknown>>).wrangle;
    assert.deepEqual(node.entry, { file: 'wrangle.py', spark_job_entry_type: 'SparkJobPythonEntry' });
    assert.equal(node.args, '--raw ${{inputs.raw}}');
    assert.deepEqual(node.conf, {
      'spark.driver.cores': 1, 'spark.driver.memory': '2g', 'spark.executor.cores': 2, 'spark.executor.memory': '2g',
      'spark.dynamicAllocation.enabled': true, 'spark.dynamicAllocation.minExecutors': 1, 'spark.dynamicAllocation.maxExecutors': 4,
      'spark.executor.instances': 1,
    });
    assert.deepEqual(node.identity, { identity_type: 'Managed' });
    assert.equal(t.components[0].spec.type, 'spark');
    assert.equal(t.components[0].spec.version, '1');
  });

  it("validates the component's settings with az ml's message", () => {
    assert.match(
      translationError(`${PIPELINE_HEAD}  wrangle:\n    type: spark\n    component: ./spark.yml\n`, {}, { 'spark.yml': COMPONENT.replace('  spark.dynamicAllocation.maxExecutors: 4\n', '') }),
      /spark\.yml:14:3: spark\.dynamicAllocation\.minExecutors and spark\.dynamicAllocation\.maxExecutors are required when dynamic allocation is enabled\./,
    );
  });
});
