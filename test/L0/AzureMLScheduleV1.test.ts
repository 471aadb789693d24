// L0 tests of AzureMLSchedule@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner, talking HTTPS to a loopback fake cloud. Nothing leaves 127.0.0.1.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MockTestRunner } from "azure-pipelines-task-lib/mock-test";
import { runMockTask, useLoopbackCertificate } from "./mockTaskRun";

const taskJsonPath = path.join(__dirname, "..", "..", "tasks", "AzureMLScheduleV1", "task.json");
const existingJobSchedule = path.join(__dirname, "..", "fixtures", "authored-schedules", "existing-job-schedule.yml");

describe("AzureMLSchedule@1 (L0)", function () {
  this.timeout(60_000);
  const tls = useLoopbackCertificate();

  const run = (inputs: Record<string, string>, existing?: unknown): Promise<MockTestRunner> =>
    runMockTask(path.join(__dirname, "AzureMLScheduleV1", "mockRun.ts"), taskJsonPath, { L0_INPUTS: JSON.stringify(inputs), L0_EXISTING: existing ? JSON.stringify(existing) : "", ...tls.env() });

  const outputs = (runner: MockTestRunner): Record<string, string> =>
    Object.fromEntries([...runner.stdout.matchAll(/##vso\[task\.setvariable variable=(\w+);isOutput=true;issecret=false;\]([^\r\n]*)/g)].map((m) => [m[1], m[2]]));
  const puts = (runner: MockTestRunner): Array<{ properties: Record<string, unknown> }> => [...runner.stdout.matchAll(/^L0 PUT (.*)$/gm)].map((m) => JSON.parse(m[1]));

  it("creates a schedule from the file and outputs its next run times", async () => {
    const runner = await run({ scheduleFile: existingJobSchedule, nextRunCount: "3" });
    assert.equal(runner.succeeded, true, runner.stdout + runner.stderr);
    const [body] = puts(runner);
    assert.deepEqual(body.properties.trigger, { timeZone: "UTC", triggerType: "Cron", expression: "30 2 * * MON-FRI" });
    assert.equal(body.properties.isEnabled, true);
    assert.match(String((body.properties.action as { jobDefinition: { sourceJobId: string } }).jobDefinition.sourceJobId), /\/workspaces\/mlws\/jobs\/simple-pipeline-job$/);
    const out = outputs(runner);
    assert.equal(out.scheduleName, "nightly-rerun");
    assert.equal(out.isEnabled, "true");
    const times = out.nextRunTimes.split(",");
    assert.equal(times.length, 3);
    for (const t of times) {
      const date = new Date(t);
      assert.equal(date.getUTCHours() * 60 + date.getUTCMinutes(), 150, t);
      assert.ok(date.getUTCDay() >= 1 && date.getUTCDay() <= 5, t);
      assert.ok(date.getTime() >= Date.now() - 60_000, t);
    }
    assert.ok(runner.succeeded && /Schedule 'nightly-rerun' created: existing job 'simple-pipeline-job'/.test(runner.stdout), runner.stdout);
  });

  it("sends nothing when Azure ML already holds the same schedule, and says so", async () => {
    const first = await run({ scheduleFile: existingJobSchedule });
    const [body] = puts(first);
    // As the service returns it: enums in its own case, read-only fields added.
    const held = { name: "nightly-rerun", properties: { ...body.properties, provisioningState: "Succeeded", trigger: { ...(body.properties.trigger as object), triggerType: "cron", endTime: null } } };
    const again = await run({ scheduleFile: existingJobSchedule }, held);
    assert.equal(again.succeeded, true, again.stdout);
    assert.deepEqual(puts(again), []);
    assert.match(again.stdout, /Schedule 'nightly-rerun' is unchanged/);
    const changed = await run({ scheduleFile: existingJobSchedule, tags: "owner=mlops" }, held);
    assert.equal(puts(changed).length, 1);
    assert.match(changed.stdout, /Schedule 'nightly-rerun' updated/);
  });

  it("disables a schedule by writing it back with isEnabled false", async () => {
    const held = { name: "nightly-rerun", properties: { displayName: "Nightly", tags: {}, properties: {}, isEnabled: true, provisioningState: "Succeeded", trigger: { triggerType: "Cron", expression: "0 3 * * *", timeZone: "UTC" }, action: { actionType: "CreateJob", jobDefinition: { jobType: "Pipeline", sourceJobId: "x" } } } };
    const runner = await run({ action: "disable", scheduleName: "nightly-rerun" }, held);
    assert.equal(runner.succeeded, true, runner.stdout);
    const [body] = puts(runner);
    assert.deepEqual(body, { properties: { displayName: "Nightly", tags: {}, properties: {}, isEnabled: false, trigger: held.properties.trigger, action: held.properties.action } });
    assert.deepEqual(outputs(runner), { scheduleName: "nightly-rerun", isEnabled: "false", nextRunTimes: "" });
  });

  it("dry run prints the body and changes nothing", async () => {
    const runner = await run({ scheduleFile: existingJobSchedule, dryRun: "true", enabled: "false" });
    assert.equal(runner.succeeded, true, runner.stdout);
    assert.deepEqual(puts(runner), []);
    assert.match(runner.stdout, /PUT \/subscriptions\/.*\/schedules\/nightly-rerun\?api-version=2023-04-01/);
    assert.match(runner.stdout, /"isEnabled": false/);
  });

  it("fails on a bad cron expression naming the file and line, without a stack trace", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l0-schedule-"));
    const file = path.join(dir, "bad.yml");
    fs.writeFileSync(file, "name: bad\ntrigger:\n  type: cron\n  expression: \"0 25 * * *\"\ncreate_job: azureml:some-job\n");
    try {
      const runner = await run({ scheduleFile: file });
      assert.equal(runner.failed, true);
      assert.match(runner.stdout, /bad\.yml:4:15: cron expression '0 25 \* \* \*' hour field '25': 25 is outside 0-23/);
      assert.doesNotMatch(runner.stdout + runner.stderr, /\n\s+at .+:\d+:\d+/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("requires scheduleName for the actions on an existing schedule", async () => {
    const runner = await run({ action: "show" });
    assert.equal(runner.failed, true);
    assert.ok(runner.createdErrorIssue("Input scheduleName is required for action show: the name of the schedule in the workspace."), runner.stdout);
  });
});
