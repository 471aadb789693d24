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
    // A wait shorter than a minute counts as a minute.
    assert.ok(outcome.armReads <= MAX_ARM_READS_PER_MINUTE * Math.max(1, clock.now() / 60_000), `${outcome.armReads} reads in ${clock.now()} ms`);
  });

  it("schedules at most 12 ARM reads in any first minute, and fewer later", () => {
    const readTimes: number[] = [];
    for (let t = 0; t < 600_000; t += armReadDelayMs(t)) readTimes.push(t);
    assert.ok(readTimes.filter((t) => t < 60_000).length <= MAX_ARM_READS_PER_MINUTE, String(readTimes.slice(0, 15)));
    assert.ok(readTimes.filter((t) => t >= 300_000).length <= 15, "20 s apart after five minutes");
  });

  it("keeps early reads within the budget when the probe runs ahead of ARM", async () => {
    const clock = fakeClock();
    // The probe says ready at once, but ARM reports Succeeded only after 50 s.
    const svc = service(clock, 100_000);
    const outcome = await waitForProvisioning({ what: "d", read: svc.read, probe: async () => true, log: () => undefined, now: clock.now, sleep: clock.sleep });
    assert.equal(outcome.state, "Succeeded");
    assert.ok(outcome.armReads <= MAX_ARM_READS_PER_MINUTE * (clock.now() / 60_000), `${outcome.armReads} reads in ${clock.now()} ms`);
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
