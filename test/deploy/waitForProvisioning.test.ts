import { strict as assert } from "node:assert";
import { ArmRequestError } from "../../tasks/common/azure/armErrors";
import { waitForProvisioning } from "../../tasks/common/deploy/waitForProvisioning";
import { armReadDelayMs, MAX_ARM_READS_PER_MINUTE, READINESS_PROBE_INTERVAL_MS } from "../../tasks/common/deploy/waitSchedule";
import { fakeClock } from "./fakes";

/** A resource whose state follows the clock: Creating until `readyAt`, then `final`. */
function service(clock: { now: () => number }, readyAt: number, final = "Succeeded") {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    read: async () => {
      reads++;
      return { resource: { name: "blue" }, state: clock.now() >= readyAt ? final : "Creating" };
    },
    probe: async () => clock.now() >= readyAt,
  };
}

describe("deploy: waiting for provisioning", () => {
  it("prints each state change once and ends at a terminal state", async () => {
    const clock = fakeClock();
    const svc = service(clock, 25_000);
    const log: string[] = [];
    const outcome = await waitForProvisioning({ what: "Deployment 'blue'", read: svc.read, log: (m) => log.push(m), now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.state, "Succeeded");
    assert.equal(outcome.ended, "terminal");
    assert.deepEqual(log, ["Deployment 'blue': provisioning state Creating", "Deployment 'blue': provisioning state Succeeded"]);
  });

  it("notices readiness within the probe interval while staying within 12 ARM reads a minute", async () => {
    const clock = fakeClock();
    const readyAt = 47_300;
    const svc = service(clock, readyAt);
    const outcome = await waitForProvisioning({ what: "d", read: svc.read, probe: svc.probe, log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.state, "Succeeded");
    assert.ok(clock.now() - readyAt <= READINESS_PROBE_INTERVAL_MS, `noticed ${clock.now() - readyAt} ms after`);
    assert.ok(outcome.armReads / (clock.now() / 60_000) <= MAX_ARM_READS_PER_MINUTE, `${outcome.armReads} reads in ${clock.now()} ms`);
  });

  it("a long wait costs at most 12 ARM reads a minute, fewer later", () => {
    let reads = 0;
    for (let t = 0; t < 600_000; t += armReadDelayMs(t)) reads++;
    assert.ok(reads <= MAX_ARM_READS_PER_MINUTE * 10 / 2, `${reads} scheduled reads in 10 minutes`);
  });

  it("stops at the timeout with the last state", async () => {
    const clock = fakeClock();
    const svc = service(clock, Number.POSITIVE_INFINITY);
    const outcome = await waitForProvisioning({ what: "d", read: svc.read, timeoutMs: 30_000, log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.ended, "timedOut");
    assert.equal(outcome.state, "Creating");
  });

  it("stops cleanly when cancelled, with the last state", async () => {
    const clock = fakeClock();
    const svc = service(clock, Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const sleep = async (ms: number) => {
      clock.advance(ms);
      if (clock.now() > 20_000) controller.abort();
    };
    const outcome = await waitForProvisioning({ what: "d", read: svc.read, signal: controller.signal, log: () => undefined, now: clock.now, sleep });
    assert.equal(outcome.ended, "cancelled");
    assert.equal(outcome.state, "Creating");
  });

  it("rides out a throttled read and fails on a resource that disappears", async () => {
    const clock = fakeClock();
    let call = 0;
    const throttled = new ArmRequestError({ status: 429, code: "TooManyRequests", message: "HTTP 429", details: [] });
    const read = async () => {
      call++;
      if (call === 1) throw throttled;
      return {};
    };
    const log: string[] = [];
    await assert.rejects(waitForProvisioning({ what: "Deployment 'blue'", read, log: (m) => log.push(m), now: clock.now, sleep: clock.sleep }), /Deployment 'blue' no longer exists/);
    assert.match(log.join("\n"), /retrying in \d+ s/);
  });
});
