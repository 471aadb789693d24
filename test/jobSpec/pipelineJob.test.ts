import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { finalizeTranslation } from '../../tasks/common/jobSpec/finalize';
import { scope, translateYaml, translationError, WS } from './helpers';

const PIPELINE = `
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: e2e
inputs:
  epochs: 20
  raw:
    type: uri_folder
    path: ./data
outputs:
  final_model:
    mode: upload
settings:
  default_compute: azureml:cpu-cluster
  default_datastore: azureml:workspaceblobstore
  continue_on_step_failure: false
jobs:
  prep:
    command: python prep.py --raw \${{inputs.raw}} --epochs \${{inputs.epochs}} --out \${{outputs.clean}}
    code: ./prep_src
    environment: azureml:sklearn:1
    inputs:
      raw: \${{parent.inputs.raw}}
      epochs: \${{parent.inputs.epochs}}
    outputs:
      clean:
  train:
    type: command
    component: ./components/train.yml
    compute: azureml:gpu-cluster
    inputs:
      training_data: \${{parent.jobs.prep.outputs.clean}}
      max_epochs: \${{parent.inputs.epochs}}
    outputs:
      model_output: \${{parent.outputs.final_model}}
    resources:
      instance_count: 2
    distribution:
      type: pytorch
      process_count_per_instance: 2
    environment_variables:
      NCCL_DEBUG: INFO
`;

const TRAIN_COMPONENT = `
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: train
version: 10
type: command
inputs:
  training_data:
    type: uri_folder
  max_epochs:
    type: integer
  learning_rate:
    type: number
    default: 0.01
outputs:
  model_output:
    type: mlflow_model
code: ../train_src
environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
command: python train.py --data \${{inputs.training_data}} --epochs \${{inputs.max_epochs}} --lr \${{inputs.learning_rate}} --out \${{outputs.model_output}}
`;

const translatePipeline = (yaml = PIPELINE, component = TRAIN_COMPONENT) =>
  translateYaml(yaml, { jobName: 'pipe-1' }, { 'components/train.yml': component });

describe('jobSpec: pipeline job', () => {
  // Steps are BaseNode/Command._to_rest_object dicts: snake_case msrest attribute names, None and
  // empty mappings dropped (convert_ordered_dict_to_dict), _source = where the component came from.
  it('translates pipeline inputs, outputs and settings, and each step as azure-ai-ml serialises nodes', () => {
    const t = translatePipeline();
    const p = t.body.properties;
    const [prepComponent, trainComponent] = t.components;
    const rawUpload = t.pending.find((x) => x.kind === 'upload' && x.purpose === 'input')!;
    assert.equal(p.jobType, 'Pipeline');
    assert.deepEqual(p.inputs, {
      epochs: { jobInputType: 'literal', value: '20' },
      raw: { jobInputType: 'uri_folder', uri: rawUpload.token },
    });
    assert.deepEqual(p.outputs, { final_model: { jobOutputType: 'uri_folder', mode: 'Upload' } });
    assert.deepEqual(p.settings, {
      default_compute: `${WS}/computes/cpu-cluster`,
      default_datastore: `${WS}/datastores/workspaceblobstore`,
      continue_on_step_failure: false,
      _source: 'YAML.JOB',
    });
    assert.deepEqual(p.jobs, {
      prep: {
        name: 'prep',
        type: 'command',
        inputs: {
          raw: { job_input_type: 'literal', value: '${{parent.inputs.raw}}' },
          epochs: { job_input_type: 'literal', value: '${{parent.inputs.epochs}}' },
        },
        _source: 'YAML.JOB',
        componentId: prepComponent.token,
      },
      train: {
        name: 'train',
        type: 'command',
        computeId: `${WS}/computes/gpu-cluster`,
        inputs: {
          training_data: { job_input_type: 'literal', value: '${{parent.jobs.prep.outputs.clean}}' },
          max_epochs: { job_input_type: 'literal', value: '${{parent.inputs.epochs}}' },
        },
        outputs: { model_output: { value: '${{parent.outputs.final_model}}', type: 'literal' } },
        _source: 'YAML.COMPONENT',
        componentId: trainComponent.token,
        distribution: { distribution_type: 'PyTorch', process_count_per_instance: 2 },
        resources: { instance_count: 2 },
        environment_variables: { NCCL_DEBUG: 'INFO' },
      },
    });
  });

  it('derives an anonymous component from an inline step, typing its inputs from what they bind to', () => {
    const [prep] = translatePipeline().components;
    assert.deepEqual(prep.spec.inputs, { raw: { type: 'uri_folder' }, epochs: { type: 'integer' } });
    assert.deepEqual(prep.spec.outputs, { clean: { type: 'uri_folder' } });
    assert.equal(prep.spec.environment, `azureml:${WS}/environments/sklearn/versions/1`);
    assert.equal(prep.spec._source, 'YAML.JOB');
  });

  it('loads a file component relative to the pipeline, and its code relative to the component, ignoring __pycache__', () => {
    const t = translatePipeline();
    const train = t.components[1];
    const codeUpload = t.pending.find((x) => x.kind === 'upload' && x.purpose === 'code' && x.localPath.endsWith('train_src'));
    assert.ok(codeUpload && codeUpload.kind === 'upload');
    assert.equal(path.relative(t.dir, codeUpload.localPath), 'train_src');
    assert.deepEqual(codeUpload.defaultIgnores, ['__pycache__']);
    assert.equal(train.spec.name, 'train');
    assert.equal(train.spec.version, '10');
    assert.equal(train.spec.code, `azureml:${codeUpload.token}`);
    assert.equal(train.spec.environment, 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest');
    assert.equal(train.spec._source, 'YAML.COMPONENT');
    assert.equal(train.spec.is_deterministic, true);
    assert.deepEqual(train.spec.inputs, {
      training_data: { type: 'uri_folder' },
      max_epochs: { type: 'integer' },
      learning_rate: { type: 'number', default: 0.01 },
    });
  });

  it('finalizes: uploads and lookups become ids, components get content-hash versions, no token is left', () => {
    const t = translatePipeline();
    const uploads = Object.fromEntries(
      t.pending.map((p) => [
        p.token,
        {
          datastoreUri: `azureml://datastores/workspaceblobstore/paths/LocalUpload/h-${p.token.length}/x`,
          storageUrl: 'https://acct.blob.core.windows.net/c/LocalUpload/h/x',
          objectHash: 'h',
          codeAssetId: `${WS}/codes/c-${p.token.length}/versions/1`,
        },
      ]),
    );
    const plan = finalizeTranslation(t, { uploads, latestVersions: {} }, scope);
    const text = JSON.stringify(plan);
    assert.doesNotMatch(text, /<pending:/);
    assert.equal(plan.components.length, 2);
    for (const c of plan.components) {
      assert.equal(c.name, 'azureml_anonymous');
      assert.match(c.version, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(c.body.properties.isAnonymous, true);
      assert.deepEqual([c.body.properties.componentSpec.name, c.body.properties.componentSpec.version], [c.name, c.version]);
    }
    const jobs = plan.body.properties.jobs as Record<string, { componentId: string }>;
    assert.equal(jobs.train.componentId, plan.components[1].id);
    assert.equal(jobs.train.componentId, `${WS}/components/azureml_anonymous/versions/${plan.components[1].version}`);
    // An unchanged pipeline maps to the same component versions, so nothing new is registered.
    assert.deepEqual(finalizeTranslation(translatePipeline(), { uploads: remap(uploads, t, translatePipeline()), latestVersions: {} }, scope).components.map((c) => c.version), plan.components.map((c) => c.version));
  });

  it('refuses a step input its component does not define, and a missing required input', () => {
    assert.equal(
      translationError(PIPELINE.replace('      max_epochs:', '      max_epoch:'), {}, { 'components/train.yml': TRAIN_COMPONENT }),
      `job.yml:33:7: step 'train' sets input 'max_epoch', which its component (components/train.yml:2:1) does not define; defined: training_data, max_epochs, learning_rate`,
    );
    assert.equal(
      translationError(PIPELINE.replace(/      max_epochs:.*\n/, ''), {}, { 'components/train.yml': TRAIN_COMPONENT }),
      `job.yml:28:5: required input 'max_epochs' of the component (components/train.yml:2:1) is not set in step 'train'`,
    );
  });

  it('refuses bindings to pipeline inputs, outputs or steps that do not exist', () => {
    assert.match(
      translationError(PIPELINE.replace('${{parent.jobs.prep.outputs.clean}}', '${{parent.jobs.prepare.outputs.clean}}'), {}, { 'components/train.yml': TRAIN_COMPONENT }),
      /^job\.yml:32:22: step 'train' inputs\.training_data: the pipeline has no step 'prepare'; steps: prep, train in/,
    );
  });

  it('names the component file and line when a component file is missing or invalid', () => {
    assert.equal(translationError(PIPELINE, {}, {}), 'job.yml:29:16: cannot read components/train.yml: file not found');
    assert.equal(
      translationError(PIPELINE, {}, { 'components/train.yml': TRAIN_COMPONENT.replace('command: python', 'comand: python') }),
      "components/train.yml:19:1: unknown field 'comand' in command component (did you mean 'command'?); allowed: $schema, name, version, display_name, description, tags, properties, type, inputs, outputs, command, code, environment, distribution, resources, is_deterministic, additional_includes",
    );
  });

  it('refuses step types it cannot submit, naming the supported ones', () => {
    const yaml = 'type: pipeline\njobs:\n  s:\n    type: data_transfer\n    component: ./t.yml\n';
    assert.equal(translationError(yaml), "job.yml:4:11: step 's' has type 'data_transfer', which this task does not submit; supported step types: command, parallel, pipeline, spark, sweep, automl");
  });

  it('passes unknown settings on (azure-ai-ml loads settings with unknown=INCLUDE) with a warning', () => {
    const t = translateYaml('type: pipeline\nsettings:\n  default_datestore: azureml:x\njobs:\n  s:\n    command: echo\n    environment: azureml:e:1\n');
    assert.equal((t.body.properties.settings as Record<string, unknown>).default_datestore, 'azureml:x');
    assert.match(t.warnings[0], /job\.yml:3:3: unknown field 'default_datestore' in pipeline settings \(did you mean 'default_datastore'\?\)/);
  });
});

function remap(uploads: Record<string, unknown>, from: { pending: { token: string }[] }, to: { pending: { token: string }[] }) {
  return Object.fromEntries(to.pending.map((p, i) => [p.token, uploads[from.pending[i].token]])) as never;
}
