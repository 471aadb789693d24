// `npm run package [-- --dev] [-- --publisher ID]`: writes dist/<publisher>.<id>-<version>.vsix from the
// bundles `npm run build` made. Only the manifest, images, the Marketplace overview and the built task folders are staged,
// so no sources, tests, maps or node_modules can reach the package. tfx runs offline: its disk cache and
// saved options are bypassed and a preloaded guard refuses any non-loopback connection.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BUNDLE_FILE } from './build';
import { ExtensionManifest, TaskJson, Variant, extensionManifest, packagedTaskJson, taskPathInPackage } from './manifest';
import { ScriptError, parseCommandLine, runScript } from './cli';
import { BUILT_TASKS_ROOT, REPO_ROOT, isServerTask, listTaskFolders, readJsonFile, readTaskJson } from './taskFolders';

export const DIST_DIR = path.join(REPO_ROOT, 'dist');
const TFX_CLI = path.join(REPO_ROOT, 'node_modules', 'tfx-cli', '_build', 'tfx-cli.js');
const NETWORK_GUARD = path.join(__dirname, 'network-guard.cjs');
/** Staged beside the tasks, as they are in the repo: the overview is the Marketplace page (content.details). */
export const EXTENSION_FILES = ['images', 'overview.md'];

export interface PackageOptions extends Partial<Variant> {
  /** The built task folders (default build/tasks). */
  builtTasksRoot?: string;
  /** Where the .vsix is written (default dist/). */
  outDir?: string;
}

export interface PackageResult {
  vsixPath: string;
  manifest: ExtensionManifest;
}

export async function packageExtension(options: PackageOptions = {}): Promise<PackageResult> {
  const variant: Variant = { dev: options.dev ?? false, publisher: options.publisher };
  const builtTasksRoot = options.builtTasksRoot ?? BUILT_TASKS_ROOT;
  const outDir = options.outDir ?? DIST_DIR;
  const version = readJsonFile<{ version: string }>(path.join(REPO_ROOT, 'package.json')).version;
  const tasks = listTaskFolders(builtTasksRoot);
  if (tasks.length === 0) throw new ScriptError(`no built tasks in ${builtTasksRoot}: run \`npm run build\` first`);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-vsix-'));
  try {
    const stagingDir = path.join(workDir, 'staging');
    for (const file of EXTENSION_FILES) fs.cpSync(path.join(REPO_ROOT, file), path.join(stagingDir, file), { recursive: true });
    for (const task of tasks) {
      if (!isServerTask(task.dir) && !fs.existsSync(path.join(task.dir, BUNDLE_FILE))) throw new ScriptError(`${path.join(task.dir, BUNDLE_FILE)} is missing: run \`npm run build\` first`);
      const target = path.join(stagingDir, taskPathInPackage(task.folder));
      fs.cpSync(task.dir, target, { recursive: true });
      writeJson(path.join(target, 'task.json'), packagedTaskJson(readTaskJson(task.dir) as TaskJson, version, variant));
    }
    const base = readJsonFile<ExtensionManifest>(path.join(REPO_ROOT, 'vss-extension.json'));
    const manifest = extensionManifest(base, version, tasks.map((task) => task.folder), variant);
    writeJson(path.join(stagingDir, 'vss-extension.json'), manifest);

    fs.mkdirSync(outDir, { recursive: true });
    const vsixPath = path.join(outDir, `${manifest.publisher}.${manifest.id}-${version}.vsix`);
    await runTfx(['extension', 'create', '--root', stagingDir, '--manifest-globs', 'vss-extension.json', '--output-path', vsixPath], workDir);
    return { vsixPath, manifest };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** tfx with an empty home (no cached service URL or saved options from the user's) and the network guard. */
async function runTfx(args: string[], workDir: string): Promise<void> {
  const home = path.join(workDir, 'home');
  fs.mkdirSync(home);
  const env = { ...process.env, HOME: home, USERPROFILE: home, TFX_BYPASS_CACHE: '1' };
  try {
    await promisify(execFile)(process.execPath, ['--require', NETWORK_GUARD, TFX_CLI, ...args, '--no-prompt', '--no-color'], { env, cwd: workDir });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new ScriptError(`tfx extension create failed:\n${[stdout, stderr].filter(Boolean).join('\n').trim()}`);
  }
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

if (require.main === module) {
  runScript(async () => {
    const usage = 'package.ts [--dev] [--publisher ID] [--out DIR]';
    const { values } = parseCommandLine(process.argv.slice(2), { dev: { type: 'boolean' }, publisher: { type: 'string' }, out: { type: 'string' } }, usage);
    const { vsixPath, manifest } = await packageExtension({ dev: values.dev, publisher: values.publisher, outDir: values.out && path.resolve(values.out) });
    const size = fs.statSync(vsixPath).size;
    console.log(`${path.relative(process.cwd(), vsixPath)}  ${(size / 1024).toFixed(0)} KiB  (${manifest.publisher}.${manifest.id} ${manifest.version}, ${manifest.contributions?.length} task(s))`);
  });
}
