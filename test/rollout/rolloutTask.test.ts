import * as assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import { installCancellationHandlers } from "../../tasks/common/platform/cancellation";
import { readRolloutInputs } from "../../tasks/common/rollout/inputs";
import { runRolloutOnPort } from "../../tasks/common/rollout/rolloutTask";
import { fakeHost } from "../common/fakes";
import { FakeEndpoint } from "./fakePort";

const INPUTS = { azureSubscription: "conn", resourceGroupName: "rg", workspaceName: "ws", endpointName: "churn", deploymentName: "green", steps: "10 for 10m; 50 for 10m; 100", maxErrorRate: "5" };
const outputs = (host: ReturnType<typeof fakeHost>) => Object.fromEntries(host.setVariable.getCalls().map((c) => [c.args[0], c.args[1]]));

describe("rollout: the task on a port", () => {
  let temp: string;
  beforeEach(() => (temp = fs.mkdtempSync(`${os.tmpdir()}/rollout-task-`)));
  afterEach(() => fs.rmSync(temp, { recursive: true, force: true }));

  it("promotes and publishes result, finalTraffic, stepVerdicts and the summary", async () => {
    const host = fakeHost({ inputs: INPUTS, variables: { "Agent.TempDirectory": temp } });
    const fake = new FakeEndpoint({ traffic: { blue: 100 } });
    const signals = new EventEmitter();
    const cancellation = installCancellationHandlers({ signals, exit: () => undefined, log: () => undefined });
    await runRolloutOnPort(host, fake, readRolloutInputs(host), cancellation);
    cancellation.dispose();
    const out = outputs(host);
    assert.equal(out.result, "promoted");
    assert.deepEqual(JSON.parse(out.finalTraffic), { green: 100 });
    assert.deepEqual(JSON.parse(out.stepVerdicts).map((s: { verdict: string }) => s.verdict), ["pass", "pass", "applied"]);
    assert.deepEqual(host.setResult.lastCall.args, ["Succeeded", "Deployment 'green' takes all live traffic"]);
    assert.match(fs.readFileSync(host.uploadSummary.lastCall.args[0], "utf8"), /### Rollout of green on churn: promoted/);
  });

  it("after a promotion hands afterPromotion the deployments that served live traffic before, not after a rollback", async () => {
    for (const [bad, expected] of [[false, [["blue", "red"]]], [true, []]] as const) {
      const host = fakeHost({ inputs: { ...INPUTS, afterPromotion: "delete" }, variables: { "Agent.TempDirectory": temp } });
      const fake = new FakeEndpoint({ traffic: { blue: 70, red: 30 }, mirror: { shadow: 10 }, deployments: ["blue", "red", "shadow", "green"], behaviour: bad ? { green: { errorRate: 0.5, p95Ms: 100 } } : {} });
      const cancellation = installCancellationHandlers({ signals: new EventEmitter(), exit: () => undefined, log: () => undefined });
      const retired: string[][] = [];
      await runRolloutOnPort(host, fake, readRolloutInputs(host), cancellation, async (previous) => retired.push(previous));
      cancellation.dispose();
      assert.deepEqual(retired, expected);
    }
  });

  it("on SIGINT mid-step restores the snapshot within the cleanup window and publishes rolledBack", async () => {
    const host = fakeHost({ inputs: INPUTS, variables: { "Agent.TempDirectory": temp } });
    const fake = new FakeEndpoint({ traffic: { blue: 70, red: 30 }, deployments: ["blue", "red", "green"] });
    const signals = new EventEmitter();
    let exited: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (exited = resolve));
    const cancellation = installCancellationHandlers({ signals, exit: (code) => exited(code), log: () => undefined });
    let interrupted = false;
    fake.onTick = () => {
      if (interrupted || fake.state().traffic.green !== 50) return;
      interrupted = true;
      signals.emit("SIGINT", "SIGINT"); // as process does: the signal name is the argument
    };
    await runRolloutOnPort(host, fake, readRolloutInputs(host), cancellation);
    assert.equal(await exitCode, 130);
    assert.deepEqual(fake.state(), { traffic: { blue: 70, red: 30 }, mirror: {} });
    const out = outputs(host);
    assert.equal(out.result, "rolledBack");
    assert.deepEqual(JSON.parse(out.finalTraffic), { blue: 70, red: 30 });
    assert.match(host.setResult.lastCall.args[1], /^The task was cancelled; traffic restored to blue 70%, red 30%/);
    cancellation.dispose();
  });

  it("fails the task on a rollback it was not asked for", async () => {
    const host = fakeHost({ inputs: INPUTS, variables: { "Agent.TempDirectory": temp } });
    const fake = new FakeEndpoint({ traffic: { blue: 100 }, behaviour: { green: { errorRate: 0.3, p95Ms: 100 } } });
    const cancellation = installCancellationHandlers({ signals: new EventEmitter(), exit: () => undefined, log: () => undefined });
    await runRolloutOnPort(host, fake, readRolloutInputs(host), cancellation);
    cancellation.dispose();
    assert.equal(outputs(host).result, "rolledBack");
    assert.equal(host.setResult.lastCall.args[0], "Failed");
  });
});
