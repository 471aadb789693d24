// Batch endpoint invocations: a POST to the endpoint's scoringUri (https://<endpoint>.<region>.
// inference.ml.azure.com/jobs) with a Microsoft Entra token for https://ml.azure.com, the body as
// azure-ai-ml's batch_endpoints.invoke sends it ({"properties": {"InputData" | "inputData": {<name>:
// {"jobInputType", "uri"}}, "outputDataset" | "OutputData", "outputFileName", "miniBatchSize", ...}}),
// routed to the deployment named by the azureml-model-deployment header, else the endpoint's default.
// It creates a real job in the workspace, named batchjob-<guid>, in the endpoint's experiment:
// - model deployments: a pipeline job with one step, batchscoring, that runs the deployment's scoring
//   script through the parallel run driver (init(), then run(mini_batch) over the input files; rows
//   appended to output_file_name in the job's `score` output with output_action AppendRow), the
//   model downloaded to AZUREML_MODEL_DIR;
// - pipeline component deployments: a pipeline job whose one step is the component.
// MLflow model deployments without a scoring script would need the MLflow runtime Azure ML brings:
// their batchscoring step fails, saying so.
import { randomUUID } from 'node:crypto';
import type { HostRequest, HostResponse, Principal, ServiceContext } from '../contract';
import { type JobExecutor, createJob } from '../arm';
import { batchDeploymentsOf, batchEndpointAt, defaultDeploymentName } from '../arm/batchEndpoints';
import { isPipelineComponentDeployment } from '../arm/batchDeployments';
import { BASE_PROPERTIES } from '../arm/assets';
import { ArmError } from '../arm/errors';
import { type ArmResource, ML_NAMESPACE, type Properties, SERVICE_PRINCIPAL, getResource, putResource, systemDataFor } from '../arm/resources';
import { DEPLOYMENT_HEADER, durationMs } from '../serving/scoring';
import { parallelCommand } from './pipelineRun';

const AML_AUDIENCE = 'https://ml.azure.com';
/** The output model deployments' jobs write their results to, as Azure ML names it. */
export const SCORE_OUTPUT = 'score';
/** The one step of a model deployment's job. */
export const SCORING_STEP = 'batchscoring';

function reply(status: number, code: string, message: string, headers: Record<string, string> = {}): HostResponse {
  return { status, headers, body: { error: { code, message } } };
}

/** A JSON property by name, whatever its casing (azure-ai-ml versions send InputData or inputData). */
function field(object: unknown, name: string): any {
  if (!object || typeof object !== 'object') return undefined;
  return Object.entries(object as Properties).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

const INPUT_TYPES: Record<string, string> = { urifolder: 'uri_folder', uri_folder: 'uri_folder', urifile: 'uri_file', uri_file: 'uri_file', mltable: 'mltable', literal: 'literal' };

/** The invocation's inputs as job inputs (REST JobInput shapes). */
function invocationInputs(properties: Properties): Properties {
  const inputs: Properties = {};
  for (const [name, given] of Object.entries<Properties>(field(properties, 'inputData') ?? {})) {
    const type = INPUT_TYPES[String(field(given, 'jobInputType') ?? 'uri_folder').toLowerCase()];
    if (!type) throw new ArmError(400, 'UserError', `Input '${name}' has jobInputType '${field(given, 'jobInputType')}'; batch invocations take uri_folder, uri_file, mltable and literal inputs.`);
    inputs[name] = type === 'literal' ? { jobInputType: 'literal', value: String(field(given, 'value') ?? '') } : { jobInputType: type, uri: field(given, 'uri'), mode: 'ReadOnlyMount' };
  }
  // The older invocation body: one input as properties.dataset / inputDataset {path}.
  const dataset = field(properties, 'inputDataset') ?? field(properties, 'dataset');
  const path = typeof dataset === 'string' ? dataset : field(dataset, 'path');
  if (Object.keys(inputs).length === 0 && typeof path === 'string') inputs.input = { jobInputType: 'uri_folder', uri: path, mode: 'ReadOnlyMount' };
  for (const [name, input] of Object.entries<Properties>(inputs)) {
    if (input.jobInputType !== 'literal' && (typeof input.uri !== 'string' || !input.uri)) throw new ArmError(400, 'UserError', `Input '${name}' has no uri.`);
  }
  return inputs;
}

/** Where the invocation asks the output to go: outputDataset {datastoreId, path} or OutputData.<name>.uri. */
function requestedOutputs(properties: Properties): Properties {
  const outputs: Properties = {};
  for (const [name, given] of Object.entries<Properties>(field(properties, 'outputData') ?? {})) {
    outputs[name] = { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', ...(field(given, 'uri') ? { uri: field(given, 'uri') } : {}) };
  }
  const dataset = field(properties, 'outputDataset');
  const datastoreId = field(dataset, 'datastoreId');
  if (typeof datastoreId === 'string' && datastoreId) {
    const datastore = datastoreId.replace(/^azureml:/i, '').split('/').pop();
    const path = String(field(dataset, 'path') ?? '').replace(/^\/+/, '');
    outputs[SCORE_OUTPUT] = { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', uri: `azureml://datastores/${datastore}/paths/${path}` };
  }
  return outputs;
}

/** A setting of the invocation, else the deployment's. */
function setting(properties: Properties, deployment: ArmResource, name: string): any {
  return field(properties, name) ?? deployment.properties[name];
}

/**
 * The folder holding the model version's file or folder, mounted as AZUREML_MODEL_DIR: as on Azure, the scoring
 * script finds a model registered from a folder at AZUREML_MODEL_DIR/<folder name>/ and one registered from a
 * file at AZUREML_MODEL_DIR/<file name>. A model registered from a whole job output
 * (azureml://jobs/<job>/outputs/<output>) is the folder that output was written to.
 */
function modelFolderOf(ctx: ServiceContext, workspace: ArmResource, modelId: string): string {
  const model = getResource(ctx, 'assets', modelId.replace(/^azureml:/i, ''));
  const uri: unknown = model?.properties.modelUri;
  if (typeof uri !== 'string') throw new ArmError(400, 'UserError', `The model '${modelId}' of the deployment was not found in the workspace.`);
  return parentOf(jobOutputLocation(ctx, workspace, uri) ?? uri);
}

function parentOf(uri: string): string {
  return uri.replace(/\/+$/, '').replace(/\/[^/]*$/, '');
}

/** Where a whole job output (azureml://jobs/<job>/outputs/<output>, no /paths/) was written; undefined for other URIs. */
function jobOutputLocation(ctx: ServiceContext, workspace: ArmResource, uri: string): string | undefined {
  const output = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)\/?$/i.exec(uri);
  if (!output || output[2] === 'artifacts') return undefined;
  const location: unknown = getResource(ctx, 'jobs', `${workspace.id}/jobs/${output[1]}`)?.properties.outputs?.[output[2]]?.uri;
  if (typeof location !== 'string') throw new ArmError(400, 'UserError', `The model's path ${uri} names job '${output[1]}', which has no output '${output[2]}' with data.`);
  return location;
}

const MLFLOW_WITHOUT_SCRIPT =
  'The emulator cannot score this MLflow model deployment: it has no scoring script, and the scoring script Azure ML generates for MLflow models needs the MLflow runtime of its curated images, which the emulator does not have. Give the deployment a code_configuration with a scoring script (init/run), or run it in Azure ML.';

/**
 * The batchscoring step's component: the deployment's scoring script under the parallel run driver,
 * as the command of an anonymous command component (clients read a pipeline job's steps as
 * components: azure-ai-ml cannot load a step without one).
 */
function scoringComponent(deployment: ArmResource, properties: Properties, instanceCount: number): Properties {
  const d = deployment.properties;
  const spec: Properties = {
    name: 'azureml_anonymous',
    type: 'command',
    code: d.codeConfiguration?.codeId ?? null,
    environment: d.environmentId ?? null,
    environment_variables: d.environmentVariables ?? {},
    inputs: { data: { type: 'uri_folder' }, model: { type: 'uri_folder' } },
    outputs: { [SCORE_OUTPUT]: { type: 'uri_folder' } },
  };
  if (!d.codeConfiguration?.scoringScript) return { ...spec, command: `echo ${shellQuote(MLFLOW_WITHOUT_SCRIPT)} >&2; exit 1` };
  const retry: Properties = setting(properties, deployment, 'retrySettings') ?? {};
  const appendRow = String(setting(properties, deployment, 'outputAction') ?? 'AppendRow').toLowerCase() === 'appendrow';
  const settings: Properties = {
    input_data: '${{inputs.data}}',
    mini_batch_size: setting(properties, deployment, 'miniBatchSize'),
    error_threshold: setting(properties, deployment, 'errorThreshold'),
    retry_settings: { max_retries: retry.maxRetries, timeout: Math.round(durationMs(retry.timeout, 30_000) / 1000) },
    resources: { instance_count: instanceCount },
    max_concurrency_per_instance: setting(properties, deployment, 'maxConcurrencyPerInstance'),
    output_file_name: setting(properties, deployment, 'outputFileName'),
  };
  const task: Properties = { type: 'run_function', entry_script: d.codeConfiguration.scoringScript, ...(appendRow ? { append_row_to: `\${{outputs.${SCORE_OUTPUT}}}` } : {}) };
  // The model is where Azure ML mounts it for the scoring script: AZUREML_MODEL_DIR.
  return { ...spec, command: `AZUREML_MODEL_DIR=\${{inputs.model}} ${parallelCommand(SCORING_STEP, settings, {}, task)}` };
}

/** Stores an anonymous component version (azureml_anonymous/<guid>), as clients register inline components; returns its id. */
function registerAnonymousComponent(ctx: ServiceContext, workspace: ArmResource, spec: Properties, principal: Principal): string {
  const containerId = `${workspace.id}/components/${spec.name}`;
  if (!getResource(ctx, 'assets', containerId)) {
    putResource(ctx, 'assets', { id: containerId, name: spec.name, type: `${ML_NAMESPACE}/workspaces/components`, properties: BASE_PROPERTIES, systemData: systemDataFor(ctx, principal) });
  }
  const version = randomUUID();
  const id = `${containerId}/versions/${version}`;
  putResource(ctx, 'assets', { id, name: version, type: `${ML_NAMESPACE}/workspaces/components/versions`, properties: { ...BASE_PROPERTIES, isAnonymous: true, componentSpec: spec, provisioningState: 'Succeeded' }, systemData: systemDataFor(ctx, principal) });
  return id;
}

/** The batchscoring step: the scoring component on the input and the model, writing the score output. */
function scoringStep(ctx: ServiceContext, workspace: ArmResource, deployment: ArmResource, properties: Properties, inputName: string, principal: Principal): Properties {
  const d = deployment.properties;
  const instanceCount = Number(field(field(properties, 'compute'), 'instanceCount') ?? d.resources?.instanceCount ?? 1);
  return {
    type: 'command',
    componentId: registerAnonymousComponent(ctx, workspace, scoringComponent(deployment, properties, instanceCount), principal),
    inputs: { data: { job_input_type: 'literal', value: `\${{parent.inputs.${inputName}}}` }, model: { job_input_type: 'uri_folder', uri: modelFolderOf(ctx, workspace, d.model.assetId), mode: 'ReadOnlyMount' } },
    outputs: { [SCORE_OUTPUT]: { value: `\${{parent.outputs.${SCORE_OUTPUT}}}` } },
    resources: { instanceCount },
  };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The job properties of an invocation of a model deployment. */
function modelDeploymentJob(ctx: ServiceContext, workspace: ArmResource, deployment: ArmResource, properties: Properties, inputs: Properties, outputs: Properties, principal: Principal): Properties {
  const dataInputs = Object.keys(inputs).filter((name) => inputs[name].jobInputType !== 'literal');
  if (dataInputs.length !== 1) throw new ArmError(400, 'UserError', `A model deployment is invoked with exactly one data input (uri_folder or uri_file); the request has ${dataInputs.length}.`);
  return {
    jobType: 'Pipeline',
    computeId: deployment.properties.compute,
    inputs,
    outputs: { [SCORE_OUTPUT]: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', ...outputs[SCORE_OUTPUT] } },
    settings: {},
    jobs: { [SCORING_STEP]: scoringStep(ctx, workspace, deployment, properties, dataInputs[0], principal) },
  };
}

/** The job properties of an invocation of a pipeline component deployment: the component as the one step. */
function pipelineComponentJob(ctx: ServiceContext, deployment: ArmResource, inputs: Properties, outputs: Properties): Properties {
  const configuration: Properties = deployment.properties.deploymentConfiguration;
  const componentId: string = configuration.componentId.assetId;
  const component = getResource(ctx, 'assets', componentId.replace(/^azureml:/i, ''));
  const spec: Properties = component?.properties.componentSpec ?? {};
  const componentOutputs = Object.keys(spec.outputs ?? {});
  const settings: Properties = { ...configuration.settings };
  const stepName = String(spec.name ?? 'pipeline').replace(/[^A-Za-z0-9_]/g, '_');
  return {
    jobType: 'Pipeline',
    inputs,
    outputs: Object.fromEntries(componentOutputs.map((name) => [name, { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', ...outputs[name] }])),
    settings,
    jobs: {
      [stepName]: {
        type: 'pipeline',
        componentId,
        inputs: Object.fromEntries(Object.keys(inputs).map((name) => [name, { value: `\${{parent.inputs.${name}}}` }])),
        outputs: Object.fromEntries(componentOutputs.map((name) => [name, { value: `\${{parent.outputs.${name}}}` }])),
      },
    },
  };
}

export interface BatchInvocationOptions {
  ctx: ServiceContext;
  /** The executor that runs the jobs invocations create. */
  executor(): JobExecutor | undefined;
}

/** Serves invocations of batch endpoints; undefined for requests that address none (online scoring gets them). */
export function createBatchInvocationHandler(options: BatchInvocationOptions): (req: HostRequest) => HostResponse | undefined {
  const { ctx } = options;
  return (req) => {
    const endpoint = batchEndpointAt(ctx, req.url);
    if (!endpoint) return undefined;
    if (req.method.toUpperCase() !== 'POST') return reply(405, 'MethodNotAllowed', `Batch endpoint '${endpoint.name}' is invoked with POST ${endpoint.properties.scoringUri}.`);
    const check = ctx.tokens.verify(firstHeader(req, 'authorization'), [AML_AUDIENCE]);
    if (!check.ok) return reply(401, check.code, check.message, { 'WWW-Authenticate': check.wwwAuthenticate });
    try {
      let body: Properties;
      try {
        body = JSON.parse(req.body.toString('utf8') || '{}');
      } catch (e) {
        throw new ArmError(400, 'UserError', `The request body is not JSON: ${(e as Error).message}`);
      }
      const properties: Properties = field(body, 'properties') ?? {};
      const named = firstHeader(req, DEPLOYMENT_HEADER);
      const deploymentName = named ?? defaultDeploymentName(endpoint);
      if (!deploymentName) throw new ArmError(400, 'UserError', `Batch endpoint '${endpoint.name}' has no default deployment (defaults.deploymentName). Name a deployment in the ${DEPLOYMENT_HEADER} header, or set the endpoint's default deployment.`);
      const deployment = batchDeploymentsOf(ctx, endpoint).find((d) => d.name.toLowerCase() === deploymentName.toLowerCase());
      if (!deployment) throw new ArmError(404, 'UserError', `Deployment '${deploymentName}' does not exist in batch endpoint '${endpoint.name}'.`);
      if (deployment.properties.provisioningState !== 'Succeeded') throw new ArmError(400, 'UserError', `Deployment '${deployment.name}' is ${deployment.properties.provisioningState}; it can be invoked once its provisioning has succeeded.`);
      const inputs = invocationInputs(properties);
      const outputs = requestedOutputs(properties);
      const workspaceId = endpoint.id.slice(0, endpoint.id.toLowerCase().lastIndexOf('/batchendpoints/'));
      const workspace = getResource(ctx, 'workspaces', workspaceId)!;
      const invoker: Principal = { ...SERVICE_PRINCIPAL, ...check.principal };
      const jobProperties = isPipelineComponentDeployment(deployment) ? pipelineComponentJob(ctx, deployment, inputs, outputs) : modelDeploymentJob(ctx, workspace, deployment, properties, inputs, outputs, invoker);
      const name = typeof field(properties, 'name') === 'string' && field(properties, 'name') ? field(properties, 'name') : `batchjob-${randomUUID()}`;
      if (getResource(ctx, 'jobs', `${workspace.id}/jobs/${name}`)) throw new ArmError(409, 'UserError', `A job named '${name}' already exists in the workspace.`);
      const job = createJob(ctx, workspace, name, {
        ...jobProperties,
        displayName: name,
        experimentName: endpoint.name,
        description: field(properties, 'description') ?? null,
        tags: field(properties, 'tags') ?? {},
        properties: { 'azureml.batchrun': 'true', 'azureml.endpointname': endpoint.name, 'azureml.deploymentname': deployment.name },
      }, invoker, options.executor());
      ctx.log(`batch endpoint ${endpoint.name}: deployment ${deployment.name} invoked as job ${job.name}`);
      return { status: 200, headers: { [DEPLOYMENT_HEADER]: deployment.name }, body: batchJobResource(job, endpoint) };
    } catch (e) {
      if (e instanceof ArmError) return { status: e.status, body: e.body };
      throw e;
    }
  };
}

/** The BatchJobResource invoke answers: the job's name and status, and where its output goes. */
function batchJobResource(job: ArmResource, endpoint: ArmResource): Properties {
  return {
    id: `${endpoint.id}/jobs/${job.name}`,
    name: job.name,
    type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs',
    properties: {
      description: job.properties.description,
      tags: job.properties.tags,
      properties: job.properties.properties,
      inputData: job.properties.inputs,
      outputData: job.properties.outputs,
      status: job.properties.status,
      provisioningState: 'Succeeded',
      interactionEndpoints: { Studio: { endpoint: job.properties.services.Studio.endpoint }, Tracking: { endpoint: job.properties.services.Tracking.endpoint } },
    },
    systemData: job.systemData,
  };
}

function firstHeader(req: HostRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
