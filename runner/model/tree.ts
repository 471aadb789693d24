// The pipeline document as a plain tree whose every node knows its file, line and column, so
// that nodes inserted from template files keep pointing at the file they came from. Documents
// are read with the YAML failsafe schema: every scalar stays the text the user wrote, as Azure
// DevOps reads it (`true` is the string "true"; `01` stays "01").
import * as fs from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Node as YamlNode, type YAMLMap } from 'yaml';
import { PipelineFileError, UserError, type SourcePosition } from '../errors';

export interface ScalarNode {
  kind: 'scalar';
  /** null for an empty value (`key:`). */
  value: string | null;
  position: SourcePosition;
}

export interface MapNode {
  kind: 'map';
  items: Array<{ key: ScalarNode; value: TreeNode }>;
  position: SourcePosition;
}

export interface SeqNode {
  kind: 'seq';
  items: TreeNode[];
  position: SourcePosition;
}

export type TreeNode = ScalarNode | MapNode | SeqNode;

/** Files above this size are refused: a pipeline or template is a few kilobytes. */
export const MAX_PIPELINE_FILE_BYTES = 2 * 1024 * 1024;

export function readTreeFile(file: string, referencedAt?: SourcePosition): TreeNode {
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_PIPELINE_FILE_BYTES) throw new UserError(`${file} is larger than ${MAX_PIPELINE_FILE_BYTES / 1024 / 1024} MB`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const why = `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    if (referencedAt) throw new PipelineFileError(referencedAt, why);
    throw new UserError(why.replace('cannot read', 'cannot read the pipeline file'));
  }
  return parseTree(text, file);
}

export function parseTree(text: string, file: string): TreeNode {
  const lines = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    const [line, column] = [problem.linePos?.[0].line ?? 1, problem.linePos?.[0].col ?? 1];
    throw new PipelineFileError({ file, line, column }, `invalid YAML: ${problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  if (!doc.contents) throw new PipelineFileError({ file, line: 1, column: 1 }, 'the file is empty');
  const position = (node: YamlNode | null | undefined): SourcePosition => {
    const { line, col } = lines.linePos(node?.range?.[0] ?? 0);
    return { file, line, column: col };
  };
  const convert = (node: YamlNode | null, anchor: SourcePosition, depth: number): TreeNode => {
    if (depth > 200) throw new PipelineFileError(anchor, 'the document is nested too deeply');
    if (node === null) return { kind: 'scalar', value: null, position: anchor };
    // Azure DevOps refuses anchors and aliases too; refusing them also stops alias bombs.
    if (isAlias(node)) throw new PipelineFileError(position(node), 'YAML aliases (*name) are not supported in pipeline files');
    if (isMap(node)) {
      return {
        kind: 'map',
        position: position(node),
        items: (node as YAMLMap<YamlNode, YamlNode>).items.map((pair) => {
          const keyNode = pair.key as YamlNode;
          if (!isScalar(keyNode)) throw new PipelineFileError(position(keyNode), 'a key must be a plain name, not a list or mapping');
          const key: ScalarNode = { kind: 'scalar', value: String(keyNode.value), position: position(keyNode) };
          return { key, value: convert((pair.value as YamlNode | null) ?? null, key.position, depth + 1) };
        }),
      };
    }
    if (isSeq(node)) return { kind: 'seq', position: position(node), items: (node.items as YamlNode[]).map((n) => convert(n, position(node), depth + 1)) };
    if (isScalar(node)) {
      // `key:` and a bare `-` hold nothing (the failsafe schema reads them as '').
      const empty = node.value === null || (node.value === '' && node.type === 'PLAIN');
      return { kind: 'scalar', value: empty ? null : String(node.value), position: position(node) };
    }
    throw new PipelineFileError(position(node), 'YAML aliases (*name) are not supported in pipeline files');
  };
  return convert(doc.contents as YamlNode, { file, line: 1, column: 1 }, 0);
}

export function scalar(value: string | null, position: SourcePosition): ScalarNode {
  return { kind: 'scalar', value, position };
}

/** Plain data for expressions and JSON: mappings, lists and strings. */
export type PlainValue = string | null | PlainValue[] | { [key: string]: PlainValue };

export function toPlain(node: TreeNode): PlainValue {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toPlain);
  const result: { [key: string]: PlainValue } = {};
  for (const { key, value } of node.items) result[key.value ?? ''] = toPlain(value);
  return result;
}

/** The tree as YAML text (for --expand). */
export function toYaml(node: TreeNode): string {
  return stringify(toPlain(node), { lineWidth: 0 });
}
