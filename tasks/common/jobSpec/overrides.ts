// `az ml job create --set path=value`: applied to the parsed YAML before translation. Values stay
// strings, as the CLI passes them; the schema then coerces them where it expects numbers or booleans
// (marshmallow accepts "3" for an Int), which the typed accessors in yamlSource.ts do too.
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { JobSpecError, type YamlSource } from './yamlSource';

export interface Override {
  path: string[];
  value: string;
  /** How the user wrote it, for messages: "--set inputs.lr=0.01" or "overrides line 2". */
  label: string;
}

/** Parses multiline "path=value" text (blank lines and # comments skipped). */
export function parseOverrides(text: string, inputName = 'overrides'): Override[] {
  const overrides: Override[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const label = `${inputName} line ${index + 1}`;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new JobSpecError(`expected path=value (e.g. inputs.learning_rate=0.01), got '${line}'`, label);
    const path = line.slice(0, eq).trim().split('.');
    if (path.some((part) => !/^[A-Za-z0-9_$-]+$/.test(part))) {
      throw new JobSpecError(`invalid path '${line.slice(0, eq).trim()}': use dot-separated field names`, label);
    }
    overrides.push({ path, value: line.slice(eq + 1).trim(), label });
  });
  return overrides;
}

/** Sets each override in the document, creating intermediate mappings as needed. */
export function applyOverrides(source: YamlSource, overrides: Override[]): void {
  for (const override of overrides) {
    // Every node an override creates (keys and mappings too) points back at its line: an error about an
    // unknown field it introduced names the overrides input, not the job file.
    const label = `${override.label} (${override.path.join('.')}=${override.value})`;
    const created = <T extends Node>(node: T): T => {
      source.label(node, label);
      return node;
    };
    let map = source.doc.contents as Node | null;
    for (const [i, key] of override.path.entries()) {
      if (!isMap(map)) {
        const at = override.path.slice(0, i).join('.') || '(document)';
        throw new JobSpecError(`cannot set '${override.path.join('.')}': '${at}' is not a mapping`, override.label);
      }
      const last = i === override.path.length - 1;
      if (last) {
        const scalar = created(source.doc.createNode(override.value));
        (map as YAMLMap).set(created(source.doc.createNode(key)), scalar);
      } else {
        let next = (map as YAMLMap).get(key, true) as Node | undefined;
        if (next === undefined || next === null || (isScalar(next) && next.value === null)) {
          next = created(source.doc.createNode({}) as Node);
          (map as YAMLMap).set(created(source.doc.createNode(key)), next);
        }
        map = next;
      }
    }
  }
}
