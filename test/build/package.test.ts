// The .vsix as the Marketplace and the agent see it: built from the real task folders into a temp dir,
// public and dev variants, then unpacked and run from outside the repo.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildTasks } from '../../scripts/build';
import { ExtensionManifest, devTaskId } from '../../scripts/manifest';
import { PackageResult, packageExtension } from '../../scripts/package';
import { REPO_ROOT, SOURCE_TASKS_ROOT, isServerTask, listTaskFolders, readJsonFile, readTaskJson } from '../../scripts/taskFolders';
import { ZipEntry, readZip } from './zip';

function entryText(entries: ZipEntry[], name: string): string {
  const entry = entries.find((e) => e.name === name);
  assert.ok(entry, `${name} is not in the package`);
  return entry.read().toString('utf8').replace(/^\uFEFF/, '');
}
const entryJson = (entries: ZipEntry[], name: string) => JSON.parse(entryText(entries, name)) as Record<string, any>;
const files = (entries: ZipEntry[]) => entries.map((e) => e.name).filter((name) => !name.endsWith('/')).sort();

/** Writes the files of the package below `prefix` into `targetDir`, as the agent unpacks a task. */
function extractFolder(entries: ZipEntry[], prefix: string, targetDir: string): string {
  for (const entry of entries.filter((e) => e.name.startsWith(prefix) && !e.name.endsWith('/'))) {
    const file = path.join(targetDir, entry.name.slice(prefix.length));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, entry.read());
  }
  return targetDir;
}

/** Every file below dir, relative, with forward slashes. */
function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('packaging (npm run package)', function () {
  this.timeout(120_000);
  const sourceTasks = listTaskFolders(SOURCE_TASKS_ROOT);
  const base = readJsonFile<ExtensionManifest>(path.join(REPO_ROOT, 'vss-extension.json'));
  const version = readJsonFile<{ version: string }>(path.join(REPO_ROOT, 'package.json')).version;
  let workDir: string;
  let publicPackage: PackageResult & { entries: ZipEntry[] };
  let devPackage: PackageResult & { entries: ZipEntry[] };

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-package-test-'));
    const builtTasksRoot = path.join(workDir, 'build');
    await buildTasks({ outRoot: builtTasksRoot });
    const make = async (dev: boolean) => {
      const result = await packageExtension({ builtTasksRoot, outDir: path.join(workDir, 'dist'), dev });
      return { ...result, entries: readZip(result.vsixPath) };
    };
    publicPackage = await make(false);
    devPackage = await make(true);
  });

  after(() => fs.rmSync(workDir, { recursive: true, force: true }));

  it('names the .vsix <publisher>.<id>-<version>.vsix from vss-extension.json and package.json', () => {
    assert.equal(path.basename(publicPackage.vsixPath), `${base.publisher}.${base.id}-${version}.vsix`);
  });

  it('holds exactly the manifest, the overview and its images and, per task, task.json, icon.png, the bundle (none for a server task) and its Strings', () => {
    const expected = [
      '[Content_Types].xml', 'extension.vsixmanifest', 'extension.vsomanifest', 'overview.md',
      ...listFiles(path.join(REPO_ROOT, 'images'), 'images/'),
      ...sourceTasks.flatMap(({ folder, dir }) => [
        `tasks/${folder}/task.json`, `tasks/${folder}/icon.png`, ...(isServerTask(dir) ? [] : [`tasks/${folder}/index.js`]),
        ...(fs.existsSync(path.join(dir, 'Strings')) ? listFiles(path.join(dir, 'Strings'), `tasks/${folder}/Strings/`) : []),
      ]),
    ].sort();
    assert.deepEqual(files(publicPackage.entries), expected);
    assert.deepEqual(files(devPackage.entries), expected);
  });

  it('gives the Marketplace an overview whose links work outside the repository', () => {
    const details = (base.content as { details: { path: string } }).details.path;
    const overview = entryText(publicPackage.entries, details);
    const packaged = new Set(files(publicPackage.entries));
    const addressable = (base.files ?? []).filter((f) => f.addressable).map((f) => `${f.path}/`);
    const targets = [...overview.matchAll(/\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1]);
    assert.ok(targets.some((t) => t.startsWith('images/')), 'the overview shows a picture of a run');
    for (const target of targets) {
      if (/^https:\/\//.test(target)) continue;
      // A relative link resolves against the package: only addressable files that are in it work.
      assert.ok(packaged.has(target) && addressable.some((folder) => target.startsWith(folder)), `overview link ${target} only works inside the repository`);
    }
  });

  it('contributes every task folder as a pipeline task', () => {
    const contributions = entryJson(publicPackage.entries, 'extension.vsomanifest').contributions as any[];
    assert.deepEqual(
      contributions.map((c) => [c.type, c.targets, c.properties.name]),
      sourceTasks.map(({ folder }) => ['ms.vss-distributed-task.task', ['ms.vss-distributed-task.tasks'], `tasks/${folder}`]),
    );
  });

  it('stamps the extension version into the manifest and every task (Minor.Patch; Major stays V<N>)', () => {
    const identity = /<Identity [^>]*Version="([^"]+)"/.exec(entryText(publicPackage.entries, 'extension.vsixmanifest'))!;
    assert.equal(identity[1], version);
    const [, minor, patch] = version.split('.').map(Number);
    for (const { folder, major } of sourceTasks) {
      assert.deepEqual(entryJson(publicPackage.entries, `tasks/${folder}/task.json`).version, { Major: major, Minor: minor, Patch: patch });
    }
  });

  it('keeps the public task GUIDs and names in the public variant', () => {
    for (const { folder, dir } of sourceTasks) {
      const packaged = entryJson(publicPackage.entries, `tasks/${folder}/task.json`);
      const source = readTaskJson(dir);
      assert.deepEqual([packaged.id, packaged.friendlyName], [source.id, source.friendlyName]);
    }
  });

  it('gives the dev variant its own id, publisher and name', () => {
    const vsixManifest = entryText(devPackage.entries, 'extension.vsixmanifest');
    assert.match(vsixManifest, new RegExp(`<Identity [^>]*Id="${base.id}-dev" Publisher="${base.publisher}-dev"`));
    assert.match(vsixManifest, /<DisplayName>[^<]*\(dev\)<\/DisplayName>/);
    assert.equal(path.basename(devPackage.vsixPath), `${base.publisher}-dev.${base.id}-dev-${version}.vsix`);
  });

  it('gives dev tasks GUIDs derived from the public ones: different, deterministic, unique', () => {
    const devIds = sourceTasks.map(({ folder, dir }) => {
      const packaged = entryJson(devPackage.entries, `tasks/${folder}/task.json`);
      const publicId = readTaskJson(dir).id as string;
      assert.notEqual(packaged.id, publicId);
      assert.equal(packaged.id, devTaskId(publicId));
      assert.match(packaged.friendlyName, / \(dev\)$/);
      return packaged.id as string;
    });
    assert.equal(new Set(devIds).size, devIds.length);
  });

  it('runs a packaged bundle outside the repo: a missing required input fails naming it, without a stack trace', () => {
    const entries = publicPackage.entries;
    for (const { folder, dir } of sourceTasks.filter((t) => !isServerTask(t.dir))) {
      const taskDir = extractFolder(entries, `tasks/${folder}/`, path.join(workDir, 'unpacked', folder));
      const required = (readTaskJson(dir).inputs as { name: string; required?: boolean }[]).filter((i) => i.required).map((i) => i.name);
      // No INPUT_* variables at all, no node_modules above the folder, and no network beyond loopback.
      const run = spawnSync(process.execPath, ['--require', path.join(REPO_ROOT, 'scripts', 'network-guard.cjs'), path.join(taskDir, 'index.js')], {
        cwd: taskDir,
        env: { PATH: process.env.PATH, AGENT_TEMPDIRECTORY: workDir },
        encoding: 'utf8',
        timeout: 30_000,
      });
      const output = run.stdout + run.stderr;
      assert.notEqual(run.status, 0, `${folder} exited 0:\n${output}`);
      assert.match(output, /##vso\[task\.complete result=Failed;\]/, output);
      assert.ok(required.some((name) => new RegExp(`\\b${name}\\b`, 'i').test(output.split('##vso[task.complete')[1] ?? '')), `${folder} did not name a required input (${required}):\n${output}`);
      assert.doesNotMatch(output, /^\s+at .+:\d+:\d+\)?$/m, `${folder} printed a stack trace:\n${output}`);
    }
  });
});
