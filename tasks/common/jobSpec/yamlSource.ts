// Loads job/component YAML with source positions and wraps nodes so every
// error can name file:line:column, as `az ml job create` schema errors do.
import * as fs from 'node:fs';
import {
  Document,
  LineCounter,
  Node,
  Pair,
  Scalar,
  type ScalarTag,
  type SchemaOptions,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
} from 'yaml';
import { pyyamlTags } from './pyyamlScalars';

/** A user error in a job specification; the message already names its location. */
export class JobSpecError extends Error {
  constructor(message: string, readonly location: string) {
    super(`${location}: ${message}`);
    this.name = 'JobSpecError';
  }
}

/** One parsed YAML file. Nodes created by overrides carry a label instead of a range. */
export class YamlSource {
  private readonly labels = new WeakMap<object, string>();

  constructor(readonly file: string, readonly doc: Document, private readonly lines: LineCounter) {}

  /** "file:line:column" of a node, or the label an override gave it. */
  where(node: unknown, fallback?: unknown): string {
    const label = node && typeof node === 'object' ? this.labels.get(node) : undefined;
    if (label) return label;
    const range = (node as Node | undefined)?.range;
    if (range) {
      const { line, col } = this.lines.linePos(range[0]);
      return `${this.file}:${line}:${col}`;
    }
    return fallback !== undefined ? this.where(fallback) : `${this.file}:1:1`;
  }

  label(node: object, text: string): void {
    this.labels.set(node, text);
  }

  root(): YNode {
    return new YNode(this, this.doc.contents as Node | null, '', this.doc.contents);
  }
}

/** Resolve and write scalars as PyYAML (which azure-ai-ml uses) does: YAML 1.1 with PyYAML's scalar rules. */
export const PYYAML_SCHEMA: SchemaOptions & { version: '1.1' } = {
  version: '1.1',
  customTags: (tags) => pyyamlTags(tags as ScalarTag[]) as typeof tags,
};

export function parseYaml(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...PYYAML_SCHEMA, lineCounter: lines, prettyErrors: false });
  const source = new YamlSource(file, doc, lines);
  const problem = doc.errors[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    throw new JobSpecError(`invalid YAML: ${problem.message.split('\n')[0]}`, `${file}:${line}:${col}`);
  }
  return source;
}

export function loadYamlFile(file: string, referencedFrom?: string): YamlSource {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw referencedFrom ? new JobSpecError(`cannot read ${file}: ${reason}`, referencedFrom) : new JobSpecError(reason, file);
  }
  return parseYaml(text, file);
}

export type YamlKind = 'mapping' | 'sequence' | 'string' | 'number' | 'boolean' | 'null';

/** A YAML node with its location, path and typed accessors whose errors carry the position. */
export class YNode {
  readonly node: Node | null | undefined;

  constructor(
    readonly src: YamlSource,
    node: Node | null | undefined,
    readonly path: string,
    /** Node to point at when this one has no position (e.g. an empty value after "key:"). */
    private readonly anchor?: unknown,
  ) {
    // An alias (*name) stands for the node its anchor (&name) marks.
    this.node = isAlias(node) ? (node.resolve(src.doc) as Node | undefined) : node;
  }

  get where(): string {
    return this.src.where(this.node, this.anchor);
  }

  fail(message: string): never {
    throw new JobSpecError(message, this.where);
  }

  get kind(): YamlKind {
    const n = this.node;
    if (n === null || n === undefined) return 'null';
    if (isMap(n)) return 'mapping';
    if (isSeq(n)) return 'sequence';
    const v = (n as Scalar).value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'number' || typeof v === 'bigint') return 'number';
    if (typeof v === 'boolean') return 'boolean';
    return 'string';
  }

  get isNull(): boolean {
    return this.kind === 'null';
  }

  /** Scalar value (string, number, boolean) or null. */
  get scalar(): string | number | boolean | null {
    if (!isScalar(this.node)) return null;
    const v = this.node.value;
    return typeof v === 'bigint' ? Number(v) : (v as string | number | boolean | null);
  }

  /** Source text of a scalar: tells 1.0 from 1, which Python's str() keeps apart. */
  get sourceText(): string | undefined {
    return isScalar(this.node) ? this.node.source : undefined;
  }

  /** Entries of a mapping, each value node anchored at its key for positions. */
  entries(what: string): Array<[string, YNode, YNode]> {
    if (this.isNull) return [];
    if (!isMap(this.node)) this.fail(`${what} must be a mapping, not ${this.kind}`);
    return this.node.items.map((pair: Pair) => {
      const keyNode = new YNode(this.src, pair.key as Node, this.path, this.node);
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const path = this.path ? `${this.path}.${key}` : key;
      return [key, new YNode(this.src, pair.value as Node | null, path, pair.key), keyNode];
    });
  }

  items(what: string): YNode[] {
    if (!isSeq(this.node)) this.fail(`${what} must be a list, not ${this.kind}`);
    return this.node.items.map((item, i) => new YNode(this.src, item as Node, `${this.path}[${i}]`, this.node));
  }

  get(key: string): YNode | undefined {
    if (!isMap(this.node)) return undefined;
    const pair = this.node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (!pair) return undefined;
    return new YNode(this.src, pair.value as Node | null, this.path ? `${this.path}.${key}` : key, pair.key);
  }

  /** Present and not null. */
  has(key: string): boolean {
    const child = this.get(key);
    return child !== undefined && !child.isNull;
  }

  require(key: string, what: string): YNode {
    const child = this.get(key);
    if (!child || child.isNull) this.fail(`missing required field '${key}' in ${what}`);
    return child;
  }

  str(what: string): string {
    const v = this.scalar;
    if (typeof v !== 'string') this.fail(`${what} must be a string, not ${this.kind}`);
    return v;
  }

  /** Like marshmallow's Int: whole numbers, also written as strings (e.g. from --set). */
  int(what: string): number {
    const v = this.scalar;
    const n = typeof v === 'string' && /^[-+]?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) this.fail(`${what} must be an integer, not ${describe(v, this.kind)}`);
    return n;
  }

  num(what: string): number {
    const v = this.scalar;
    const n = typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
    if (typeof n !== 'number') this.fail(`${what} must be a number, not ${describe(v, this.kind)}`);
    return n;
  }

  /** Like marshmallow's Boolean: true/false and their usual spellings. */
  bool(what: string): boolean {
    const v = this.scalar;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      if (['true', 'yes', 'on', '1', 'y'].includes(t)) return true;
      if (['false', 'no', 'off', '0', 'n'].includes(t)) return false;
    }
    if (v === 1 || v === 0) return v === 1;
    this.fail(`${what} must be true or false, not ${describe(v, this.kind)}`);
  }

  /** Mapping of string values (tags, properties, environment_variables): values must be strings. */
  strMap(what: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of this.entries(what)) out[key] = value.str(`${what}.${key}`);
    return out;
  }

  /** Plain JavaScript value of the subtree (for pass-through maps such as resources.properties). */
  toJS(): unknown {
    const n = this.node as (Node & { toJSON?: () => unknown }) | null | undefined;
    if (!n) return null;
    return isScalar(n) ? this.scalar : (n as unknown as { toJSON(): unknown }).toJSON();
  }
}

function describe(value: unknown, kind: YamlKind): string {
  return kind === 'string' ? `'${String(value)}'` : kind;
}
