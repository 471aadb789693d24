// Loads job/component YAML with source positions and wraps nodes so every
// error can name file:line:column, as `az ml job create` schema errors do.
import * as fs from 'node:fs';
import { UserError } from '../platform/userError';
import {
  Alias,
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
  visit,
} from 'yaml';
import { pyyamlTags } from './pyyamlScalars';

/**
 * Largest YAML file read (job, component, environment, compute spec): real ones are kilobytes, generated
 * pipeline jobs reach a few hundred; a bigger file is a mistake (a data file named by accident). README.md says so.
 */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;
/**
 * How many nodes aliases may add when a file is expanded, as the `yaml` package counts them (its own default is
 * 100): enough for real anchors (shared resources, environment variables), far below a "billion laughs" file.
 */
export const MAX_ALIAS_COUNT = 10_000;

/** A user error in a job specification; the message already names its location. */
export class JobSpecError extends UserError {
  constructor(message: string, readonly location: string) {
    super(`${location}: ${message}`);
    this.name = 'JobSpecError';
  }
}

/** One parsed YAML file. Nodes created by overrides carry a label instead of a range. */
export class YamlSource {
  private readonly labels = new WeakMap<object, string>();
  private aliasTargets?: Map<Alias, Node | undefined>;

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

  /**
   * The node an alias (*name) stands for: the last anchor (&name) before it. One walk of the document for all
   * aliases (the `yaml` package's resolve() walks it for each).
   */
  resolveAlias(alias: Alias): Node | undefined {
    if (!this.aliasTargets) {
      const targets = new Map<Alias, Node | undefined>();
      const anchors = new Map<string, Node>();
      visit(this.doc, {
        Node: (_key, node) => {
          if (isAlias(node)) targets.set(node, anchors.get(node.source));
          else if (node.anchor) anchors.set(node.anchor, node);
        },
      });
      this.aliasTargets = targets;
    }
    return this.aliasTargets.get(alias);
  }

  root(): YNode {
    return new YNode(this, this.doc.contents as Node | null, '', this.doc.contents);
  }

  /** One mapping of this file as a document of its own (a job written inline in a schedule), positions kept. */
  subSource(node: Node): YamlSource {
    const doc = this.doc.clone();
    doc.contents = node;
    return new YamlSource(this.file, doc, this.lines);
  }
}

/** Resolve and write scalars as PyYAML (which azure-ai-ml uses) does: YAML 1.1 with PyYAML's scalar rules. */
export const PYYAML_SCHEMA: SchemaOptions & { version: '1.1' } = {
  version: '1.1',
  customTags: (tags) => pyyamlTags(tags as ScalarTag[]) as typeof tags,
};

/** The first key of a mapping that repeats an earlier one (scalar keys compared by value), in one pass per mapping. */
function findDuplicateKey(doc: Document): Node | undefined {
  let duplicate: Node | undefined;
  visit(doc, {
    Map: (_key, map) => {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          duplicate = pair.key;
          return visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return duplicate;
}

/** Expands the aliases once under the alias budget: a file whose aliases multiply ("billion laughs") is refused. */
function checkAliasExpansion(source: YamlSource): void {
  let firstAlias: Node | undefined;
  visit(source.doc, {
    Alias: (_key, alias) => {
      firstAlias = alias;
      return visit.BREAK;
    },
  });
  if (!firstAlias) return;
  try {
    source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    const reason = /excessive alias count/i.test(err.message)
      ? `its aliases (*name) expand to more than ${MAX_ALIAS_COUNT} nodes; refused rather than expanded`
      : err.message;
    throw new JobSpecError(`invalid YAML: ${reason}`, source.where(firstAlias));
  }
}

export function parseYaml(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  // uniqueKeys off: the package compares each key with every earlier one (quadratic in a mapping's size);
  // findDuplicateKey does the same check with a set.
  const doc = parseDocument(text, { ...PYYAML_SCHEMA, lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const source = new YamlSource(file, doc, lines);
  const problem = doc.errors[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    throw new JobSpecError(`invalid YAML: ${problem.message.split('\n')[0]}`, `${file}:${line}:${col}`);
  }
  const duplicate = findDuplicateKey(doc);
  if (duplicate) throw new JobSpecError(`invalid YAML: Map keys must be unique ('${String((duplicate as Scalar).value)}' is repeated)`, source.where(duplicate));
  checkAliasExpansion(source);
  return source;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function readReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'is a folder, not a YAML file';
    default:
      return (err as Error).message;
  }
}

export function loadYamlFile(file: string, referencedFrom?: string): YamlSource {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (stat.size > MAX_YAML_BYTES) {
      const reason = `is ${mib(stat.size)}; YAML files over ${mib(MAX_YAML_BYTES)} are refused (is it the file you meant?)`;
      throw referencedFrom ? new JobSpecError(`${file} ${reason}`, referencedFrom) : new JobSpecError(`the file ${reason}`, file);
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof JobSpecError) throw err;
    const reason = readReason(err);
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
    this.node = isAlias(node) ? src.resolveAlias(node) : node;
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
    const n = this.node;
    if (!n) return null;
    // With the document, so aliases inside the subtree expand (parseYaml has checked they stay within budget).
    return isScalar(n) ? this.scalar : n.toJS(this.src.doc, { maxAliasCount: MAX_ALIAS_COUNT });
  }
}

function describe(value: unknown, kind: YamlKind): string {
  return kind === 'string' ? `'${String(value)}'` : kind;
}
