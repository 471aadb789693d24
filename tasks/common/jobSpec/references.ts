// Turns the reference forms job YAML accepts (azureml:name, azureml:name:version, azureml:name@latest,
// ARM ids, registry URIs) into the ids azure-ai-ml puts in the request body.
import type { YNode } from './yamlSource';
import { assetVersionArmId, workspaceArmId, type AssetType, type WorkspaceScope } from '../workspace/scope';

export { assetVersionArmId, workspaceArmId, type AssetType, type WorkspaceScope };

const ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\//i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

const BINDING = /^\$\{\{\s*[^{}]+\s*\}\}$/;
/** A ${{parent.inputs.x}}-style data binding, resolved by the service at run time. */
export const isBinding = (value: unknown): value is string => typeof value === 'string' && BINDING.test(value.trim());

export function isArmId(value: string, kind?: string): boolean {
  const id = stripAzureml(value);
  return ARM_ID.test(id) && (!kind || id.toLowerCase().includes(`/${kind.toLowerCase()}/`));
}

export function isRegistryUri(value: string): boolean {
  return value.startsWith('azureml://registries/');
}

function stripAzureml(value: string): string {
  return value.startsWith('azureml:') && !value.startsWith('azureml://') ? value.slice('azureml:'.length) : value;
}

/** "azureml:cpu-cluster", "cpu-cluster" or an ARM id → compute ARM id (what _resolve_compute_id sends). */
export function computeArmId(node: YNode, scope: WorkspaceScope): string {
  const value = node.str('compute');
  if (isBinding(value)) return value.trim(); // ${{parent.inputs.compute_name}}: sent as written
  if (isArmId(value)) return stripAzureml(value);
  const name = stripAzureml(value);
  if (name === 'local') node.fail("compute 'local' runs the job on this machine with the CLI; it cannot be submitted to a workspace");
  if (!NAME.test(name)) node.fail(`invalid compute '${value}'; expected azureml:<compute name> or a compute ARM id`);
  return `${workspaceArmId(scope)}/computes/${name}`;
}

export function datastoreArmId(node: YNode, scope: WorkspaceScope): string {
  const value = node.str('datastore');
  if (isArmId(value)) return stripAzureml(value);
  const name = stripAzureml(value);
  if (!NAME.test(name)) node.fail(`invalid datastore '${value}'; expected azureml:<datastore name>`);
  return `${workspaceArmId(scope)}/datastores/${name}`;
}

/** A versioned asset reference, resolved now or (for @latest) by a lookup before submission. */
export type AssetReference =
  | { kind: 'id'; id: string }
  | { kind: 'latest'; assetType: AssetType; name: string };

/**
 * Parses azureml:name:version, azureml:name@label, ARM ids and registry URIs.
 * A bare "name" (no version) is refused: the CLI needs a version or @latest for assets.
 */
export function parseAssetReference(node: YNode, assetType: AssetType, scope: WorkspaceScope, what: string): AssetReference {
  const value = node.str(what);
  if (isRegistryUri(value)) return { kind: 'id', id: value };
  if (isArmId(value)) return { kind: 'id', id: stripAzureml(value) };
  if (!value.startsWith('azureml:')) {
    node.fail(`invalid ${what} '${value}'; expected azureml:<name>:<version>, azureml:<name>@latest, an ARM id or azureml://registries/...`);
  }
  const ref = value.slice('azureml:'.length);
  const at = ref.lastIndexOf('@');
  if (at > 0) {
    const [name, label] = [ref.slice(0, at), ref.slice(at + 1)];
    if (label !== 'latest') node.fail(`unsupported label '@${label}' in ${what} '${value}'; only @latest is supported`);
    if (!NAME.test(name)) node.fail(`invalid ${what} name '${name}'`);
    return { kind: 'latest', assetType, name };
  }
  const colon = ref.lastIndexOf(':');
  if (colon <= 0 || colon === ref.length - 1) {
    node.fail(`${what} '${value}' needs a version: azureml:<name>:<version> or azureml:<name>@latest`);
  }
  const [name, version] = [ref.slice(0, colon), ref.slice(colon + 1)];
  if (!NAME.test(name)) node.fail(`invalid ${what} name '${name}'`);
  return { kind: 'id', id: assetVersionArmId(scope, assetType, name, version) };
}

/** Input/output paths that point at storage or assets rather than at a local file or folder. */
export function isRemotePath(path: string): boolean {
  return /^(azureml:|https?:\/\/|wasbs?:\/\/|abfss?:\/\/|adl:\/\/|gs:\/\/|s3:\/\/|runs:\/|models:\/)/i.test(path);
}
