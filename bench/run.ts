// `npm run bench` (not a test): the .vsix size, each task's bundle beside its unbundled sources, and process
// start to first HTTP request of each bundled task beside the same task unbundled, code and model upload
// throughput beside a plain storage SDK upload, measured in this run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTasks, BuiltTask, BUNDLE_FILE } from '../scripts/build';
import { packageExtension } from '../scripts/package';
import { runScript } from '../scripts/cli';
import { REPO_ROOT, readTaskJson } from '../scripts/taskFolders';
import { median, startToFirstRequest } from './firstRequest';
import { benchmarkDeployWait } from './deployWait';
import { benchmarkJobWait } from './jobWait';
import { benchmarkUpload } from './upload';
import { benchmarkRolloutDecisions } from './rolloutDecisions';
import { taskEnvironment } from './taskEnvironment';
import { benchmarkYamlParse } from './yamlParse';

const VSIX_TARGET_BYTES = 3 * 1024 * 1024;
const START_RATIO_TARGET = 0.7;
const RUNS = 7;
// Inside the repo, so the unbundled tasks resolve node_modules as an unbundled task would.
const UNBUNDLED_ROOT = path.join(REPO_ROOT, 'build', 'bench-unbundled');

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');

async function measureStart(task: BuiltTask, unbundledDir: string, workDir: string): Promise<void> {
  const env = taskEnvironment(readTaskJson(task.dir) as never, workDir);
  fs.mkdirSync(env.AGENT_TEMPDIRECTORY, { recursive: true });
  const variants = { bundled: path.join(task.dir, BUNDLE_FILE), unbundled: path.join(unbundledDir, BUNDLE_FILE) };
  const times: Record<keyof typeof variants, number[]> = { bundled: [], unbundled: [] };
  const hosts = new Set<string>();
  // One warm-up run each (file cache), then alternate so drift on the machine affects both alike.
  for (let run = -1; run < RUNS; run++) {
    for (const variant of ['bundled', 'unbundled'] as const) {
      const result = await startToFirstRequest(variants[variant], env, workDir);
      if ('failure' in result) {
        console.log(`  start → first request: ${variant} ${result.failure}`);
        return;
      }
      if (run >= 0) times[variant].push(result.ms);
      hosts.add(result.host);
    }
  }
  const bundled = median(times.bundled), unbundled = median(times.unbundled), ratio = bundled / unbundled;
  console.log(`  start → first request: bundled ${bundled.toFixed(0)} ms, unbundled ${unbundled.toFixed(0)} ms (medians of ${RUNS}; first request to ${[...hosts].join(', ')}), ratio ${ratio.toFixed(2)}; target ≤ ${START_RATIO_TARGET}: ${verdict(ratio <= START_RATIO_TARGET)}`);
}

runScript(async () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-bench-'));
  try {
    const bundled = await buildTasks();
    const unbundled = await buildTasks({ outRoot: UNBUNDLED_ROOT, externalPackages: true });
    const { vsixPath } = await packageExtension({ outDir: workDir });
    const vsixBytes = fs.statSync(vsixPath).size;
    console.log(`node ${process.version}, ${os.cpus().length} CPU(s)`);
    console.log(`.vsix: ${mib(vsixBytes)} with ${bundled.length} tasks; target ≤ ${mib(VSIX_TARGET_BYTES)}: ${verdict(vsixBytes <= VSIX_TARGET_BYTES)}`);
    for (const task of bundled) {
      const ownCode = unbundled.find((u) => u.folder === task.folder)!;
      console.log(`${task.folder}`);
      if (!fs.existsSync(path.join(task.dir, BUNDLE_FILE))) {
        console.log('  a server task (task.json and icon only; the Azure DevOps server runs it): no bundle, no process');
        continue;
      }
      console.log(`  bundle: ${kib(task.bundleBytes)} (one file); unbundled: ${kib(task.sourceBytes)} in ${task.sourceFiles} files (own code ${kib(ownCode.bundleBytes)} + node_modules); ratio ${(task.bundleBytes / task.sourceBytes).toFixed(2)}`);
      await measureStart(task, ownCode.dir, workDir);
    }
    await benchmarkUpload(workDir);
    benchmarkYamlParse(workDir);
    await benchmarkJobWait(workDir);
    await benchmarkDeployWait(workDir);
    await benchmarkRolloutDecisions();
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.rmSync(UNBUNDLED_ROOT, { recursive: true, force: true });
  }
});
