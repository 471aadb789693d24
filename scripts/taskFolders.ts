// Task folders are discovered, never listed: every tasks/<Name>V<N>/ holding a task.json is a task,
// so adding a task needs no edit to the build, the manifest or the tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';

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

/** The parsed task.json of a folder (a BOM, which the agent tolerates, is stripped). */
export function readTaskJson(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'task.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (err) {
    throw new ScriptError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A failure the user can act on: scripts print its message alone, without a stack trace. */
export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

/** Runs a script's main function: ScriptError → its message and exit code 1; anything else keeps its stack (a bug). */
export function runScript(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ScriptError) console.error(`error: ${err.message}`);
    else console.error(err);
    process.exitCode = 1;
  });
}

/** util.parseArgs with a usage line in the error instead of a stack trace. */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ScriptError(`${(err as Error).message}\nusage: ${usage}`);
  }
}
