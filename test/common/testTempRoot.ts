// Mocha global fixtures (loaded through .mocharc's "require"): every temporary folder a test run makes (the
// tests', and those of the tasks, emulators and runners they start) goes under one folder, removed when the run
// ends. Without it each `npm test` left tens of thousands of folders in the system's temp directory.
// KEEP_TEST_TEMP=1 (or true) keeps the folder to look into after a failure; the run prints where it is.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let root: string | undefined;

export function mochaGlobalSetup(): void {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-tests-'));
  // os.tmpdir() reads these on every call, and the worker and child processes started after this inherit them.
  for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = root;
}

export function mochaGlobalTeardown(): void {
  if (!root) return;
  if (/^(1|true|yes)$/i.test(process.env.KEEP_TEST_TEMP ?? '')) {
    console.log(`Temporary files of this run kept in ${root}`);
    return;
  }
  try {
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    // A file still held open (Windows) must not turn a run whose tests all passed into a failed one.
    console.warn(`Could not remove this run's temporary folder ${root}: ${(error as Error).message}`);
  }
}
