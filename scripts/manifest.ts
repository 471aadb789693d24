// What goes into the .vsix besides the bundles: the extension manifest with one contribution per task,
// each task.json stamped with the extension's version, and the private dev variant.
import * as crypto from 'node:crypto';
import { ScriptError } from './cli';

export interface ExtensionManifest {
  id: string;
  publisher: string;
  name: string;
  version?: string;
  public?: boolean;
  files?: { path: string; addressable?: boolean }[];
  contributions?: { id: string; type: string; targets: string[]; properties: Record<string, unknown> }[];
  [key: string]: unknown;
}

export interface Variant {
  /** The private dev variant: its own id, publisher and task GUIDs, so it installs beside the public one. */
  dev: boolean;
  /** Publisher to package for; the dev variant defaults to "<publisher>-dev". */
  publisher?: string;
}

export type TaskJson = Record<string, unknown> & { id: string; friendlyName: string; version: { Major: number; Minor: number; Patch: number } };

/** Where each task folder sits inside the .vsix. */
export const taskPathInPackage = (folder: string) => `tasks/${folder}`;

const DEV_SUFFIX = '-dev';
const DEV_LABEL = ' (dev)';
/** Fixed namespace of the dev task GUIDs (UUID v5 of the public GUID): the same dev GUID on every machine, forever. */
const DEV_TASK_ID_NAMESPACE = 'aca3d965-f2ce-419d-a184-1c4db217f5ca';

/** The manifest tfx packages: version stamped, a files entry and a task contribution for every task folder. */
export function extensionManifest(base: ExtensionManifest, version: string, taskFolders: string[], variant: Variant): ExtensionManifest {
  const manifest: ExtensionManifest = {
    ...base,
    version,
    publisher: variant.publisher ?? (variant.dev ? base.publisher + DEV_SUFFIX : base.publisher),
    files: [...(base.files ?? []), ...taskFolders.map((folder) => ({ path: taskPathInPackage(folder) }))],
    contributions: [
      ...(base.contributions ?? []),
      ...taskFolders.map((folder) => ({
        id: folder,
        type: 'ms.vss-distributed-task.task',
        targets: ['ms.vss-distributed-task.tasks'],
        properties: { name: taskPathInPackage(folder) },
      })),
    ],
  };
  if (variant.dev) Object.assign(manifest, { id: base.id + DEV_SUFFIX, name: base.name + DEV_LABEL, public: false });
  return manifest;
}

/**
 * The task.json as packaged. The agent caches tasks by GUID and version, so a new extension version must
 * raise every task's version: Minor and Patch follow the extension's, Major stays the folder's V<N>.
 */
export function packagedTaskJson(task: TaskJson, extensionVersion: string, variant: Variant): TaskJson {
  const [, minor, patch] = parseVersion(extensionVersion);
  const packaged: TaskJson = { ...task, version: { ...task.version, Minor: minor, Patch: patch } };
  if (variant.dev) Object.assign(packaged, { id: devTaskId(task.id), friendlyName: task.friendlyName + DEV_LABEL });
  return packaged;
}

export function devTaskId(publicId: string): string {
  return uuidV5(DEV_TASK_ID_NAMESPACE, publicId.toLowerCase());
}

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  const hash = crypto.createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function parseVersion(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new ScriptError(`version "${version}" is not major.minor.patch`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}
