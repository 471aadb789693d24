// Task folders are discovered, never listed: every tasks/<Name>V<N>/ holding a task.json is a task,
// so adding a task needs no edit to the build, the manifest or the tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScriptError } from './cli';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SOURCE_TASKS_ROOT = path.join(REPO_ROOT, 'tasks');
export const BUILT_TASKS_ROOT = path.join(REPO_ROOT, 'build', 'tasks');

export interface TaskFolder {
  /** Folder name, e.g. AzureMLWorkspaceV1. */
  folder: string;
  /** Absolute path of the folder. */
  dir: string;
  /** The N of V<N>: the task.json version.Major it must declare. */
  major: number;
}

const TASK_FOLDER_NAME = /^[A-Za-z][A-Za-z0-9]*V(\d+)$/;

/**
 * Task folders below `root`, sorted by name. Folders without a task.json (work in progress) are skipped
 * unless `includeUnfinished`; folders not named <Name>V<N> (common/) always are.
 */
export function listTaskFolders(root: string, { includeUnfinished = false } = {}): TaskFolder[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && TASK_FOLDER_NAME.test(entry.name))
    .map((entry) => ({ folder: entry.name, dir: path.join(root, entry.name), major: Number(TASK_FOLDER_NAME.exec(entry.name)![1]) }))
    .filter((task) => includeUnfinished || fs.existsSync(path.join(task.dir, 'task.json')))
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

/** The parsed task.json of a folder. */
export function readTaskJson(dir: string): Record<string, unknown> {
  return readJsonFile(path.join(dir, 'task.json'));
}

/** A JSON file, its BOM (which the agent tolerates in task.json) stripped; an error naming the file otherwise. */
export function readJsonFile<T = Record<string, unknown>>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as T;
  } catch (err) {
    throw new ScriptError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * A server task: its task.json executes an HttpRequest on the Azure DevOps server (runsOn Server /
 * ServerGate), so it has no index.ts and ships no bundle, only task.json and icon.png.
 */
export function isServerTask(dir: string): boolean {
  const execution = readTaskJson(dir).execution;
  return typeof execution === 'object' && execution !== null && 'HttpRequest' in execution;
}
