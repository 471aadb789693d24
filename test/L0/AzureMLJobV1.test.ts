// L0 tests of AzureMLJob@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner. Only offline scenarios (dry run, input errors) run here; submission, waiting and
// cancellation run against the emulator in test/job/job.e2e.test.ts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MockTestRunner } from "azure-pipelines-task-lib/mock-test";
import { runMockTask } from "./mockTaskRun";

const taskJsonPath = path.join(__dirname, "..", "..", "tasks", "AzureMLJobV1", "task.json");

describe("AzureMLJob@1 (L0)", function () {
  this.timeout(60_000);
  let projectDir: string;

  before(() => {
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "l0-job-"));
    fs.mkdirSync(path.join(projectDir, "src"));
    fs.writeFileSync(path.join(projectDir, "src", "train.py"), "print('hi')\n");
    fs.writeFileSync(path.join(projectDir, "job.yml"), ["command: python train.py --lr ${{inputs.learning_rate}}", "code: src", "inputs:", "  learning_rate: 0.1", "environment: azureml:sklearn:1", "compute: azureml:cpu-cluster", ""].join("\n"));
  });
  after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

  const run = (scenario: string): Promise<MockTestRunner> =>
    runMockTask(path.join(__dirname, "AzureMLJobV1", "mockRun.ts"), taskJsonPath, { L0_SCENARIO: scenario, L0_PROJECT_DIR: projectDir });

  const output = (runner: MockTestRunner, name: string): string | undefined =>
    new RegExp(`##vso\\[task\\.setvariable variable=${name};isOutput=true;issecret=false;\\]([^\\r\\n]*)`).exec(runner.stdout)?.[1];

  // The schema itself is checked for every task by test/build/taskJson.test.ts.
  it("task.json declares the inputs and outputs of issue 6, each input with help", () => {
    const task = JSON.parse(fs.readFileSync(taskJsonPath, "utf8"));
    assert.deepEqual(task.outputVariables.map((o: { name: string }) => o.name), ["jobName", "jobStatus", "studioUrl", "metrics"]);
    for (const input of task.inputs) assert.ok(input.helpMarkDown, `input ${input.name} has no helpMarkDown`);
    assert.deepEqual(
      task.inputs.map((i: { name: string }) => i.name),
      ["azureSubscription", "resourceGroupName", "workspaceName", "jobFile", "overrides", "experimentName", "jobName", "displayName", "tags", "wait", "streamLogs", "timeoutMinutes", "stalledMinutes", "cancelJobOnStop", "failOnJobFailure", "dryRun"],
    );
  });

  it("dry run prints the job body with overrides and the derived name, offline", async () => {
    const runner = await run("dryRun");
    assert.equal(runner.succeeded, true, runner.stdout + runner.stderr);
    assert.match(runner.stdout, /Dry run: nothing is uploaded or submitted/);
    assert.match(runner.stdout, /"value": "0.5"/);
    assert.match(output(runner, "jobName") ?? "", /^nightly_77_train_a2_[0-9a-f]{12}$/);
    assert.equal(output(runner, "jobStatus"), "NotSubmitted");
    assert.ok(!runner.stdout.split(/\r?\n/).some((line) => line.includes("L0-secret-value") && !line.startsWith("##vso[task.setsecret]")), "secret printed");
  });

  it("fails with the override line for a malformed override, without a stack trace", async () => {
    const runner = await run("badOverride");
    assert.equal(runner.failed, true);
    assert.match(runner.stdout, /##vso\[task\.complete result=Failed;\].*overrides line 1/);
    assert.doesNotMatch(runner.stdout, /\n\s+at .*\.ts:\d+/);
  });

  it("fails a boolean input that is not true/false (dryRun: yes) before anything is sent, naming input and value", async () => {
    const runner = await run("dryRunYes");
    assert.equal(runner.failed, true);
    assert.match(runner.stdout, /##vso\[task\.complete result=Failed;\]Input dryRun: 'yes' is not a boolean/);
    assert.doesNotMatch(runner.stdout, /Dry run|Submitting|token/i);
  });
});
