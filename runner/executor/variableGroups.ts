// Variable groups from local files (--variable-group name=file.yml), standing in for the
// project's Library. A file maps names to values; a value may be { value, isSecret } as the
// Azure DevOps REST API returns a group's variables, and secrets are masked like any secret.
import { PipelineFileError, UserError } from '../errors';
import type { GroupVariable } from '../model/parser';
import { readTreeFile, type TreeNode } from '../model/tree';

export function readVariableGroupFile(file: string): GroupVariable[] {
  const document = readTreeFile(file);
  if (document.kind !== 'map') throw new PipelineFileError(document.position, 'a variable group file maps variable names to values');
  // The REST API's shape: { name, variables: { ... } }.
  const nested = document.items.find((i) => i.key.value === 'variables')?.value;
  const root = nested?.kind === 'map' ? nested : document;
  return root.items.map(({ key, value }) => ({ name: key.value ?? '', ...groupValue(value, key.value ?? '') }));
}

function groupValue(node: TreeNode, name: string): { value: string; secret: boolean } {
  if (node.kind === 'scalar') return { value: node.value ?? '', secret: false };
  if (node.kind !== 'map') throw new PipelineFileError(node.position, `variable '${name}' must be a value or { value, isSecret }`);
  const get = (key: string) => node.items.find((i) => i.key.value === key)?.value;
  for (const i of node.items) if (!['value', 'isSecret', 'isReadOnly'].includes(i.key.value ?? '')) throw new PipelineFileError(i.key.position, `unexpected key '${i.key.value}' in variable '${name}' (value, isSecret)`);
  const value = get('value');
  const secret = get('isSecret');
  if (value && value.kind !== 'scalar') throw new PipelineFileError(value.position, `the value of '${name}' must be text`);
  return { value: (value?.kind === 'scalar' && value.value) || '', secret: secret?.kind === 'scalar' && (secret.value ?? '').toLowerCase() === 'true' };
}

/** --variable-group options → groups by name. */
export function readVariableGroups(files: Record<string, string>): Record<string, GroupVariable[]> {
  const groups: Record<string, GroupVariable[]> = {};
  for (const [name, file] of Object.entries(files)) {
    if (!file) throw new UserError(`--variable-group ${name}: expected NAME=FILE`);
    groups[name] = readVariableGroupFile(file);
  }
  return groups;
}
