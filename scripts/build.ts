// `npm run build` (after tsc): bundles every task into build/tasks/<Name>V<N>/index.js, one self-contained
// CommonJS file per task, beside the few files the agent and the bundle read at run time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuiltin } from 'node:module';
import * as esbuild from 'esbuild';
import { ScriptError, parseCommandLine, runScript } from './cli';
import { BUILT_TASKS_ROOT, REPO_ROOT, SOURCE_TASKS_ROOT, TaskFolder, isServerTask, listTaskFolders, readTaskJson } from './taskFolders';

export const BUNDLE_FILE = 'index.js';

/**
 * Files copied beside each bundle. task.json: the agent reads it, and task-lib's setResourcePath loads the
 * task's loc strings from it (the path is built from __dirname, which esbuild keeps as the bundle's folder).
 * icon.png: shown in the pipeline editor. Strings/: task-lib looks for translations of those loc strings
 * next to task.json. task-lib's own messages (lib.json and its Strings) are compiled into its
 * lib-resource.js since 4.x and so end up inside the bundle; nothing else in the SDKs reads files of its own.
 */
const REQUIRED_RESOURCES = ['task.json', 'icon.png'];
const OPTIONAL_RESOURCES = ['Strings'];

export interface BuildOptions {
  /** Folder holding the <Name>V<N> task folders. */
  tasksRoot?: string;
  /** Where the packaged task folders are written; emptied first. */
  outRoot?: string;
  /**
   * Leave node_modules out of the bundle (require() them at run time, resolved from the repo's
   * node_modules) instead of inlining them: the unbundled equivalent the benchmark compares against.
   */
  externalPackages?: boolean;
}

export interface BuiltTask {
  folder: string;
  dir: string;
  bundleBytes: number;
  /** The source files (own and node_modules) the bundle was made from, and their size before bundling. */
  sourceFiles: number;
  sourceBytes: number;
}

export async function buildTasks(options: BuildOptions = {}): Promise<BuiltTask[]> {
  const tasksRoot = options.tasksRoot ?? SOURCE_TASKS_ROOT;
  const outRoot = options.outRoot ?? BUILT_TASKS_ROOT;
  const tasks = listTaskFolders(tasksRoot);
  if (tasks.length === 0) throw new ScriptError(`no task folders (<Name>V<N>/ with a task.json) in ${tasksRoot}`);
  tasks.forEach(checkTaskSources);
  const agentTasks = tasks.filter((task) => !isServerTask(task.dir));

  fs.rmSync(outRoot, { recursive: true, force: true });
  fs.mkdirSync(outRoot, { recursive: true });
  // One esbuild call for all tasks: each shared module is parsed once and the work spreads over all cores.
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(agentTasks.map((task) => [`${task.folder}/index`, path.join(task.dir, 'index.ts')])),
    outdir: outRoot,
    bundle: true,
    packages: options.externalPackages ? 'external' : undefined,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    // Licenses of the inlined packages stay inside the shipped file, at its end (esbuild removes duplicates).
    legalComments: 'eof',
    // Prefer the ES module builds of the SDKs: they tree-shake (@azure/arm-machinelearning has no "exports"
    // map, and its CommonJS build would pull a second, CommonJS copy of @azure/core-client beside the ESM one).
    mainFields: ['module', 'main'],
    // ES modules bundled into CommonJS lose import.meta; give them the bundle's own URL instead of undefined.
    banner: { js: 'var __bundleUrl=require("url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__bundleUrl' },
    // Task folders outside the repo (tests, experiments) still resolve the repo's packages.
    nodePaths: [path.join(REPO_ROOT, 'node_modules')],
    logLevel: 'silent',
    metafile: true,
  }).catch((err: esbuild.BuildFailure) => {
    throw new ScriptError(`bundling failed:\n${esbuild.formatMessagesSync(err.errors ?? [], { kind: 'error' }).join('\n')}`);
  });
  if (result.warnings.length > 0) console.warn(esbuild.formatMessagesSync(result.warnings, { kind: 'warning' }).join('\n'));

  return tasks.map((task) => {
    const dir = path.join(outRoot, task.folder);
    copyResources(task.dir, dir);
    if (!agentTasks.includes(task)) return { folder: task.folder, dir, bundleBytes: 0, sourceFiles: 0, sourceBytes: 0 };
    const bundle = path.join(dir, BUNDLE_FILE);
    const output = Object.entries(result.metafile.outputs).find(([file]) => path.resolve(file) === bundle)![1];
    // The package ships no node_modules: a require() left in the bundle (an optional dependency esbuild
    // could not resolve, a package marked external) would fail on the agent, so it fails the build here.
    const unbundled = output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path);
    if (!options.externalPackages && unbundled.length > 0) throw new ScriptError(`${bundle} would require modules it does not contain: ${unbundled.join(', ')}`);
    const inputs = Object.keys(output.inputs);
    const sourceBytes = inputs.reduce((sum, input) => sum + result.metafile.inputs[input].bytes, 0);
    return { folder: task.folder, dir, bundleBytes: fs.statSync(bundle).size, sourceFiles: inputs.length, sourceBytes };
  });
}

/** Fails before bundling, naming the file, when a task folder could not become a working packaged task. */
function checkTaskSources(task: TaskFolder): void {
  const server = isServerTask(task.dir);
  for (const file of [...(server ? [] : ['index.ts']), ...REQUIRED_RESOURCES]) {
    if (!fs.existsSync(path.join(task.dir, file))) {
      const hint = file === 'icon.png' ? ' (run `npm run icons` to draw one)' : '';
      throw new ScriptError(`${path.join(task.dir, file)} is missing: every task folder needs index.ts, task.json and icon.png${hint}`);
    }
  }
  if (server) {
    // The server runs it: code beside it would never run.
    if (fs.existsSync(path.join(task.dir, 'index.ts'))) throw new ScriptError(`${path.join(task.dir, 'index.ts')}: a server task (execution.HttpRequest) runs on the Azure DevOps server and has no code`);
    return;
  }
  const execution = (readTaskJson(task.dir).execution ?? {}) as Record<string, { target?: string }>;
  for (const [handler, { target }] of Object.entries(execution)) {
    if (target !== BUNDLE_FILE) {
      throw new ScriptError(`${path.join(task.dir, 'task.json')}: execution.${handler}.target is "${target}", but the bundle is "${BUNDLE_FILE}"`);
    }
  }
}

function copyResources(sourceDir: string, targetDir: string): void {
  for (const name of [...REQUIRED_RESOURCES, ...OPTIONAL_RESOURCES]) {
    const source = path.join(sourceDir, name);
    if (fs.existsSync(source)) fs.cpSync(source, path.join(targetDir, name), { recursive: true });
  }
}

function parseArguments(argv: string[]): BuildOptions {
  const { values } = parseCommandLine(argv, { tasks: { type: 'string' }, out: { type: 'string' } }, 'build.ts [--tasks DIR] [--out DIR]');
  return { tasksRoot: values.tasks && path.resolve(values.tasks), outRoot: values.out && path.resolve(values.out) };
}

if (require.main === module) {
  runScript(async () => {
    const started = Date.now();
    const built = await buildTasks(parseArguments(process.argv.slice(2)));
    for (const task of built) console.log(`${task.folder.padEnd(28)} ${(task.bundleBytes / 1024).toFixed(0).padStart(6)} KiB  ${path.relative(process.cwd(), task.dir)}`);
    console.log(`bundled ${built.length} task(s) in ${Date.now() - started} ms`);
  });
}
