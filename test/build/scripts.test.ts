// The build scripts' own rules: icons, GUID derivation, version stamping, and clear build failures.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { buildTasks } from '../../scripts/build';
import { drawIcon, LOGO_FILE } from '../../scripts/icons';
import { TaskJson, devTaskId, extensionManifest, packagedTaskJson, uuidV5 } from '../../scripts/manifest';
import { ScriptError } from '../../scripts/cli';
import { SOURCE_TASKS_ROOT, listTaskFolders } from '../../scripts/taskFolders';

/** Width, height and RGBA pixels of a PNG written by our encoder (8-bit RGBA, filter 0 on every line). */
function decodePng(png: Buffer): { width: number; height: number; pixel(x: number, y: number): number[] } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16), height = png.readUInt32BE(20);
  const idatLength = png.readUInt32BE(33);
  assert.equal(png.toString('latin1', 37, 41), 'IDAT');
  const raw = zlib.inflateSync(png.subarray(41, 41 + idatLength));
  return { width, height, pixel: (x, y) => [...raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 5 + x * 4)] };
}

describe('build scripts', () => {
  describe('icons', () => {
    it('draws a PNG of the asked size: transparent corners, an opaque blue background', () => {
      const icon = decodePng(drawIcon('job', 32));
      assert.deepEqual([icon.width, icon.height], [32, 32]);
      assert.equal(icon.pixel(0, 0)[3], 0);
      const [r, g, b, a] = icon.pixel(3, 16);
      assert.ok(a === 255 && b > r && b > g, `pixel (3,16) is ${[r, g, b, a]}`);
      const [wr, wg, wb] = icon.pixel(14, 16); // inside the job glyph (a triangle pointing right)
      assert.ok(wr > 240 && wg > 240 && wb > 240, `pixel (14,16) is ${[wr, wg, wb]}`);
    });

    it('has a 128×128 extension logo and a 32×32 icon.png in every task folder', () => {
      assert.deepEqual([decodePng(fs.readFileSync(LOGO_FILE)).width, decodePng(fs.readFileSync(LOGO_FILE)).height], [128, 128]);
      for (const task of listTaskFolders(SOURCE_TASKS_ROOT)) {
        const icon = decodePng(fs.readFileSync(path.join(task.dir, 'icon.png')));
        assert.deepEqual([icon.width, icon.height], [32, 32], task.folder);
      }
    });
  });

  describe('dev variant', () => {
    it('derives UUID v5 as RFC 4122 does', () => {
      assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
    });

    it('keeps each dev task GUID fixed forever (installed dev tasks are found by it)', () => {
      assert.equal(devTaskId('FCB2D13E-8BF8-466D-ABEB-89ADBC6F41E3'), devTaskId('fcb2d13e-8bf8-466d-abeb-89adbc6f41e3'));
      assert.equal(devTaskId('fcb2d13e-8bf8-466d-abeb-89adbc6f41e3'), 'e2322858-dde9-57e5-95ba-6b9358e1fabf');
    });

    it('takes the dev publisher from --publisher when given', () => {
      const base = { id: 'x', publisher: 'p', name: 'X' };
      assert.equal(extensionManifest(base, '1.0.0', [], { dev: true, publisher: 'mine' }).publisher, 'mine');
      assert.equal(extensionManifest(base, '1.0.0', [], { dev: true }).publisher, 'p-dev');
      assert.equal(extensionManifest(base, '1.0.0', [], { dev: false }).publisher, 'p');
    });
  });

  it('stamps Minor and Patch of the extension version into a task, keeping its Major', () => {
    const task = { id: 'fcb2d13e-8bf8-466d-abeb-89adbc6f41e3', friendlyName: 'T', version: { Major: 2, Minor: 0, Patch: 0 } } as TaskJson;
    assert.deepEqual(packagedTaskJson(task, '1.7.12', { dev: false }).version, { Major: 2, Minor: 7, Patch: 12 });
    assert.throws(() => packagedTaskJson(task, '1.7', { dev: false }), ScriptError);
  });

  describe('build of a task folder', () => {
    let tasksRoot: string;
    const taskFile = (name: string) => path.join(tasksRoot, 'ProbeV1', name);
    const taskJson = (target: string) => JSON.stringify({ id: '11111111-2222-3333-4444-555555555555', name: 'Probe', version: { Major: 1 }, execution: { Node20_1: { target } } });
    const build = () => buildTasks({ tasksRoot, outRoot: path.join(tasksRoot, 'out') });

    beforeEach(() => {
      tasksRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-build-test-'));
      fs.mkdirSync(path.join(tasksRoot, 'ProbeV1'));
      fs.writeFileSync(taskFile('index.ts'), 'console.log("probe");\n');
      fs.writeFileSync(taskFile('task.json'), taskJson('index.js'));
      fs.writeFileSync(taskFile('icon.png'), drawIcon('job', 32));
    });
    afterEach(() => fs.rmSync(tasksRoot, { recursive: true, force: true }));

    it('writes index.js beside task.json and icon.png', async () => {
      const [built] = await build();
      assert.deepEqual(fs.readdirSync(built.dir).sort(), ['icon.png', 'index.js', 'task.json']);
    });

    it("runs from its folder alone: task-lib's own messages inside the bundle, the task's loc strings from task.json beside it", async () => {
      fs.writeFileSync(taskFile('task.json'), JSON.stringify({ ...JSON.parse(taskJson('index.js')), messages: { Greeting: 'hello from task.json' } }));
      fs.writeFileSync(taskFile('index.ts'), [
        "import * as path from 'node:path';",
        "import * as tl from 'azure-pipelines-task-lib/task';",
        "tl.setResourcePath(path.join(__dirname, 'task.json'));",
        "console.log(tl.loc('Greeting'));",
        "try { tl.getInput('probeInput', true); } catch (err) { console.log((err as Error).message); }",
      ].join('\n'));
      const [built] = await build();
      const run = spawnSync(process.execPath, [path.join(built.dir, 'index.js')], { cwd: built.dir, env: { PATH: process.env.PATH }, encoding: 'utf8' });
      assert.match(run.stdout, /^hello from task\.json$/m);
      assert.match(run.stdout, /^Input required: probeInput$/m);
    });

    it('fails naming the icon.png a task folder lacks', async () => {
      fs.rmSync(taskFile('icon.png'));
      await assert.rejects(build(), (err: Error) => err instanceof ScriptError && err.message.includes(taskFile('icon.png')));
    });

    it('fails when a handler does not run the bundle', async () => {
      fs.writeFileSync(taskFile('task.json'), taskJson('main.js'));
      await assert.rejects(build(), /execution\.Node20_1\.target is "main\.js"/);
    });

    it('fails when the bundle would still require a package at run time', async () => {
      fs.writeFileSync(taskFile('index.ts'), 'try { require("no-such-package-here"); } catch { /* optional */ }\n');
      await assert.rejects(build(), /would require modules it does not contain: no-such-package-here/);
    });
  });
});
