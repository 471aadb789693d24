// Shared fixtures for the deploySpec tests: a scope, YAML written to a temp folder, and fake I/O results.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type BatchDeploymentTranslation,
  finalizeDeployment,
  translateDeploymentFile,
  translateEndpointFile,
  type DeploymentTranslateOptions,
  type DeploymentTranslation,
  type EndpointTranslateOptions,
  type EndpointTranslation,
} from '../../tasks/common/deploySpec';
import { WS, scope, writeTree } from '../jobSpec/helpers';

export { WS, scope };

export function endpoint(yaml: string, options: Partial<EndpointTranslateOptions> = {}): EndpointTranslation {
  const dir = writeTree({ 'endpoint.yml': yaml });
  return translateEndpointFile(path.join(dir, 'endpoint.yml'), { scope, ...options });
}

export function deployment(yaml: string, options: Partial<DeploymentTranslateOptions> = {}, files: Record<string, string> = {}): DeploymentTranslation & { dir: string } {
  const dir = writeTree({ 'deployment.yml': yaml, ...files });
  return { ...translateDeploymentFile(path.join(dir, 'deployment.yml'), { scope, ...options }), dir };
}

/** The message a translation fails with, with the temp folder removed from paths. */
export function failure(kind: 'endpoint' | 'deployment', yaml: string, options: Partial<DeploymentTranslateOptions> = {}, files: Record<string, string> = {}): string {
  const name = `${kind}.yml`;
  const dir = writeTree({ [name]: yaml, ...files });
  try {
    if (kind === 'endpoint') translateEndpointFile(path.join(dir, name), { scope, ...options });
    else translateDeploymentFile(path.join(dir, name), { scope, ...options });
  } catch (err) {
    return (err as Error).message.split(dir + path.sep).join('');
  }
  throw new Error('expected the translation to fail');
}

export const CODE_ID = `${WS}/codes/3f1c0000-0000-0000-0000-000000000000/versions/1`;

/** Upload results for every pending upload, version 7 for every @latest lookup and 4 as every next version. */
export function fakeResolutions(t: DeploymentTranslation | BatchDeploymentTranslation) {
  const uploads = Object.fromEntries(
    t.pending.map((p) => [
      p.token,
      {
        datastoreUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/0123abcd/model',
        storageUrl: 'https://acct.blob.core.windows.net/azureml-blobstore/LocalUpload/0123abcd/model',
        objectHash: '0123abcd',
        codeAssetId: CODE_ID,
      },
    ]),
  );
  const latestVersions = Object.fromEntries(t.pending.map((p) => [p.token, '7']));
  const nextVersions = Object.fromEntries(t.pending.map((p) => [p.token, '4']));
  return { uploads, latestVersions, nextVersions, location: 'westeurope', anonymousName: () => 'a1b2c3d4-0000-4000-8000-000000000000' };
}

export function plan(t: DeploymentTranslation) {
  return finalizeDeployment(t, fakeResolutions(t), scope);
}

/** A managed deployment file: the given lines after name/endpoint_name. */
export const MANAGED = (rest: string) => `$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: my-endpoint
${rest}`;

export const KUBERNETES = (rest: string) => `$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json
name: blue
type: kubernetes
endpoint_name: my-endpoint
${rest}`;

/** Every .yml/.yaml file under a folder (a corpus). */
export function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}
