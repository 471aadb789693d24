import * as assert from "node:assert/strict";
import { planFingerprint, readRecord, RECORD_TAGS, type RolloutRecord, withRecord } from "../../tasks/common/rollout/rolloutRecord";

const record: RolloutRecord = { deployment: "green", snapshot: { traffic: { blue: 70, red: 30, green: 0 }, mirror: { shadow: 5 } }, step: 2, status: "paused", plan: planFingerprint(["10% for 5m", "100% (promotion)"]) };

describe("rollout: record in endpoint tags", () => {
  it("writes and reads back where a rollout stands, leaving the user's tags alone", () => {
    const tags = withRecord({ owner: "ml-team" }, record);
    assert.equal(tags.owner, "ml-team");
    assert.equal(tags["azureml-devops-rollout.traffic"], "blue:70,red:30");
    assert.deepEqual(readRecord(tags), { ...record, snapshot: { traffic: { blue: 70, red: 30 }, mirror: { shadow: 5 } } });
    assert.deepEqual(withRecord(tags, undefined), { owner: "ml-team" });
    assert.equal(readRecord({ owner: "x" }), undefined);
  });

  it("fingerprints plans by their steps", () => {
    assert.equal(planFingerprint(["a", "b"]), planFingerprint(["a", "b"]));
    assert.notEqual(planFingerprint(["a", "b"]), planFingerprint(["a;b"]));
    assert.notEqual(planFingerprint(["a", "b"]), planFingerprint(["b", "a"]));
    assert.match(record.plan, /^[0-9a-f]{16}$/);
  });

  it("refuses damaged tags and values beyond ARM's 256 characters", () => {
    const tags = withRecord({}, record);
    assert.throws(() => readRecord({ ...tags, [RECORD_TAGS[3]]: "two" }), /rollout tags .* are damaged/);
    assert.throws(() => readRecord({ ...tags, [RECORD_TAGS[1]]: "blue=100" }), /damaged/);
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`deployment-with-a-long-name-${i}`, i < 10 ? 10 : 0]));
    assert.throws(() => withRecord({}, { ...record, snapshot: { traffic: many, mirror: {} } }), /above ARM's 256/);
  });
});
