// Online deployment YAML → OnlineDeployment body and the work before it, each field and rule.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkDeploymentKind, checkKubernetesInstanceType, finalizeDeployment } from '../../tasks/common/deploySpec';
import { anonymousImageEnvironmentVersion } from '../../tasks/common/jobSpec/environments';
import { CODE_ID, KUBERNETES, MANAGED, WS, deployment, failure, fakeResolutions, plan, scope } from './helpers';

const REGISTERED = 'model: azureml:churn-model:3\nenvironment: azureml:churn-env:2\ninstance_type: Standard_DS3_v2\n';

describe('deploySpec: online deployments', () => {
  it('sends az ml defaults for registered assets: Default sku, app insights off, empty maps', () => {
    const t = deployment(MANAGED(`${REGISTERED}instance_count: 2\n`));
    assert.equal(t.kind, 'managed');
    assert.equal(t.name, 'blue');
    assert.equal(t.endpointName, 'my-endpoint');
    assert.equal(t.apiVersion, '2023-04-01');
    assert.deepEqual(t.pending, []);
    assert.deepEqual(plan(t), {
      environments: [],
      models: [],
      components: [],
      dataAssets: [],
      apiVersion: '2023-04-01',
      body: {
        location: 'westeurope',
        properties: {
          endpointComputeType: 'Managed',
          properties: {},
          environmentVariables: {},
          appInsightsEnabled: false,
          model: `${WS}/models/churn-model/versions/3`,
          environmentId: `${WS}/environments/churn-env/versions/2`,
          instanceType: 'Standard_DS3_v2',
        },
        tags: {},
        sku: { name: 'Default', capacity: 2 },
      },
    });
  });

  it('uploads a local model folder and registers it as an anonymous model version', () => {
    const t = deployment(MANAGED('model:\n  path: ./model\n  description: churn\ninstance_type: Standard_F4s_v2\n'));
    assert.equal(t.pending.length, 1);
    const upload = t.pending[0];
    assert.equal(upload.kind, 'upload');
    assert.ok(upload.kind === 'upload' && upload.localPath === path.join(t.dir, 'model') && upload.purpose === 'input');
    assert.equal(upload.origin, `${path.join(t.dir, 'deployment.yml')}:5:9`);
    const p = plan(t);
    // Model.__init__: name = get_sha256_string(object hash of the folder); Python's hashlib value for '0123abcd'
    const name = '64eab0705394501ced0ff991bf69077fd3846c1d964e3db28d9600891715d848';
    const id = `${WS}/models/${name}/versions/1`;
    assert.deepEqual(p.models, [
      {
        name,
        version: '1',
        id,
        body: {
          properties: {
            isAnonymous: true,
            modelType: 'custom_model',
            properties: {},
            tags: {},
            description: 'churn',
            modelUri: 'azureml://subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-ml/workspaces/ws-ml/datastores/workspaceblobstore/paths/LocalUpload/0123abcd/model',
          },
        },
      },
    ]);
    assert.equal(p.body.properties.model, id);
  });

  it('names an anonymous model from a remote path at random, as Asset.__init__ does', () => {
    const t = deployment(MANAGED('model: {path: azureml://datastores/models/paths/churn/}\ninstance_type: Standard_DS3_v2\n'));
    assert.deepEqual(t.pending, []);
    const p = plan(t);
    assert.equal(p.models[0].name, 'a1b2c3d4-0000-4000-8000-000000000000');
    assert.equal(p.models[0].body.properties.modelUri, 'azureml://datastores/models/paths/churn/');
    assert.equal(p.models[0].body.properties.isAnonymous, true);
  });

  it('registers a job output or datastore path as a model without an upload, named when name and version are given', () => {
    const t = deployment(MANAGED(`model:
  name: churn
  version: 4
  type: mlflow_model
  path: azureml://jobs/train-42/outputs/artifacts/paths/model/
  flavors: {python_function: {loader_module: mlflow.sklearn}}
  tags: {source: train-42}
instance_type: Standard_DS3_v2
`));
    assert.deepEqual(t.pending, []);
    const p = plan(t);
    assert.deepEqual(p.models, [
      {
        name: 'churn',
        version: '4',
        id: `${WS}/models/churn/versions/4`,
        body: {
          properties: {
            isAnonymous: false,
            modelType: 'mlflow_model',
            properties: {},
            tags: { source: 'train-42' },
            flavors: { python_function: { data: { loader_module: 'mlflow.sklearn' } } },
            modelUri: 'azureml://jobs/train-42/outputs/artifacts/paths/model/',
          },
        },
      },
    ]);
    assert.equal(p.body.properties.model, `${WS}/models/churn/versions/4`);
  });

  it('resolves azureml:name@latest, registry models and model ARM ids', () => {
    const latest = deployment(MANAGED('model: azureml:churn@latest\ninstance_type: Standard_DS3_v2\n'));
    assert.deepEqual(latest.pending.map((p) => p.kind === 'latest' && [p.assetType, p.name]), [['models', 'churn']]);
    assert.equal(plan(latest).body.properties.model, `${WS}/models/churn/versions/7`);
    const registry = 'azureml://registries/shared/models/churn/versions/5';
    assert.equal(deployment(MANAGED(`model: ${registry}\ninstance_type: Standard_DS3_v2\n`)).body.properties.model, registry);
    const arm = `${WS}/models/churn/versions/6`;
    assert.equal(deployment(MANAGED(`model: ${arm}\ninstance_type: Standard_DS3_v2\n`)).body.properties.model, arm);
  });

  it('the model input replaces the file\'s model (also an inline one) and wins over overrides', () => {
    const yaml = MANAGED('model:\n  path: ./model\ninstance_type: Standard_DS3_v2\n');
    const t = deployment(yaml, { model: 'azureml:churn-model:7', overrides: 'model=azureml:other:1' });
    assert.deepEqual(t.pending, []);
    assert.deepEqual(t.models, []);
    assert.equal(t.body.properties.model, `${WS}/models/churn-model/versions/7`);
    assert.equal(
      failure('deployment', yaml, { model: 'churn-model:7' }),
      "model input (model=churn-model:7): invalid model 'churn-model:7'; expected azureml:<name>:<version>, azureml:<name>@latest, an ARM id or azureml://registries/...; for a local folder or a job output write model: {path: ...}",
    );
  });

  it('the endpointName input replaces endpoint_name; overrides set nested fields', () => {
    const t = deployment(MANAGED(REGISTERED), { endpointName: 'prod-endpoint', overrides: 'instance_count=3\nrequest_settings.request_timeout_ms=90000' });
    assert.equal(t.endpointName, 'prod-endpoint');
    assert.deepEqual(t.body.sku, { name: 'Default', capacity: 3 });
    assert.deepEqual(t.body.properties.requestSettings, { requestTimeout: 'PT1M30S' });
  });

  it('uploads local code like job code and sends codeConfiguration; accepts code assets by reference', () => {
    const t = deployment(MANAGED(`${REGISTERED}code_configuration:\n  code: ../src\n  scoring_script: score.py\n`));
    const code = t.pending[0];
    assert.ok(code.kind === 'upload' && code.purpose === 'code' && code.localPath === path.resolve(t.dir, '../src'));
    assert.deepEqual(code.kind === 'upload' && code.defaultIgnores, []);
    assert.deepEqual(plan(t).body.properties.codeConfiguration, { codeId: CODE_ID, scoringScript: 'score.py' });
    assert.deepEqual(t.scoringScript, { localPath: path.resolve(t.dir, '../src/score.py'), origin: `${path.join(t.dir, 'deployment.yml')}:9:19` });
    const byName = deployment(MANAGED(`${REGISTERED}code_configuration:\n  code: azureml:scoring-code:2\n  scoring_script: score.py\n`));
    assert.deepEqual(byName.body.properties.codeConfiguration, { codeId: `${WS}/codes/scoring-code/versions/2`, scoringScript: 'score.py' });
    assert.equal(byName.scoringScript, undefined);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}code_configuration:\n  code: ./src\n`)), /^deployment\.yml:8:3: missing required field 'scoring_script' in code_configuration$/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}code_configuration:\n  scoring_script: score.py\n`)), /missing required field 'code' in code_configuration/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}code_configuration:\n  code: ./src\n  script: score.py\n`)), /^deployment\.yml:9:3: unknown field 'script' in code_configuration; allowed: code, scoring_script$/);
  });

  it('an inline environment is an anonymous version exactly as for jobs; with name and version it is that version', () => {
    const conda = 'name: env\ndependencies:\n  - python=3.10\n';
    const t = deployment(MANAGED('model: azureml:m:1\nenvironment:\n  image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest\n  conda_file: conda.yml\ninstance_type: Standard_DS3_v2\n'), {}, { 'conda.yml': conda });
    assert.equal(t.environments.length, 1);
    const env = t.environments[0];
    assert.equal(env.name, 'CliV2AnonymousEnvironment');
    assert.equal(env.version, anonymousImageEnvironmentVersion('mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest', env.body.properties.condaFile as string));
    assert.equal(env.body.properties.isAnonymous, true);
    assert.equal(t.body.properties.environmentId, `${WS}/environments/CliV2AnonymousEnvironment/versions/${env.version}`);

    const named = deployment(MANAGED(`model: azureml:m:1
environment:
  name: scoring-env
  version: 3
  image: mcr.microsoft.com/azureml/minimal:latest
  inference_config:
    liveness_route: {path: /alive, port: 5001}
    readiness_route: {path: /ready, port: 5001}
    scoring_route: {path: /score, port: 5001}
instance_type: Standard_DS3_v2
`));
    assert.deepEqual(named.environments, [
      {
        name: 'scoring-env',
        version: '3',
        token: `${WS}/environments/scoring-env/versions/3`,
        body: {
          properties: {
            image: 'mcr.microsoft.com/azureml/minimal:latest',
            isAnonymous: false,
            inferenceConfig: {
              livenessRoute: { path: '/alive', port: 5001 },
              readinessRoute: { path: '/ready', port: 5001 },
              scoringRoute: { path: '/score', port: 5001 },
            },
          },
        },
      },
    ]);
    assert.match(failure('deployment', MANAGED('environment:\n  version: 2\n  image: i\ninstance_type: Standard_DS3_v2\n')), /^deployment\.yml:5:12: an inline environment with a version needs a name too/);
  });

  it('registers a named inline environment or model without a version at the next version of that asset, as az ml does', () => {
    const t = deployment(MANAGED('model:\n  name: churn-model\n  path: ./model\nenvironment:\n  name: scoring-env\n  image: mcr.microsoft.com/azureml/minimal:latest\ninstance_type: Standard_DS3_v2\n'));
    const next = t.pending.filter((p) => p.kind === 'nextVersion');
    assert.deepEqual(
      next.map((p) => p.kind === 'nextVersion' && [p.assetType, p.name, p.origin.replace(t.dir + path.sep, '')]),
      [
        ['models', 'churn-model', 'deployment.yml:5:9'],
        ['environments', 'scoring-env', 'deployment.yml:8:9'],
      ],
    );
    const [modelToken, environmentToken] = next.map((p) => p.token);
    assert.equal(t.models[0].version, modelToken);
    assert.equal(t.environments[0].version, environmentToken);
    assert.equal(t.body.properties.environmentId, `${WS}/environments/scoring-env/versions/${environmentToken}`);

    const p = finalizeDeployment(t, { ...fakeResolutions(t), nextVersions: { [modelToken]: '4', [environmentToken]: '12' } }, scope);
    assert.deepEqual(p.models.map((m) => [m.name, m.version, m.id, m.body.properties.isAnonymous]), [['churn-model', '4', `${WS}/models/churn-model/versions/4`, false]]);
    assert.deepEqual(p.environments.map((e) => [e.name, e.version, e.token, e.body.properties.isAnonymous]), [['scoring-env', '12', `${WS}/environments/scoring-env/versions/12`, false]]);
    assert.equal(p.body.properties.model, `${WS}/models/churn-model/versions/4`);
    assert.equal(p.body.properties.environmentId, `${WS}/environments/scoring-env/versions/12`);
    assert.throws(() => finalizeDeployment(t, { ...fakeResolutions(t), nextVersions: {} }, scope), /no next version was resolved/);
  });

  it('an inline environment built from a docker context is versioned after its upload, as for jobs', () => {
    const t = deployment(MANAGED('model: azureml:m:1\nenvironment:\n  build: {path: ./docker, dockerfile_path: Dockerfile}\ninstance_type: Standard_DS3_v2\n'));
    assert.equal(t.buildEnvironments.length, 1);
    const upload = t.pending[0];
    assert.ok(upload.kind === 'upload' && upload.purpose === 'buildContext' && upload.localPath === path.join(t.dir, 'docker'));
    const p = plan(t);
    assert.equal(p.environments.length, 1);
    assert.deepEqual(p.environments[0].body.properties.build, {
      contextUri: 'https://acct.blob.core.windows.net/azureml-blobstore/LocalUpload/0123abcd/model/',
      dockerfilePath: 'Dockerfile',
    });
    assert.equal(p.body.properties.environmentId, p.environments[0].token);
    assert.match(failure('deployment', MANAGED('environment: {name: e, version: 1, build: {path: ./d}}\ninstance_type: Standard_DS3_v2\n')), /an inline environment with a name and a docker build is not supported here/);
  });

  it('hashes a custom container\'s inference_config into the anonymous environment version, as azure-ai-ml does', () => {
    // The tfserving custom-container sample of azureml-examples (without its name/version placeholders).
    const t = deployment(MANAGED(`model: azureml:m:1
environment:
  image: docker.io/tensorflow/serving:latest
  inference_config:
    liveness_route: {port: 8501, path: /v1/models/half_plus_two}
    readiness_route: {port: 8501, path: /v1/models/half_plus_two}
    scoring_route: {port: 8501, path: '/v1/models/half_plus_two:predict'}
instance_type: Standard_DS3_v2
`));
    // Python: md5("".join(md5(image)).join(md5(yaml.dump(inference_config, sort_keys=True)))) with PyYAML 6
    assert.equal(t.environments[0].version, '7e45fd6f9df17cb10fec5a7eb6852fcf');
    assert.deepEqual(t.environments[0].body.properties.inferenceConfig, {
      livenessRoute: { path: '/v1/models/half_plus_two', port: 8501 },
      readinessRoute: { path: '/v1/models/half_plus_two', port: 8501 },
      scoringRoute: { path: '/v1/models/half_plus_two:predict', port: 8501 },
    });
  });

  it('checks managed instance types against the SKU table, case-insensitively, and warns for small ones', () => {
    assert.equal(deployment(MANAGED('instance_type: standard_ds3_v2\n')).body.properties.instanceType, 'standard_ds3_v2');
    const small = deployment(MANAGED('instance_type: Standard_DS2_v2\n'));
    assert.match(small.warnings[0], /deployment\.yml:4:16: instance type Standard_DS2_v2 may be too small/);
    const message = failure('deployment', MANAGED('instance_type: Standard_DS3_v3\n'));
    assert.match(message, /^deployment\.yml:4:16: instance_type 'Standard_DS3_v3' is not a VM size managed online endpoints offer \(did you mean 'Standard_DS3_v2'\?\); allowed: general purpose: Standard_DS1_v2, /);
    assert.match(message, /gpu: .*Standard_NC6s_v3/);
    assert.match(failure('deployment', MANAGED('model: azureml:m:1\n')), /^deployment\.yml:1:1: missing required field 'instance_type' in managed online deployment$/);
  });

  it('translates Kubernetes resources, target utilization scaling and exposes the instance type to check', () => {
    const t = deployment(KUBERNETES(`model: azureml:m:1
instance_type: gpu-small
resources:
  requests: {cpu: "0.5", memory: 1Gi}
  limits: {cpu: "1", nvidia.com/gpu: "1"}
scale_settings:
  type: target_utilization
  min_instances: 1
  max_instances: 4
  polling_interval: 90
  target_utilization_percentage: 70
`));
    assert.equal(t.kind, 'kubernetes');
    assert.equal(t.instanceType, 'gpu-small');
    assert.deepEqual(t.body.properties.containerResourceRequirements, {
      containerResourceRequests: { cpu: '0.5', memory: '1Gi' },
      containerResourceLimits: { cpu: '1', gpu: '1' },
    });
    assert.deepEqual(t.body.properties.scaleSettings, {
      scaleType: 'TargetUtilization', minInstances: 1, maxInstances: 4, pollingInterval: 'PT1M30S', targetUtilizationPercentage: 70,
    });
    assert.equal(t.body.properties.endpointComputeType, 'Kubernetes');
    assert.equal(deployment(KUBERNETES('model: azureml:m:1\n')).instanceType, undefined);
  });

  it('refuses Kubernetes-only and managed-only fields on the other kind', () => {
    assert.match(failure('deployment', MANAGED(`${REGISTERED}resources: {requests: {cpu: "1"}}\n`)), /^deployment\.yml:7:1: unknown field 'resources' in managed online deployment/);
    assert.match(failure('deployment', KUBERNETES('egress_public_network_access: disabled\n')), /^deployment\.yml:5:1: unknown field 'egress_public_network_access' in kubernetes online deployment/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}scale_settings: {type: target_utilization, max_instances: 3}\n`)), /^deployment\.yml:7:17: managed online deployments support scale_settings type default only/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}scale_settings: {type: default, min_instances: 1}\n`)), /unknown field 'min_instances' in default scale_settings; allowed: type/);
    assert.match(failure('deployment', KUBERNETES('resources: {requests: {cpu: 1}}\n')), /^deployment\.yml:5:29: resources\.requests\.cpu must be a string \(a Kubernetes quantity such as "0\.5" or "512Mi"\): quote it$/);
    assert.match(failure('deployment', KUBERNETES('model: azureml://registries/r/models/m/versions/1\n')), /^deployment\.yml:5:8: registry assets \(azureml:\/\/registries\/\.\.\.\) cannot be used by Kubernetes online deployments/);
    assert.match(failure('deployment', KUBERNETES('scale_settings: {type: target_utilization, min_instances: 5, max_instances: 2}\n')), /scale_settings\.min_instances \(5\) must not exceed max_instances \(2\)/);
  });

  it('sends request settings and probes as ISO durations (milliseconds and seconds), dropping zeroes', () => {
    const t = deployment(MANAGED(`${REGISTERED}request_settings:
  request_timeout_ms: 61001
  max_queue_wait_ms: 500
  max_concurrent_requests_per_instance: 4
liveness_probe:
  initial_delay: 30
  period: 10
  timeout: 0
  failure_threshold: 3
readiness_probe:
  success_threshold: 1
  period: 3600
`));
    assert.deepEqual(t.body.properties.requestSettings, { requestTimeout: 'PT1M1.001S', maxQueueWait: 'PT0.5S', maxConcurrentRequestsPerInstance: 4 });
    assert.deepEqual(t.body.properties.livenessProbe, { initialDelay: 'PT30S', period: 'PT10S', failureThreshold: 3 });
    assert.deepEqual(t.body.properties.readinessProbe, { successThreshold: 1, period: 'PT1H' });
    assert.match(failure('deployment', MANAGED(`${REGISTERED}liveness_probe: {period: -1}\n`)), /liveness_probe\.period must be at least 0, not -1/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}liveness_probe: {every: 1}\n`)), /unknown field 'every' in liveness_probe; allowed: period, initial_delay, timeout, success_threshold, failure_threshold/);
  });

  it('sends environment variables, tags and properties as strings, like str() of what PyYAML loads', () => {
    const t = deployment(MANAGED(`${REGISTERED}environment_variables: {WORKERS: 2, DEBUG: true, RATIO: 1.50, NAME: x}\ntags: {n: 1}\nproperties: {p: yes}\napp_insights_enabled: true\negress_public_network_access: Disabled\ndescription: d\nmodel_mount_path: /var/model\n`));
    assert.deepEqual(t.body.properties.environmentVariables, { WORKERS: '2', DEBUG: 'True', RATIO: '1.5', NAME: 'x' });
    assert.deepEqual(t.body.tags, { n: '1' });
    assert.deepEqual(t.body.properties.properties, { p: 'True' });
    assert.equal(t.body.properties.appInsightsEnabled, true);
    assert.equal(t.body.properties.egressPublicNetworkAccess, 'disabled');
    assert.equal(t.body.properties.description, 'd');
    assert.equal(t.body.properties.modelMountPath, '/var/model');
    assert.match(failure('deployment', MANAGED(`${REGISTERED}environment_variables: {A: [1]}\n`)), /environment_variables\.A must be a string, not sequence/);
  });

  it('data_collector: registers each collection\'s data asset and needs the preview api-version', () => {
    const t = deployment(MANAGED(`${REGISTERED}data_collector:
  sampling_rate: 0.5
  rolling_rate: Hour
  request_logging: {capture_headers: [x-request-id]}
  collections:
    model_inputs: {enabled: 'True'}
    model_outputs:
      enabled: 'false'
      data: {name: outputs, version: 2, path: azureml://datastores/workspaceblobstore/paths/out}
`));
    assert.equal(t.apiVersion, '2023-04-01-preview');
    assert.match(t.warnings[0], /data_collector is not part of api-version 2023-04-01/);
    assert.deepEqual(t.body.properties.dataCollector, {
      collections: {
        model_inputs: { dataCollectionMode: 'enabled', samplingRate: 0.5, dataId: `${WS}/data/my-endpoint-blue-model_inputs/versions/1` },
        model_outputs: { dataCollectionMode: 'disabled', samplingRate: 0.5, dataId: `${WS}/data/outputs/versions/2` },
      },
      rollingRate: 'hour',
      requestLogging: { captureHeaders: ['x-request-id'] },
    });
    assert.deepEqual(t.dataAssets.map((d) => [d.name, d.version, d.body.properties.dataUri]), [
      ['my-endpoint-blue-model_inputs', '1', 'azureml://datastores/workspaceblobstore/paths/modelDataCollector/my-endpoint/blue/model_inputs'],
      ['outputs', '2', 'azureml://datastores/workspaceblobstore/paths/out'],
    ]);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}data_collector: {collections: {a: {enabled: maybe}}}\n`)), /data_collector\.collections\.a\.enabled must be true or false, not 'maybe'/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}data_collector: {sampling_rate: 2, collections: {}}\n`)), /sampling_rate must be between 0\.0 and 1\.0, not 2/);
  });

  it('lowercases the deployment name as azure-ai-ml does, and checks name rules', () => {
    assert.equal(deployment(MANAGED(REGISTERED).replace('name: blue', 'name: Blue-2')).name, 'blue-2');
    assert.match(failure('deployment', MANAGED(REGISTERED).replace('name: blue', 'name: blue_2')), /^deployment\.yml:2:7: deployment name 'blue_2' is invalid: the name for a deployment must start with a letter/);
    assert.match(failure('deployment', MANAGED(REGISTERED).replace('endpoint_name: my-endpoint', 'endpoint_name: e')), /^deployment\.yml:3:16: endpoint_name 'e' is invalid/);
  });

  it('refuses a file whose $schema and type disagree, and retired or misplaced fields', () => {
    assert.match(failure('deployment', KUBERNETES('').replace('type: kubernetes\n', '')), /^deployment\.yml:1:10: a Kubernetes online deployment needs type: kubernetes/);
    assert.match(failure('deployment', MANAGED('type: kubernetes\n')), /^deployment\.yml:4:7: type: kubernetes contradicts \$schema managedOnlineDeployment/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}private_network_connection: true\n`)), /private_network_connection is a retired preview setting/);
    assert.match(failure('deployment', MANAGED('type: batch\n')), /invalid deployment type 'batch'; allowed: managed, kubernetes/);
    // dump_only fields are unknown when az ml loads a file
    assert.match(failure('deployment', MANAGED(`${REGISTERED}creation_context: {}\n`)), /unknown field 'creation_context' in managed online deployment/);
    assert.match(failure('deployment', MANAGED('model: {path: ./m, job_name: j}\ninstance_type: Standard_DS3_v2\n')), /unknown field 'job_name' in model/);
    assert.match(failure('deployment', MANAGED(`${REGISTERED}instance_count: 0\n`)), /instance_count must be at least 1, not 0/);
    assert.match(failure('deployment', MANAGED('model: ./model\ninstance_type: Standard_DS3_v2\n')), /^deployment\.yml:4:8: invalid model '\.\/model'.*write model: \{path: \.\.\.\}/);
    assert.match(failure('deployment', MANAGED('model: {path: "runs:/abc/model"}\ninstance_type: Standard_DS3_v2\n')), /uses the MLflow runs:\/ form/);
    assert.match(failure('deployment', MANAGED('model: {version: 2, path: ./m}\ninstance_type: Standard_DS3_v2\n')), /^deployment\.yml:4:18: an inline model with a version needs a name too/);
  });

  it('helps the feature check the endpoint: same kind, and a Kubernetes instance type the compute defines', () => {
    const k8s = deployment(KUBERNETES('model: azureml:m:1\ninstance_type: GPU-Small\n'));
    assert.doesNotThrow(() => checkDeploymentKind(k8s, 'kubernetes', 'ep'));
    assert.throws(() => checkDeploymentKind(k8s, 'managed', 'ep'), /deployment\.yml:3:7: endpoint 'ep' is a managed online endpoint; a kubernetes deployment cannot join it \(remove type: kubernetes\)/);
    assert.doesNotThrow(() => checkKubernetesInstanceType(k8s, 'aks', ['defaultinstancetype', 'gpu-small']));
    assert.throws(() => checkKubernetesInstanceType(k8s, 'aks', ['defaultinstancetype']), /deployment\.yml:6:16: instance type 'GPU-Small' is not defined on Kubernetes compute 'aks'; defined: defaultinstancetype/);
    const noType = deployment(KUBERNETES('model: azureml:m:1\n'));
    assert.doesNotThrow(() => checkKubernetesInstanceType(noType, 'aks', ['defaultinstancetype'], 'defaultinstancetype'));
    assert.throws(() => checkKubernetesInstanceType(noType, 'aks', ['small']), /compute 'aks' has no default instance type; set instance_type to one of: small/);
  });

  it('finalize fails loudly (not a user error) when an upload has no result', () => {
    const t = deployment(MANAGED('model: {path: ./model}\ninstance_type: Standard_DS3_v2\n'));
    assert.throws(() => finalizeDeployment(t, { ...fakeResolutions(t), uploads: {} }, scope), /the model upload <pending:upload:input#1> .* has no result/);
  });
});
