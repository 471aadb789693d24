// L0 tests of AzureMLBatchScore@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner (tr.nodePath = process.execPath, in runMockTask). Only offline scenarios (input errors) run here;
// the invocation, wait and cancel are unit-tested in test/batchScore and run against the emulator in
// test/batchScore/batchPipeline.e2e.test.ts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MockTestRunner } from "azure-pipelines-task-lib/mock-test";
import { runMockTask } from "./mockTaskRun";

const taskJsonPath = path.join(__dirname, "..", "..", "tasks", "AzureMLBatchScoreV1", "task.json");

describe("AzureMLBatchScore@1 (L0)", function () {
  this.timeout(60_000);
  let projectDir: string;
  before(() => (projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "l0-batchscore-"))));
  after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

  const run = (scenario: string): Promise<MockTestRunner> =>
    runMockTask(path.join(__dirname, "AzureMLBatchScoreV1", "mockRun.ts"), taskJsonPath, { L0_SCENARIO: scenario, L0_PROJECT_DIR: projectDir });

  /** The step failed with this message, with no stack trace, no secret, and before any request was sent. */
  function failedOffline(runner: MockTestRunner, message: RegExp): void {
    assert.equal(runner.failed, true, runner.stdout + runner.stderr);
    const result = /##vso\[task\.complete result=Failed;\]([^\r\n]*)/.exec(runner.stdout)?.[1] ?? "";
    assert.match(result, message);
    assert.doesNotMatch(runner.stdout, /\n\s+at .*\.ts:\d+/);
    assert.doesNotMatch(runner.stdout, /Invoking batch endpoint/);
    assert.ok(!runner.stdout.split(/\r?\n/).some((line) => line.includes("L0-secret-value") && !line.startsWith("##vso[task.setsecret]")), "secret printed");
  }

  it("task.json declares the outputs of issue 17 and help for every input", () => {
    const task = JSON.parse(fs.readFileSync(taskJsonPath, "utf8"));
    assert.deepEqual(task.outputVariables.map((o: { name: string }) => o.name), ["jobName", "jobStatus", "outputLocation", "studioUrl"]);
    for (const input of task.inputs) assert.ok(input.helpMarkDown, `input ${input.name} has no helpMarkDown`);
    // The same waiting inputs, with the same defaults, as AzureMLJob@1: one wait, one behaviour.
    const jobTask = JSON.parse(fs.readFileSync(path.join(taskJsonPath, "..", "..", "AzureMLJobV1", "task.json"), "utf8"));
    const waiting = (t: { inputs: Array<{ name: string; defaultValue?: string }> }) =>
      t.inputs.filter((i) => ["wait", "streamLogs", "timeoutMinutes", "stalledMinutes", "cancelJobOnStop", "failOnJobFailure"].includes(i.name)).map((i) => [i.name, i.defaultValue]);
    assert.deepEqual(waiting(task), waiting(jobTask));
  });

  it("fails an output path that is not a datastore URI, naming the input", async () => {
    failedOffline(await run("badOutputPath"), /Input outputPath: 'results\/today' is not a datastore path/);
  });

  it("fails a boolean input that is not true/false (wait: yes), naming input and value", async () => {
    failedOffline(await run("waitYes"), /Input wait: 'yes' is not a boolean/);
  });

  it("fails an input type outside its options", async () => {
    failedOffline(await run("badInputType"), /inputType.*mltable/);
  });

  it("fails when both a single input and named inputs are given", async () => {
    failedOffline(await run("inputAndInputs"), /Inputs input and inputs: give either one input \(input\) or named inputs \(inputs\)/);
  });
});
