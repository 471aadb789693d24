// The environment the agent would hand a task: every input from task.json with a plausible value and an
// AzureRM service connection (service principal with a secret) for each connectedService:AzureRM input,
// so the task gets as far as its first call to Azure. The values are fakes: the benchmark stops the
// task at its first connection attempt, before anything is sent.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface TaskInput {
  name: string;
  type: string;
  required?: boolean;
  defaultValue?: string | boolean;
  options?: Record<string, string>;
}

const CONNECTION_ID = 'bench-azure-connection';
/** Relative, as in a pipeline: the task roots it at System.DefaultWorkingDirectory (the work folder). */
const JOB_FILE = 'bench-job.yml';

const DEPLOYMENT_FILE = 'bench-deployment.yml';
const SCHEDULE_FILE = 'bench-schedule.yml';

/** Values for inputs that a default or a pick list does not settle; a task's own inputs may be added here. */
const INPUT_VALUES: Record<string, string> = {
  resourceGroupName: 'rg-bench',
  workspaceName: 'mlw-bench',
  // A named compute: without one AzureMLCompute@1 reports serverless and never calls Azure.
  computeName: 'cpu-cluster',
  jobFile: JOB_FILE,
  deploymentFile: DEPLOYMENT_FILE,
  scheduleFile: SCHEDULE_FILE,
  endpointName: 'bench-endpoint',
  deploymentName: 'green',
  steps: '10 for 10m; 100',
};

/** The smallest `az ml job create` file AzureMLJob@1 accepts: no code folder, so nothing to upload first. */
const JOB_YAML = `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: echo bench
environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
compute: azureml:cpu-cluster
`;

/** An online deployment of a registered model: nothing local to upload before the first call. */
const DEPLOYMENT_YAML = `$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: green
endpoint_name: bench-endpoint
model: azureml:bench-model:1
instance_type: Standard_DS3_v2
instance_count: 1
`;

/** A weekly schedule of an existing job. */
const SCHEDULE_YAML = `$schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
name: bench-schedule
trigger:
  type: cron
  expression: "0 6 * * 1"
create_job: azureml:bench-job
`;

function inputValue(input: TaskInput): string | undefined {
  if (input.type.startsWith('connectedService:')) return CONNECTION_ID;
  if (INPUT_VALUES[input.name]) return INPUT_VALUES[input.name];
  if (input.defaultValue !== undefined && input.defaultValue !== '') return String(input.defaultValue);
  if (input.options) return Object.keys(input.options)[0];
  return input.required ? `bench-${input.name}` : undefined;
}

/**
 * PATH and the agent's variables only: nothing from the caller's environment leaks into the task. Writes
 * the files the inputs name (job, deployment and schedule YAML) into workDir, the task's System.DefaultWorkingDirectory.
 */
export function taskEnvironment(taskJson: { inputs?: TaskInput[] }, workDir: string): Record<string, string> {
  fs.writeFileSync(path.join(workDir, JOB_FILE), JOB_YAML);
  fs.writeFileSync(path.join(workDir, DEPLOYMENT_FILE), DEPLOYMENT_YAML);
  fs.writeFileSync(path.join(workDir, SCHEDULE_FILE), SCHEDULE_YAML);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AGENT_TEMPDIRECTORY: path.join(workDir, 'temp'),
    AGENT_WORKFOLDER: workDir,
    SYSTEM_DEFAULTWORKINGDIRECTORY: workDir,
    SYSTEM_CULTURE: 'en-US',
    TF_BUILD: 'True',
    [`ENDPOINT_URL_${CONNECTION_ID}`]: 'https://management.azure.com/',
    [`ENDPOINT_AUTH_${CONNECTION_ID}`]: JSON.stringify({
      scheme: 'ServicePrincipal',
      parameters: { authenticationType: 'spnKey', tenantid: '72f988bf-0000-0000-0000-000000000000', serviceprincipalid: '00000000-0000-0000-0000-00000000b001', serviceprincipalkey: 'bench-secret' },
    }),
    [`ENDPOINT_AUTH_SCHEME_${CONNECTION_ID}`]: 'ServicePrincipal',
    [`ENDPOINT_DATA_${CONNECTION_ID}_SUBSCRIPTIONID`]: '00000000-0000-0000-0000-00000000b002',
    [`ENDPOINT_DATA_${CONNECTION_ID}_SUBSCRIPTIONNAME`]: 'bench',
    [`ENDPOINT_DATA_${CONNECTION_ID}_ENVIRONMENT`]: 'AzureCloud',
  };
  for (const input of taskJson.inputs ?? []) {
    const value = inputValue(input);
    if (value !== undefined) env[`INPUT_${input.name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}
