// One normalisation for both sides of the golden comparison (test/jobSpec/goldens.test.ts).
//
// The goldens are azure-ai-ml's _to_rest_object() of a loaded job, before the CLI's operations
// layer uploads code and looks assets up; the task's translation has tokens where uploads and
// lookups go. Only the values that depend on those are rewritten, the same way on both sides:
//   - environments: an anonymous Environment entity (golden) and an environment ARM id (task)
//     become `environment:<name>:<version>`; azureml:<name>:<version> likewise; @latest lookups
//     become `environment:<name>@latest`; registry URIs are kept; an environment built from a local
//     docker context becomes `environment:<build>` (its version hashes the upload);
//   - local paths (code, inputs): the golden's path and the task's upload token become
//     `local:<path relative to the job file's folder>`;
//   - computes: `azureml:x`, `x` and compute ARM ids become `compute:x`; default datastores `datastore:x`;
//   - anonymous components (the golden has the component's YAML dump, the task a token) become
//     `component:anonymous`; registered ones `component:<name>:<version>` or `@latest`;
//   - asset ids of inputs: azureml:<name>:<version> and ARM ids become `<name>:<version>`.
// Fields only the operations layer adds (experimentName defaults, display names from the job
// name) are not in the goldens and are dropped from the task's body when the golden lacks them.
import * as path from 'node:path';
import type { JobTranslation } from '../../tasks/common/jobSpec/translate';

export interface Side {
  /** Folder of the job file: local paths are made relative to it. */
  baseDir: string;
  /** Where the golden's temporary copy of the corpus was (its paths start with this). */
  corpusMarker?: string;
  corpusRoot: string;
  translation?: JobTranslation;
}

const ASSET_VERSION_ID = /\/(codes|components|data|environments|models)\/([^/]+)\/versions\/([^/]+)$/i;

function localPath(value: string, side: Side): string {
  const absolute = value.startsWith('<corpus>/') ? path.join(side.corpusRoot, value.slice('<corpus>/'.length)) : path.resolve(side.baseDir, value.replace(/^file:/, ''));
  return `local:${path.relative(side.baseDir, absolute).split(path.sep).join('/') || '.'}`;
}

/** A value that stands for something uploaded or looked up, in the normal form above; else undefined. */
function resolved(value: string, key: string, side: Side): string | undefined {
  const token = /^<pending:([^>#]+)#\d+>$/.exec(value);
  const t = side.translation;
  if (token && t) {
    const pending = t.pending.find((p) => p.token === value);
    if (pending?.kind === 'upload') return localPath(pending.localPath, side);
    if (pending?.kind === 'latest') return `${pending.assetType === 'environments' ? 'environment:' : pending.assetType === 'components' ? 'component:' : ''}${pending.name}@latest`;
    if (token[1].startsWith('component')) return 'component:anonymous';
    if (token[1].startsWith('environment')) return 'environment:<build>';
  }
  if (value.startsWith('azureml:<pending:')) return resolved(value.slice('azureml:'.length), key, side);
  const environment = /^Environment\(\{.*'name': '([^']*)'.*'version': (?:'([^']*)'|None)/s.exec(value);
  if (environment) {
    // A docker-build environment's version hashes the context upload: only the upload knows it.
    const built = !value.includes("'build': None");
    return environment[2] && !built ? `environment:${environment[1]}:${environment[2]}` : 'environment:<build>';
  }
  if (key === 'default_datastore') return `datastore:${value.replace(/^azureml:/, '').split('/').pop()}`;
  if (key === 'computeId' || key === 'compute' || key === 'default_compute') {
    const name = value.replace(/^azureml:/, '').split('/').pop();
    return `compute:${name}`;
  }
  if (key === 'componentId' || key === 'component_id') {
    if (value.includes('\n')) return 'component:anonymous';
    // A sweep step's trial keeps the reference as loaded (azure-ai-ml drops the azureml: prefix).
    if (/^[A-Za-z0-9][\w.-]*:[^:/@]+$/.test(value)) return `component:${value}`;
  }
  const prefix = key === 'environmentId' || key === 'environment' ? 'environment:' : key === 'componentId' ? 'component:' : '';
  const id = ASSET_VERSION_ID.exec(value);
  if (id && !value.startsWith('azureml://')) return `${prefix}${id[2]}:${id[3]}`;
  // azure-ai-ml drops the azureml: prefix of @label references when it loads them.
  const short = /^azureml:([^/:@][^:@]*)(?::([^:@]+)|@(\w+))$/.exec(value) ?? /^([A-Za-z0-9][A-Za-z0-9_.-]*)()@(latest)$/.exec(value);
  if (short) return short[2] ? `${prefix}${short[1]}:${short[2]}` : `${prefix}${short[1]}@${short[3]}`;
  if ((key === 'codeId' || key === 'code' || key === 'uri' || key === 'path') && !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith('${{')) {
    return localPath(value, side);
  }
  return undefined;
}

export function normalise(value: unknown, side: Side, key = ''): unknown {
  if (typeof value === 'string') return resolved(value, key, side) ?? value;
  if (Array.isArray(value)) return value.map((v) => normalise(v, side, key));
  if (value && typeof value === 'object') {
    // A parallel task's inline environment: the golden has the entity's fields, the task its id.
    const env = value as Record<string, unknown>;
    if (key === 'environment' && typeof env.name === 'string' && typeof env.version === 'string') {
      return env.build ? 'environment:<build>' : `environment:${env.name}:${env.version}`;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, side, k)]));
  }
  return value;
}

/** Leaf-by-leaf differences: "path: golden ≠ task". */
export function differences(golden: unknown, ours: unknown, at = ''): string[] {
  if (golden === ours) return [];
  const bothObjects = golden && ours && typeof golden === 'object' && typeof ours === 'object';
  if (bothObjects && Array.isArray(golden) === Array.isArray(ours)) {
    const g = golden as Record<string, unknown>;
    const o = ours as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(g), ...Object.keys(o)])].sort();
    return keys.flatMap((k) => differences(g[k], o[k], at ? `${at}.${k}` : k));
  }
  const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v).slice(0, 160));
  return [`${at}: golden ${show(golden)} ≠ task ${show(ours)}`];
}
