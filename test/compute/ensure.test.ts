import { strict as assert } from "node:assert";
import { ensureCompute, isoDurationSeconds, planEnsure } from "../../tasks/common/compute/ensure";
import type { ComputeSpec } from "../../tasks/common/compute/specFile";
import { UserError } from "../../tasks/common/platform/userError";
import { cluster, instance, stubApi } from "./fixtures";

function clusterSpec(overrides: Partial<ComputeSpec> = {}): ComputeSpec {
  return {
    file: "compute.yml",
    name: "cpu-cluster",
    computeType: "AmlCompute",
    size: "Standard_DS3_v2",
    scale: { minNodeCount: 0, maxNodeCount: 4, idleSeconds: 120 },
    body: { properties: { computeType: "AmlCompute", properties: { vmSize: "Standard_DS3_v2" } } },
    secrets: [],
    ...overrides,
  };
}

describe("ensure", () => {
  it("creates a missing compute with the spec's body", async () => {
    const api = stubApi();
    const spec = clusterSpec();
    const outcome = await ensureCompute(api, "cpu-cluster", spec, undefined);
    assert.equal(outcome.plan.kind, "create");
    assert.ok(api.createOrUpdate.calledOnceWithExactly("cpu-cluster", spec.body));
    assert.ok(outcome.operation);
    assert.equal(outcome.message, "Creating AmlCompute 'cpu-cluster' from compute.yml.");
  });

  it("updates only the scale settings when they differ", async () => {
    const api = stubApi();
    const outcome = await ensureCompute(api, "cpu-cluster", clusterSpec({ scale: { minNodeCount: 1, maxNodeCount: 8, idleSeconds: undefined } }), cluster());
    assert.equal(outcome.plan.kind, "updateScale");
    assert.ok(api.updateScaleSettings.calledOnceWithExactly("cpu-cluster", { minNodeCount: 1, maxNodeCount: 8, nodeIdleTimeBeforeScaleDown: "PT120S" }));
    assert.ok(api.createOrUpdate.notCalled);
    assert.equal(outcome.message, "Updating the scale settings of 'cpu-cluster': min_instances 0 → 1, max_instances 4 → 8.");
  });

  it("leaves a matching compute unchanged (idle time compared as a duration)", async () => {
    const api = stubApi();
    const outcome = await ensureCompute(api, "cpu-cluster", clusterSpec({ size: "STANDARD_DS3_V2" }), cluster());
    assert.deepEqual(outcome.plan, { kind: "unchanged", notes: [] });
    assert.equal(outcome.operation, undefined);
    assert.ok(api.createOrUpdate.notCalled && api.updateScaleSettings.notCalled);
  });

  it("leaves an existing compute instance as it is", () => {
    const plan = planEnsure(instance("dev"), { ...clusterSpec(), computeType: "ComputeInstance", scale: undefined });
    assert.equal(plan.kind, "unchanged");
  });

  it("refuses to change the type, VM size or tier of an existing compute", () => {
    assert.throws(() => planEnsure(instance("cpu-cluster"), clusterSpec()), (e: Error) => e instanceof UserError && /already exists as ComputeInstance, but compute\.yml describes a AmlCompute/.test(e.message));
    assert.throws(() => planEnsure(cluster(), clusterSpec({ size: "Standard_DS4_v2" })), /differs from compute\.yml in size \(STANDARD_DS3_V2 → Standard_DS4_v2\)/);
    assert.throws(() => planEnsure(cluster(), clusterSpec({ vmPriority: "LowPriority" })), /tier \(Dedicated → LowPriority\)/);
  });

  it("reads ISO 8601 durations", () => {
    assert.equal(isoDurationSeconds("PT120S"), 120);
    assert.equal(isoDurationSeconds("PT2M"), 120);
    assert.equal(isoDurationSeconds("P1DT1H"), 90_000);
    assert.equal(isoDurationSeconds("2 minutes"), undefined);
  });
});
