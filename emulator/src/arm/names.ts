// The service's naming rules, with its wording. Each rule throws a 400 naming the offending value.
import { userError } from './errors';

const COMPUTE_NAME = /^[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
/** Compute instances also refuse '-' followed by a digit: a hyphen must be followed by a letter. */
const COMPUTE_INSTANCE_NAME = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?=[a-zA-Z]))*$/;
/** Assets (codes, environments, data, models), job names and datastores (REST spec pattern). */
const ASSET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;
/** Endpoints and deployments alike (azure-ai-ml applies the same rule client-side). */
const ENDPOINT_NAME = /^[a-zA-Z](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const DATASTORE_NAME = /^[a-zA-Z0-9_]{1,255}$/;

export function checkComputeName(name: string, computeType: string): void {
  if (computeType.toLowerCase() === 'computeinstance') {
    if (!COMPUTE_INSTANCE_NAME.test(name) || name.length < 3 || name.length > 24) {
      throw userError(
        `Compute instance name '${name}' is invalid. It must be between 3 and 24 characters long, start with a letter, and contain only letters, digits and '-'; it must not end with '-', and '-' must be followed by a letter.`,
        'computeName',
      );
    }
    return;
  }
  if (!COMPUTE_NAME.test(name) || name.length < 2 || name.length > 16) {
    throw userError(
      `Compute name '${name}' is invalid. It can include letters, digits and dashes. It must start with a letter, end with a letter or digit, and be between 2 and 16 characters in length.`,
      'computeName',
    );
  }
}

export function checkAssetName(kind: string, name: string): void {
  if (!ASSET_NAME.test(name)) {
    throw userError(
      `${kind} name '${name}' is invalid. It must start with a letter or digit, contain only letters, digits, '-' and '_', and be at most 255 characters long.`,
      'name',
    );
  }
}

// Anonymous assets carry hash versions: 32 hex digits for CliV2AnonymousEnvironment, a GUID for
// azureml_anonymous components; the service accepts both.
export function checkVersion(kind: string, version: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,63}$/.test(version) || version.toLowerCase() === 'latest') {
    throw userError(`${kind} version '${version}' is invalid. A version is 1 to 64 letters, digits, '.', '-' or '_', starts with a letter or digit, and may not be 'latest'.`, 'version');
  }
}

export function checkDatastoreName(name: string): void {
  if (!DATASTORE_NAME.test(name)) {
    throw userError(`Datastore name '${name}' is invalid. It can include only letters, digits and underscores, and be at most 255 characters long.`, 'name');
  }
}

function checkOnlineName(kind: 'endpoint' | 'deployment', name: string): void {
  const article = kind === 'endpoint' ? 'an endpoint' : 'a deployment';
  if (name.length < 3 || name.length > 32) {
    throw userError(`The name for ${article} must be at least 3 and at most 32 characters long (inclusive of both limits); '${name}' has ${name.length}.`, `${kind}Name`);
  }
  if (!ENDPOINT_NAME.test(name)) {
    throw userError(`The name for ${article} ('${name}') must start with an upper- or lowercase letter, end with a letter or digit, and only consist of '-'s and alphanumeric characters.`, `${kind}Name`);
  }
}

export function checkEndpointName(name: string): void {
  checkOnlineName('endpoint', name);
}

export function checkDeploymentName(name: string): void {
  checkOnlineName('deployment', name);
}
