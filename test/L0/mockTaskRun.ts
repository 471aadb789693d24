// Runs a task's L0 mock-run file in a child process with task-lib's MockTestRunner, the given environment
// added for that run only.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MockTestRunner } from "azure-pipelines-task-lib/mock-test";
import { createLoopbackCertificate, type LoopbackCertificate } from "../common/loopbackTls";

export interface LoopbackFiles {
  /** The certificate's temporary folder (removed after the suite). */
  readonly dir: string;
  /** L0_CERT_FILE and L0_KEY_FILE for the mock-run file's fake cloud. */
  env(): Record<string, string>;
}

/** A loopback TLS certificate and key file for the suite's fake cloud: created before it, removed after it. */
export function useLoopbackCertificate(): LoopbackFiles {
  let certificate: LoopbackCertificate;
  before(() => {
    certificate = createLoopbackCertificate();
    fs.writeFileSync(path.join(certificate.dir, "key.pem"), certificate.keyPem, { mode: 0o600 });
  });
  after(() => fs.rmSync(certificate.dir, { recursive: true, force: true }));
  return {
    get dir() {
      return certificate.dir;
    },
    env: () => ({ L0_CERT_FILE: certificate.certFile, L0_KEY_FILE: path.join(certificate.dir, "key.pem") }),
  };
}

export async function runMockTask(mockRunFile: string, taskJsonPath: string, env: Record<string, string>): Promise<MockTestRunner> {
  // MockTestRunner spawns `node <file>` with this process's environment: tsx compiles the TypeScript on the fly,
  // and a proxy of the CI environment must not capture the loopback fake cloud (the tasks honour HTTPS_PROXY).
  // task-lib keeps the inputs in a vault whose key file (.taskkey) it writes to agent.TempDirectory, else to the
  // working directory: runs in parallel (mocha --parallel) must not share one, or one run reads the others' key.
  const tempDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "l0-agent-temp-"));
  const runEnv: Record<string, string> = { HTTPS_PROXY: "", https_proxy: "", HTTP_PROXY: "", http_proxy: "", NODE_OPTIONS: `--require ${require.resolve("tsx/cjs")}`, AGENT_TEMPDIRECTORY: tempDirectory, ...env };
  const saved = Object.fromEntries(Object.keys(runEnv).map((key) => [key, process.env[key]]));
  Object.assign(process.env, runEnv);
  try {
    const runner = new MockTestRunner(mockRunFile, taskJsonPath);
    // Without it MockTestRunner downloads Node.
    runner.nodePath = process.execPath;
    await runner.runAsync();
    return runner;
  } finally {
    fs.rmSync(tempDirectory, { recursive: true, force: true });
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export interface InputFailureCase {
  title: string;
  inputs: Record<string, string>;
  message: RegExp;
}

/**
 * One test per case: the task (its folder under tasks/) run with those inputs fails with the message, without
 * a stack trace and before it sets `outputVariable` (it stopped at its inputs).
 */
export function itFailsOnInputs(taskFolder: string, cases: InputFailureCase[], outputVariable: string): void {
  const taskJsonPath = path.join(__dirname, "..", "..", "tasks", taskFolder, "task.json");
  for (const { title, inputs, message } of cases) {
    it(`fails clearly on ${title}`, async () => {
      const runner = await runMockTask(path.join(__dirname, "inputsMockRun.ts"), taskJsonPath, { L0_TASK: taskFolder, L0_INPUTS: JSON.stringify(inputs) });
      assert.equal(runner.failed, true, runner.stdout);
      assert.match(runner.stdout, message);
      assert.doesNotMatch(runner.stdout, /\n\s+at .+:\d+:\d+\)?/, "no stack trace");
      assert.doesNotMatch(runner.stdout, new RegExp(`##vso\\[task\\.setvariable variable=${outputVariable}`));
    });
  }
}
