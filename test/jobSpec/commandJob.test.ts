import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { translateYaml, WS } from './helpers';

const FULL_COMMAND_JOB = `
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
name: train-42
display_name: Train
description: trains
experiment_name: fraud
tags: {team: ml}
properties: {origin: yaml}
code: ./src
command: >-
  python train.py --lr \${{inputs.lr}} --epochs \${{inputs.epochs}} --flag \${{inputs.flag}}
  --name \${{inputs.name}} --data \${{inputs.data}} --table \${{inputs.table}}
  --model \${{inputs.model}} --raw \${{inputs.raw}} --out \${{outputs.model_dir}}
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
compute: azureml:gpu-cluster
inputs:
  lr: 1.0
  epochs: 10
  flag: true
  name: hello
  data:
    type: uri_folder
    path: ./data
    mode: download
  table:
    type: mltable
    path: azureml:iris-table@latest
    mode: ro_mount
  model:
    type: mlflow_model
    path: azureml:churn-model:3
  raw:
    type: uri_file
    path: https://example.blob.core.windows.net/datasets/iris.csv
outputs:
  model_dir:
    type: custom_model
    mode: upload
  scratch:
  report:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/reports/
    mode: rw_mount
distribution:
  type: pytorch
  process_count_per_instance: 4
resources:
  instance_count: 2
  instance_type: Standard_NC6
  shm_size: 8g
limits:
  timeout: 5400
identity:
  type: managed
  client_id: 11111111-2222-3333-4444-555555555555
environment_variables:
  NCCL_DEBUG: INFO
services:
  board:
    type: tensor_board
    log_dir: outputs/tblogs
`;

describe('jobSpec: command job', () => {
  it('translates every command-job construct into the 2022-10-01 CommandJob body', () => {
    const t = translateYaml(FULL_COMMAND_JOB, { jobName: 'ignored-when-display-name-given' });
    assert.equal(t.jobType, 'command');
    assert.equal(t.name, 'train-42');
    const [data, table, code] = t.pending;
    assert.deepEqual(t.body, {
      properties: {
        displayName: 'Train',
        description: 'trains',
        experimentName: 'fraud',
        tags: { team: 'ml' },
        properties: { origin: 'yaml' },
        isArchived: false,
        jobType: 'Command',
        command:
          'python train.py --lr ${{inputs.lr}} --epochs ${{inputs.epochs}} --flag ${{inputs.flag}} ' +
          '--name ${{inputs.name}} --data ${{inputs.data}} --table ${{inputs.table}} ' +
          '--model ${{inputs.model}} --raw ${{inputs.raw}} --out ${{outputs.model_dir}}',
        codeId: code.token,
        environmentId: `${WS}/environments/CliV2AnonymousEnvironment/versions/${t.environments[0].version}`,
        environmentVariables: { NCCL_DEBUG: 'INFO' },
        inputs: {
          lr: { jobInputType: 'literal', value: '1.0' },
          epochs: { jobInputType: 'literal', value: '10' },
          flag: { jobInputType: 'literal', value: 'True' },
          name: { jobInputType: 'literal', value: 'hello' },
          data: { jobInputType: 'uri_folder', uri: data.token, mode: 'Download' },
          table: { jobInputType: 'mltable', uri: table.token, mode: 'ReadOnlyMount' },
          model: { jobInputType: 'mlflow_model', uri: `${WS}/models/churn-model/versions/3` },
          raw: { jobInputType: 'uri_file', uri: 'https://example.blob.core.windows.net/datasets/iris.csv' },
        },
        outputs: {
          model_dir: { jobOutputType: 'custom_model', mode: 'Upload' },
          scratch: { jobOutputType: 'uri_folder' },
          report: { jobOutputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/reports/', mode: 'ReadWriteMount' },
        },
        computeId: `${WS}/computes/gpu-cluster`,
        identity: { identityType: 'Managed', clientId: '11111111-2222-3333-4444-555555555555' },
        services: { board: { jobServiceType: 'TensorBoard', properties: { logDir: 'outputs/tblogs' } } },
        distribution: { distributionType: 'PyTorch', processCountPerInstance: 4 },
        resources: { instanceCount: 2, instanceType: 'Standard_NC6', shmSize: '8g', properties: {} },
        limits: { jobLimitsType: 'Command', timeout: 'PT1H30M' },
      },
    });
  });

  it('records local code and inputs as uploads resolved against the YAML folder, without touching the disk', () => {
    const t = translateYaml(FULL_COMMAND_JOB);
    assert.deepEqual(
      t.pending.map((p) => (p.kind === 'upload' ? [p.kind, p.purpose, path.relative(t.dir, p.localPath), p.origin.split('/').pop()] : [p.kind, p.assetType, p.name])),
      [
        ['upload', 'input', 'data', 'job.yml:25:11'],
        ['latest', 'data', 'iris-table'],
        ['upload', 'code', 'src', 'job.yml:10:7'],
      ],
    );
  });

  it('names the anonymous environment as azure-ai-ml does: CliV2AnonymousEnvironment, md5 of md5(image)', () => {
    const t = translateYaml('command: echo hi\nenvironment:\n  image: library/python:latest\n');
    // md5(md5("library/python:latest")), computed with Python's hashlib for the same string.
    assert.deepEqual(t.environments.map((e) => [e.name, e.version, e.body]), [
      ['CliV2AnonymousEnvironment', 'e6b10c1cf68e59c9ebd6f84184973c4b', { properties: { image: 'library/python:latest', isAnonymous: true } }],
    ]);
  });

  it('sends a conda file as PyYAML dumps it with sorted keys, and hashes it into the version', () => {
    const conda = 'name: demo_env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.8\n  - pip\n  - pip:\n    - pyjokes\n';
    const t = translateYaml('command: echo\nenvironment:\n  image: python\n  conda_file: env/conda.yml\n', {}, { 'env/conda.yml': conda });
    const properties = t.environments[0].body.properties;
    assert.equal(properties.condaFile, 'channels:\n- conda-forge\ndependencies:\n- python=3.8\n- pip\n- pip:\n  - pyjokes\nname: demo_env\n');
    // _generate_anonymous_name_version: md5("".join(md5(image)).join(md5(conda dump))); value computed
    // with Python's hashlib and yaml.dump(sort_keys=True) on the same file.
    assert.equal(t.environments[0].version, '7f6976287d61b63c4fc546a15bb0d400');
  });

  it('resolves environment references: name:version, @latest, ARM ids and registries', () => {
    const envOf = (env: string) => translateYaml(`command: echo\nenvironment: ${env}\n`).body.properties.environmentId;
    assert.equal(envOf('azureml:sklearn:12'), `${WS}/environments/sklearn/versions/12`);
    assert.match(String(envOf('azureml:sklearn@latest')), /^<pending:latest:environments\/sklearn#\d+>$/);
    assert.equal(envOf(`azureml:${WS}/environments/x/versions/1`), `${WS}/environments/x/versions/1`);
    assert.equal(envOf('azureml://registries/azureml/environments/sklearn-1.5/labels/latest'), 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest');
  });

  it('defaults display name to the job name and experiment to the given default; options override the YAML', () => {
    const plain = translateYaml('command: echo\nenvironment: azureml:e:1\nexperiment_name: from-yaml\ntags: {a: "1"}\n', { jobName: 'run-7' });
    assert.equal(plain.body.properties.displayName, 'run-7');
    assert.equal(plain.body.properties.experimentName, 'from-yaml');
    const overridden = translateYaml('command: echo\nenvironment: azureml:e:1\nexperiment_name: from-yaml\ntags: {a: "1", b: "2"}\n', {
      experimentName: 'from-task',
      displayName: 'Nightly',
      tags: { b: 'task', 'Build.BuildId': '99' },
    });
    assert.equal(overridden.body.properties.experimentName, 'from-task');
    assert.equal(overridden.body.properties.displayName, 'Nightly');
    assert.deepEqual(overridden.body.properties.tags, { a: '1', b: 'task', 'Build.BuildId': '99' });
  });

  it('sends literal inputs as Python str() of what PyYAML loads', () => {
    const t = translateYaml(
      'command: echo\nenvironment: azureml:e:1\ninputs:\n  a: 0.00001\n  b: 1e-5\n  c: 1.5e+20\n  d: yes\n  e: "007"\n  f: 2.50\n  g:\n    type: integer\n    value: 3\n',
    );
    const values = Object.values(t.body.properties.inputs as Record<string, { value: string }>).map((i) => i.value);
    assert.deepEqual(values, ['1e-05', '1e-5', '1.5e+20', 'True', '007', '2.5', '3']);
  });

  it('rewrites legacy {inputs.x} references to ${{inputs.x}} with a warning', () => {
    const t = translateYaml('command: python t.py --x {inputs.x}\nenvironment: azureml:e:1\ninputs:\n  x: 1\n');
    assert.equal(t.body.properties.command, 'python t.py --x ${{inputs.x}}');
    assert.match(t.warnings[0], /job\.yml:1:10: single-brace references/);
  });

  it('translates mpi, tensorflow, user and aml_token identities', () => {
    const props = (extra: string) => translateYaml(`command: echo\nenvironment: azureml:e:1\n${extra}`).body.properties;
    assert.deepEqual(props('distribution:\n  type: mpi\n  process_count_per_instance: 2\n').distribution, { distributionType: 'Mpi', processCountPerInstance: 2 });
    assert.deepEqual(props('distribution:\n  type: tensorflow\n  worker_count: 3\n').distribution, {
      distributionType: 'TensorFlow',
      parameterServerCount: 0,
      workerCount: 3,
    });
    assert.deepEqual(props('identity:\n  type: user_identity\n').identity, { identityType: 'UserIdentity' });
    assert.deepEqual(props('identity:\n  type: aml_token\n').identity, { identityType: 'AMLToken' });
    assert.deepEqual(props('limits:\n  timeout: 90061\n').limits, { jobLimitsType: 'Command', timeout: 'P1DT1H1M1S' });
  });

  it('resolves YAML anchors and aliases as PyYAML does, and keeps PyYAML booleans (y/n stay strings)', () => {
    const t = translateYaml('command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.c}}\nenvironment: azureml:e:1\ninputs:\n  a: &lr 0.5\n  b: *lr\n  c: n\n');
    assert.deepEqual(t.body.properties.inputs, {
      a: { jobInputType: 'literal', value: '0.5' },
      b: { jobInputType: 'literal', value: '0.5' },
      c: { jobInputType: 'literal', value: 'n' },
    });
  });
});
