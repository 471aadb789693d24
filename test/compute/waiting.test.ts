import { strict as assert } from "node:assert";
import * as sinon from "sinon";
import { formatDuration, waitUntil } from "../../tasks/common/compute/waiting";
import { fakeClock } from "./fixtures";

describe("waiting", () => {
  it("polls at growing intervals until done", async () => {
    const clock = fakeClock(0);
    const probe = sinon.stub();
    [1, 2, 3, 4].forEach((value, i) => probe.onCall(i).resolves(value));
    const result = await waitUntil(probe, (v: number) => v === 4, { deadline: 600_000, now: clock.now, sleep: clock.sleep });
    assert.deepEqual(result, { value: 4, timedOut: false });
    assert.deepEqual(clock.sleep.args.map(([ms]) => ms), [2_000, 3_000, 5_000]);
  });

  it("never sleeps past the deadline, probes once more at it, and reports the timeout", async () => {
    const clock = fakeClock(0);
    const probe = sinon.stub().resolves("Resizing");
    const result = await waitUntil(probe, () => false, { deadline: 4_000, now: clock.now, sleep: clock.sleep });
    assert.deepEqual(result, { value: "Resizing", timedOut: true });
    assert.deepEqual(clock.sleep.args.map(([ms]) => ms), [2_000, 2_000]);
    assert.equal(probe.callCount, 3);
  });

  it("gives up at once when cancelled", async () => {
    const controller = new AbortController();
    controller.abort(new Error("Cancelled (SIGINT)"));
    await assert.rejects(waitUntil(async () => 1, () => false, { deadline: Date.now() + 60_000, signal: controller.signal, intervalsMs: [10] }), /Cancelled \(SIGINT\)/);
  });

  it("formats durations for messages", () => {
    assert.deepEqual([formatDuration(45_000), formatDuration(600_000), formatDuration(5_400_000 * 2)], ["45 s", "10 min", "3 h 0 min"]);
  });
});
