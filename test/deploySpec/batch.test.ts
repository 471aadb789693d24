// Batch endpoint and batch deployment translation: az ml's defaults, both ways of writing a model deployment's
// settings, pipeline component deployments (file or reference), and refusals that point into the file.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  fileFamily,
  finalizeBatchEndpoint,
  finalizeDeployment,
  mergeBatchEndpointUpdate,
  translateBatchDeploymentFile,
  translateBatchEndpointFile,
  type DeploymentTranslateOptions,
} from '../../tasks/common/deploySpec';
import { WS, fakeResolutions, scope } from './helpers';
import { writeTree } from '../jobSpec/helpers';

function batchEndpoint(yaml: string) {
  const dir = writeTree({ 'endpoint.yml': yaml });
  return translateBatchEndpointFile(path.join(dir, 'endpoint.yml'), { scope });
}

function batchDeployment(yaml: string, files: Record<string, string> = {}, options: Partial<DeploymentTranslateOptions> = {}) {
  const dir = writeTree({ 'deployment.yml': yaml, ...files });
  const t = translateBatchDeploymentFile(path.join(dir, 'deployment.yml'), { scope, ...options });
  return { t, dir, plan: finalizeDeployment(t, fakeResolutions(t), scope) };
}

function failure(yaml: string, files: Record<string, string> = {}): string {
  const dir = writeTree({ 'deployment.yml': yaml, ...files });
  try {
    translateBatchDeploymentFile(path.join(dir, 'deployment.yml'), { scope });
  } catch (err) {
    return (err as Error).message.split(dir + path.sep).join('');
  }
  throw new Error('expected the translation to fail');
}

const MODEL = (rest: string) => `name: Score-V2
endpoint_name: Churn-Batch
model: azureml:churn:3
compute: azureml:cpu-cluster
${rest}`;

const COMMAND_COMPONENT = `$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: score
type: command
inputs:
  data: {type: uri_folder}
outputs:
  scores: {type: uri_folder}
command: python score.py --data \${{inputs.data}} --out \${{outputs.scores}}
environment: azureml:sklearn:4
`;

const PIPELINE_COMPONENT = `$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
name: score_pipeline
type: pipeline
inputs:
  input_data: {type: uri_folder}
outputs:
  scores: {type: uri_folder}
jobs:
  score:
    type: command
    component: ./score.yml
    inputs:
      data: \${{parent.inputs.input_data}}
    outputs:
      scores: \${{parent.outputs.scores}}
`;

describe('deploySpec: batch endpoints', () => {
  it('sends aad_token, empty maps and the default deployment as azure-ai-ml does', () => {
    const t = batchEndpoint('name: Churn-Batch\ntags: {team: ml, tier: 2}\ndefaults: {deployment_name: Blue}\n');
    assert.equal(t.name, 'churn-batch');
    assert.deepEqual(finalizeBatchEndpoint(t, 'westeurope'), {
      location: 'westeurope',
      tags: { team: 'ml', tier: '2' },
      properties: { authMode: 'AADToken', properties: {}, defaults: { deploymentName: 'blue' } },
    });
    assert.deepEqual(finalizeBatchEndpoint(t, 'westeurope', { withoutDefault: true }).properties, { authMode: 'AADToken', properties: {} });
  });

  it('refuses auth modes batch endpoints do not have, and fields they do not take', () => {
    assert.throws(() => batchEndpoint('name: churn-batch\nauth_mode: key\n'), /endpoint\.yml:2:12: batch endpoints only support auth_mode aad_token \(Microsoft Entra tokens\), not key/);
    assert.throws(() => batchEndpoint('name: churn-batch\ntraffic: {blue: 100}\n'), /endpoint\.yml:2:1: .*traffic/);
  });

  it('merges an update without moving the default deployment', () => {
    const t = batchEndpoint('name: churn-batch\ndescription: new\ntags: {b: "2"}\ndefaults: {deployment_name: green}\n');
    const merged = mergeBatchEndpointUpdate({ location: 'westeurope', tags: { a: '1' }, properties: { authMode: 'AADToken', description: 'old', properties: { p: 'q' }, defaults: { deploymentName: 'blue' } } }, t);
    assert.deepEqual(merged.body, { location: 'westeurope', tags: { a: '1', b: '2' }, properties: { authMode: 'AADToken', description: 'new', properties: { p: 'q' }, defaults: { deploymentName: 'blue' } } });
    assert.deepEqual(merged.changed, ['description', 'tags']);
    assert.match(merged.warnings[0], /endpoint\.yml:4:11: defaults\.deployment_name in the endpoint file was not applied; the default deployment stays 'blue'/);
  });
});

describe('deploySpec: batch model deployments', () => {
  const SETTINGS = {
    properties: {
      compute: `${WS}/computes/cpu-cluster`,
      properties: {},
      environmentVariables: { MODE: 'fast', WORKERS: '2' },
      model: { referenceType: 'Id', assetId: `${WS}/models/churn/versions/3` },
      resources: { instanceCount: 3, properties: {} },
      outputAction: 'AppendRow',
      outputFileName: 'out.csv',
      errorThreshold: -1,
      retrySettings: { maxRetries: 2, timeout: 'PT1M30S' },
      loggingLevel: 'debug',
      miniBatchSize: 5,
      maxConcurrencyPerInstance: 4,
    },
    tags: {},
  };

  it('reads settings under settings: (modelBatchDeployment)', () => {
    const { t, plan } = batchDeployment(
      MODEL(`type: model
settings:
  instance_count: 3
  mini_batch_size: 5
  max_concurrency_per_instance: 4
  output_action: append_row
  output_file_name: out.csv
  retry_settings: {max_retries: 2, timeout: 90}
  error_threshold: -1
  logging_level: debug
  environment_variables: {MODE: fast, WORKERS: 2}
`),
    );
    assert.deepEqual([t.name, t.endpointName, t.kind, t.apiVersion], ['score-v2', 'churn-batch', 'model', '2023-04-01']);
    assert.deepEqual(plan.body, { location: 'westeurope', ...SETTINGS });
  });

  it('reads the same settings at the top level, as azure-ai-ml 1.4 does (batchDeployment)', () => {
    const { plan } = batchDeployment(
      MODEL(`resources: {instance_count: 3}
mini_batch_size: 5
max_concurrency_per_instance: 4
output_action: append_row
output_file_name: out.csv
retry_settings: {max_retries: 2, timeout: 90}
error_threshold: -1
logging_level: debug
environment_variables: {MODE: fast, WORKERS: 2}
`),
    );
    assert.deepEqual(plan.body, { location: 'westeurope', ...SETTINGS });
  });

  it('sends only what the file gives (the service applies its defaults)', () => {
    const { plan } = batchDeployment(MODEL(''));
    assert.deepEqual(plan.body.properties, { compute: `${WS}/computes/cpu-cluster`, properties: {}, environmentVariables: {}, model: { referenceType: 'Id', assetId: `${WS}/models/churn/versions/3` } });
  });

  it('uploads local code and registers the scoring script check', () => {
    const { t, plan } = batchDeployment(MODEL('code_configuration: {code: ./src, scoring_script: batch_driver.py}\nenvironment: azureml:sklearn:4\n'), { 'src/batch_driver.py': 'def run(b): return b\n' });
    assert.equal(t.pending[0].kind, 'upload');
    assert.match(t.scoringScript?.localPath ?? '', /src\/batch_driver\.py$/);
    assert.deepEqual(plan.body.properties.codeConfiguration, { codeId: `${WS}/codes/3f1c0000-0000-0000-0000-000000000000/versions/1`, scoringScript: 'batch_driver.py' });
    assert.equal(plan.body.properties.environmentId, `${WS}/environments/sklearn/versions/4`);
  });

  const errors: Array<[string, string, RegExp]> = [
    ['missing compute', 'name: b1x\nendpoint_name: e1x\nmodel: azureml:m:1\n', /^deployment\.yml:1:1: missing required field 'compute' in model batch deployment/],
    ['summary_only with a file name', MODEL('settings: {output_action: summary_only, output_file_name: x.csv}\n'), /^deployment\.yml:5:59: output_file_name cannot be given with output_action summary_only/],
    ['an unknown output action', MODEL('settings: {output_action: append}\n'), /^deployment\.yml:5:27: invalid settings\.output_action 'append'/],
    ['a logging level', MODEL('logging_level: verbose\n'), /^deployment\.yml:5:16: logging_level 'verbose' must be one of info, warning, debug/],
    ['error_threshold below -1', MODEL('settings: {error_threshold: -2}\n'), /^deployment\.yml:5:29: settings\.error_threshold must be at least -1, not -2/],
    ['mini_batch_size 0', MODEL('mini_batch_size: 0\n'), /^deployment\.yml:5:18: mini_batch_size must be at least 1, not 0/],
    ['a setting in both places', MODEL('mini_batch_size: 2\nsettings: {mini_batch_size: 3}\n'), /^deployment\.yml:5:18: mini_batch_size is given both at the top level and under settings; keep the one under settings/],
    ['instance_count twice', MODEL('settings: {instance_count: 2}\nresources: {instance_count: 3}\n'), /^deployment\.yml:5:28: settings\.instance_count cannot be given with resources\.instance_count; keep one/],
    ['a top-level instance_count (not in the schema)', MODEL('instance_count: 2\n'), /^deployment\.yml:5:1: .*instance_count/],
    ['an unknown setting', MODEL('settings: {batch_size: 3}\n'), /^deployment\.yml:5:12: .*batch_size/],
    ['code without an environment', MODEL('code_configuration: {code: ./src, scoring_script: s.py}\n'), /^deployment\.yml:5:21: code_configuration needs an environment/],
    ['an unknown type', MODEL('type: component\n'), /^deployment\.yml:5:7: invalid batch deployment type 'component'/],
    ['job_definition', MODEL('job_definition: {type: pipeline}\n'), /^deployment\.yml:5:17: job_definition is a private preview/],
    ['a schema that says pipeline', `$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json\n${MODEL('type: model\n')}`, /^deployment\.yml:6:7: \$schema says a pipeline batch deployment but the file is a model one; set type: pipeline/],
  ];
  for (const [what, yaml, expected] of errors) it(`refuses ${what}`, () => assert.match(failure(yaml), expected));
});

describe('deploySpec: batch pipeline component deployments', () => {
  it('registers a component file as anonymous components and sends deploymentConfiguration at the preview', () => {
    const { t, plan } = batchDeployment(
      `$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json
name: prepro-score
endpoint_name: churn-batch
type: pipeline
component: ./pipeline.yml
settings:
  continue_on_step_failure: false
  default_compute: batch-cluster
`,
      { 'pipeline.yml': PIPELINE_COMPONENT, 'score.yml': COMMAND_COMPONENT },
    );
    assert.equal(t.kind, 'pipeline');
    assert.equal(t.apiVersion, '2023-04-01-preview');
    assert.equal(plan.components.length, 2);
    const [inner, pipeline] = plan.components;
    assert.equal((inner.body.properties.componentSpec as { type: string }).type, 'command');
    assert.equal((pipeline.body.properties.componentSpec as { type: string }).type, 'pipeline');
    assert.match(JSON.stringify(pipeline.body.properties.componentSpec), new RegExp(inner.id.replace(/[/.]/g, '\\$&')));
    assert.deepEqual(plan.body, {
      location: 'westeurope',
      tags: {},
      properties: {
        deploymentConfiguration: {
          deploymentConfigurationType: 'PipelineComponent',
          componentId: { referenceType: 'Id', assetId: pipeline.id },
          settings: { continue_on_step_failure: 'False', default_compute: 'batch-cluster' },
        },
      },
    });
  });

  it('takes a registered component by reference', () => {
    const { plan } = batchDeployment('name: prepro-score\nendpoint_name: churn-batch\ntype: pipeline\ncomponent: azureml:score_pipeline@latest\ndescription: nightly\n');
    assert.deepEqual(plan.body.properties, {
      description: 'nightly',
      deploymentConfiguration: { deploymentConfigurationType: 'PipelineComponent', componentId: { referenceType: 'Id', assetId: `${WS}/components/score_pipeline/versions/7` }, settings: {} },
    });
    assert.deepEqual(plan.components, []);
  });

  it('refuses model fields on a pipeline deployment and a missing component', () => {
    assert.match(failure('name: p1x\nendpoint_name: e1x\ntype: pipeline\ncomponent: azureml:c:1\ncompute: azureml:x\n'), /^deployment\.yml:5:1: .*compute/);
    assert.match(failure('name: p1x\nendpoint_name: e1x\ntype: pipeline\n'), /^deployment\.yml:1:1: missing required field 'component' in pipeline batch deployment/);
  });
});

describe('deploySpec: online or batch file', () => {
  const family = (yaml: string, resource: 'endpoint' | 'deployment') => fileFamily(path.join(writeTree({ 'f.yml': yaml }), 'f.yml'), resource);
  it('tells by $schema, then type, then batch-only fields; plain files stay online', () => {
    assert.equal(family('$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: e\n', 'endpoint'), 'batch');
    assert.equal(family('$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: e\n', 'endpoint'), 'online');
    assert.equal(family('name: e\ndefaults: {deployment_name: d}\n', 'endpoint'), 'batch');
    assert.equal(family('name: e\nauth_mode: key\n', 'endpoint'), 'online');
    assert.equal(family('name: d\ntype: pipeline\n', 'deployment'), 'batch');
    assert.equal(family('name: d\ntype: kubernetes\ncompute: x\n', 'deployment'), 'online');
    assert.equal(family('name: d\ncompute: azureml:c\nmodel: azureml:m:1\n', 'deployment'), 'batch');
    assert.equal(family('name: d\ninstance_type: Standard_DS3_v2\n', 'deployment'), 'online');
  });
});
