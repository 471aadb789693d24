import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { EventEmitter } from "node:events";
import * as sinon from "sinon";
import { installCancellationHandlers } from "../../tasks/common/platform/cancellation";
import { maskSecret } from "../../tasks/common/platform/secrets";
import { runTask } from "../../tasks/common/platform/taskRunner";
import { UserError } from "../../tasks/common/platform/userError";
import { fakeHost } from "../common/fakes";

describe("cancellation", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => {
    clock.restore();
    sinon.restore();
  });

  it("SIGINT aborts in-flight work and runs cleanup hooks, latest first, then exits 130", async () => {
    const signals = new EventEmitter();
    const exit = sinon.stub();
    const order: string[] = [];
    const cancellation = installCancellationHandlers({ signals, exit, log: () => undefined });
    cancellation.onCancel(async () => void order.push("cancel job"));
    cancellation.onCancel(async () => void order.push("restore traffic"));
    const unregistered = cancellation.onCancel(() => void order.push("never"));
    unregistered();
    signals.emit("SIGINT", "SIGINT");
    assert.equal(cancellation.signal.aborted, true);
    await clock.runAllAsync();
    assert.deepEqual(order, ["restore traffic", "cancel job"]);
    sinon.assert.calledOnceWithExactly(exit, 130);
  });

  it("a hook that hangs is cut off at the deadline; SIGTERM after SIGINT shortens it", async () => {
    const signals = new EventEmitter();
    const exit = sinon.stub();
    const cancellation = installCancellationHandlers({ signals, exit, log: () => undefined, afterInterruptMs: 6_500, afterTerminateMs: 2_000 });
    let deadlineSeen: AbortSignal | undefined;
    cancellation.onCancel((deadline) => {
      deadlineSeen = deadline;
      return new Promise(() => undefined);
    });
    signals.emit("SIGINT", "SIGINT");
    await clock.tickAsync(1_000);
    sinon.assert.notCalled(exit);
    signals.emit("SIGTERM", "SIGTERM");
    await clock.tickAsync(1_999);
    sinon.assert.notCalled(exit);
    await clock.tickAsync(1);
    assert.equal(deadlineSeen?.aborted, true);
    sinon.assert.calledOnceWithExactly(exit, 143);
  });

  it("a SIGTERM close to the SIGINT deadline does not extend it", async () => {
    const signals = new EventEmitter();
    const exit = sinon.stub();
    const cancellation = installCancellationHandlers({ signals, exit, log: () => undefined, afterInterruptMs: 6_500, afterTerminateMs: 2_000 });
    cancellation.onCancel(() => new Promise(() => undefined));
    signals.emit("SIGINT", "SIGINT");
    await clock.tickAsync(6_000);
    signals.emit("SIGTERM", "SIGTERM");
    await clock.tickAsync(500);
    sinon.assert.calledOnceWithExactly(exit, 143);
  });

  it("dispose keeps the handlers while a cancellation is cleaning up", () => {
    const signals = new EventEmitter();
    const cancellation = installCancellationHandlers({ signals, exit: () => undefined, log: () => undefined });
    cancellation.onCancel(() => new Promise(() => undefined));
    signals.emit("SIGINT", "SIGINT");
    cancellation.dispose();
    assert.equal(signals.listenerCount("SIGTERM"), 1);
  });

  it("dispose removes the signal handlers", () => {
    const signals = new EventEmitter();
    installCancellationHandlers({ signals, exit: () => undefined }).dispose();
    assert.equal(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM"), 0);
  });
});

describe("task runner", () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it("fails a user error with its message alone, no stack trace", async () => {
    const host = fakeHost();
    await runTask(host, async () => {
      throw new UserError("Input required: workspaceName");
    });
    sinon.assert.calledOnceWithExactly(host.setResult, "Failed", "Input required: workspaceName");
    sinon.assert.notCalled(host.debug);
    assert.equal(process.exitCode, 1);
  });

  it("keeps the stack of an unexpected error for debug logs only, and runs deferred cleanup", async () => {
    const host = fakeHost();
    const cleanup = sinon.stub();
    await runTask(host, async ({ defer }) => {
      defer(cleanup);
      throw new TypeError("x is undefined");
    });
    sinon.assert.calledOnceWithExactly(host.setResult, "Failed", "x is undefined");
    assert.match(host.debug.firstCall.args[0], /TypeError: x is undefined\n\s+at /);
    sinon.assert.calledOnce(cleanup);
  });
});

describe("task runner under the agent's signals", function () {
  this.timeout(30_000);

  it("keeps handling signals until the cancellation hooks finish: SIGTERM during cleanup shortens the deadline, then Cancelled", async () => {
    const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), path.join(__dirname, "fixtures", "slowCleanupTask.ts")], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    // The hook's start or the child's end, whichever comes first: a child that ends early fails the assertions
    // below with its output, instead of leaving the test to its timeout.
    const hookStarted = await Promise.race([
      new Promise<boolean>((resolve) =>
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("waiting for the job") && !child.killed) {
            child.kill("SIGINT");
          }
          if (stdout.includes("cancel hook started")) resolve(true);
        }),
      ),
      exited.then(() => false),
    ]);
    assert.ok(hookStarted, `the task ended before its cancel hook started:\n${stdout}`);
    child.kill("SIGTERM");
    const { code, signal } = await exited;
    assert.equal(signal, null, stdout);
    assert.equal(code, 143, stdout);
    assert.match(stdout, /Received SIGINT: the run was cancelled/);
    assert.match(stdout, /Received SIGTERM during cleanup; finishing within 2\.0 s/);
    const lines = stdout.trim().split("\n");
    assert.deepEqual(lines.slice(-4), ["cancel hook reached its deadline", "Cleanup did not finish before the agent's deadline.", "deferred cleanup ran", "result: Cancelled: The task was cancelled."]);
  });
});

describe("secret masking", () => {
  it("masks single-line secrets whole and PEM blobs per line, skipping armour", () => {
    const host = fakeHost();
    maskSecret(host, "abc");
    maskSecret(host, "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nAgEAz\n-----END PRIVATE KEY-----\n");
    maskSecret(host, undefined);
    assert.deepEqual(host.setSecret.getCalls().map((call) => call.args[0]), ["abc", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"]);
  });
});
