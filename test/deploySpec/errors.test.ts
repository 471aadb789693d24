// Every refusal names the file, line and column (or the override) and says what to do.
import * as assert from 'node:assert/strict';
import { KUBERNETES, MANAGED, deployment, failure } from './helpers';

const SKU = 'instance_type: Standard_DS3_v2\n';

const deploymentErrors: Array<[string, string, RegExp]> = [
  ['model path that is an asset reference', MANAGED(`model: {path: 'azureml:m:1'}\n${SKU}`), /^deployment\.yml:4:15: model path 'azureml:m:1' is an asset reference; write it as model: azureml:m:1/],
  ['model type', MANAGED(`model: {path: ./m, type: onnx_model}\n${SKU}`), /^deployment\.yml:4:26: invalid model type 'onnx_model'; allowed: custom_model, mlflow_model, triton_model$/],
  ['model without a version', MANAGED(`model: azureml:churn\n${SKU}`), /^deployment\.yml:4:8: model 'azureml:churn' needs a version: azureml:<name>:<version> or azureml:<name>@latest$/],
  ['model label other than latest', MANAGED(`model: azureml:churn@prod\n${SKU}`), /unsupported label '@prod' in model/],
  ['registry code', MANAGED(`${SKU}code_configuration: {code: 'azureml://registries/r/codes/c/versions/1', scoring_script: s.py}\n`), /^deployment\.yml:5:28: registry code assets cannot be used by deployments/],
  ['remote code', MANAGED(`${SKU}code_configuration: {code: 'https://x/y', scoring_script: s.py}\n`), /^deployment\.yml:5:28: code 'https:\/\/x\/y' must be a local folder/],
  ['registry environment on Kubernetes', KUBERNETES('environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest\n'), /^deployment\.yml:5:14: registry assets .* cannot be used by Kubernetes online deployments/],
  ['inline environment without image or build', MANAGED(`environment: {conda_file: c.yml}\n${SKU}`), /^deployment\.yml:4:14: an inline environment needs exactly one of image or build$/],
  ['environment unknown field', MANAGED(`environment: {image: i, docker: x}\n${SKU}`), /^deployment\.yml:4:25: unknown field 'docker' in environment/],
  ['inference_config route without port', MANAGED(`environment: {image: i, inference_config: {scoring_route: {path: /s}}}\n${SKU}`), /missing required field 'port' in inference_config\.scoring_route/],
  ['egress value', MANAGED(`${SKU}egress_public_network_access: off\n`), /^deployment\.yml:5:31: egress_public_network_access must be a string, not boolean$/],
  ['egress word', MANAGED(`${SKU}egress_public_network_access: closed\n`), /invalid egress_public_network_access 'closed'; allowed: enabled, disabled/],
  ['app_insights_enabled', MANAGED(`${SKU}app_insights_enabled: sometimes\n`), /^deployment\.yml:5:23: app_insights_enabled must be true or false, not 'sometimes'$/],
  ['scale type', KUBERNETES('scale_settings: {type: auto}\n'), /invalid scale_settings type 'auto'; allowed: default, target_utilization/],
  ['target utilization over 100', KUBERNETES('scale_settings: {type: target_utilization, target_utilization_percentage: 120}\n'), /target_utilization_percentage must be at most 100, not 120/],
  ['request settings field', MANAGED(`${SKU}request_settings: {timeout_ms: 5}\n`), /^deployment\.yml:5:20: unknown field 'timeout_ms' in request_settings; allowed: request_timeout_ms, max_concurrent_requests_per_instance, max_queue_wait_ms$/],
  ['request settings not a number', MANAGED(`${SKU}request_settings: {request_timeout_ms: soon}\n`), /request_settings\.request_timeout_ms must be an integer, not 'soon'/],
  ['resources field', KUBERNETES('resources: {requests: {cpus: "1"}}\n'), /unknown field 'cpus' in resources\.requests \(did you mean 'cpu'\?\)/],
  ['resources section', KUBERNETES('resources: {minimum: {cpu: "1"}}\n'), /unknown field 'minimum' in resources; allowed: requests, limits/],
  ['data collector field', MANAGED(`${SKU}data_collector: {collections: {}, destination: x}\n`), /unknown field 'destination' in data_collector/],
  ['data collector rolling rate', MANAGED(`${SKU}data_collector: {collections: {}, rolling_rate: year}\n`), /invalid data_collector\.rolling_rate 'year'; allowed: minute, day, hour/],
  ['collection data without version', MANAGED(`${SKU}data_collector: {collections: {a: {enabled: 'true', data: 'azureml:d@latest'}}}\n`), /collection data needs an explicit version/],
  ['collections missing', MANAGED(`${SKU}data_collector: {sampling_rate: 0.5}\n`), /missing required field 'collections' in data_collector/],
  ['template placeholder in a string', MANAGED(`model: azureml:m:{{VERSION}}\n${SKU}`), /^deployment\.yml:4:8: model holds the template placeholder \{\{VERSION\}\}/],
  ['batch deployment schema', '$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json\nname: b\n', /^deployment\.yml:1:10: this file follows batchdeployment\.schema\.json, not an online deployment schema; this is a batch deployment file, and the other file is for online endpoints/],
  ['endpoint file given as deployment', '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: e\n', /this is an online endpoint file; give it as the endpointFile input/],
  ['a list instead of a mapping', '- name: x\n', /^deployment\.yml:1:1: an online deployment file must be a mapping of fields, not sequence$/],
  ['invalid YAML', 'name: [unclosed\n', /^deployment\.yml:\d+:\d+: invalid YAML/],
  ['missing endpoint_name', 'name: blue\ninstance_type: Standard_DS3_v2\n', /^deployment\.yml:1:1: missing required field 'endpoint_name' in managed online deployment$/],
  ['instance_count not a number', MANAGED(`${SKU}instance_count: two\n`), /instance_count must be an integer, not 'two'/],
];

describe('deploySpec: errors', () => {
  for (const [what, yaml, expected] of deploymentErrors) {
    it(`deployment: ${what}`, () => assert.match(failure('deployment', yaml), expected));
  }

  it('override errors name the override line', () => {
    assert.equal(
      failure('deployment', MANAGED(SKU), { overrides: 'instance_count=many' }),
      "overrides line 1 (instance_count=many): instance_count must be an integer, not 'many'",
    );
    assert.match(failure('deployment', MANAGED(SKU), { overrides: 'no equals sign' }), /^overrides line 1: expected path=value/);
    // A mapping an override creates is named by that override too.
    assert.equal(
      failure('deployment', MANAGED(SKU), { overrides: '\nscale_settings.kind=default' }),
      "overrides line 2 (scale_settings.kind=default): missing required field 'type' in scale_settings",
    );
  });

  it('a placeholder in free text (tags, environment variables) is sent as written, with a warning', () => {
    const t = deployment(MANAGED(`${SKU}environment_variables: {ACCOUNT: '{{STORAGE_ACCOUNT_NAME}}'}\n`));
    assert.deepEqual(t.body.properties.environmentVariables, { ACCOUNT: '{{STORAGE_ACCOUNT_NAME}}' });
    assert.match(t.warnings[0], /deployment\.yml:5:34: environment_variables\.ACCOUNT holds the template placeholder \{\{STORAGE_ACCOUNT_NAME\}\}, sent as written/);
  });

  it('endpoint: template placeholder', () => {
    assert.match(failure('endpoint', 'name: {{ENDPOINT_NAME}}\n'), /^endpoint\.yml:1:7: name holds the template placeholder \{\{ENDPOINT_NAME\}\}; replace it in the file or set it with an override \(name=\.\.\.\)$/);
  });
});
