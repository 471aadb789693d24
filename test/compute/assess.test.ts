import { strict as assert } from "node:assert";
import type { Usage } from "@azure/arm-machinelearning";
import { assessCompute, serverlessAssessment } from "../../tasks/common/compute/assess";
import { checkQuota, findFamilyUsage } from "../../tasks/common/compute/quota";
import { DS3_V2, cluster, instance, kubernetes, usages } from "./fixtures";

const assessCluster = (state: Parameters<typeof cluster>[1], requiredNodes = 1, usageList: Usage[] = usages()) =>
  assessCompute({ compute: cluster("cpu-cluster", state), usages: usageList, vmSize: DS3_V2 }, { requiredNodes });

describe("compute assessment", () => {
  describe("AmlCompute", () => {
    it("is available when it can scale to the required nodes within quota", () => {
      const a = assessCluster({ idle: 1, running: 1 }, 2);
      assert.equal(a.verdict, "available");
      assert.deepEqual(a.outputs, { computeId: cluster().id, computeType: "AmlCompute", state: "Steady", idleNodes: "1", busyNodes: "1", maxNodes: "4", quotaAvailableCores: "24" });
      assert.match(a.rows.find(([k]) => k === "Quota")![1], /^4 vCPUs needed for 1 new node, 24 free \(Standard DSv2 Family Cluster Dedicated vCPUs: 0 of 24 in use\)$/);
      assert.equal(a.settling, false);
    });

    it("is unavailable when maxNodeCount is below requiredNodes", () => {
      const a = assessCluster({ max: 2 }, 3);
      assert.equal(a.verdict, "unavailable");
      assert.match(a.problems[0], /needs 3 nodes but the cluster's maximum is 2/);
    });

    it("reports a quota shortfall with the cores needed, the cores free and the VM family", () => {
      const a = assessCluster({ max: 10 }, 4, usages({ familyInUse: 16, familyLimit: 24 }));
      assert.equal(a.verdict, "unavailable");
      assert.match(a.problems[0], /quota shortfall: 4 more nodes of STANDARD_DS3_V2 need 16 vCPUs of VM family standardDSv2Family, but only 8 are free \(Standard DSv2 Family Cluster Dedicated vCPUs: 16 of 24 in use\)/);
      assert.equal(a.outputs.quotaAvailableCores, "8");
    });

    it("counts only the nodes to add against quota (idle nodes are already paid for)", () => {
      const a = assessCluster({ idle: 3, max: 4 }, 4, usages({ familyInUse: 20, familyLimit: 24 }));
      assert.equal(a.verdict, "available");
    });

    it("checks the regional dedicated total when it is tighter than the family limit", () => {
      const a = assessCluster({ max: 4 }, 2, usages({ totalInUse: 95, totalLimit: 100 }));
      assert.match(a.problems[0], /only 5 are free \(Total Cluster Dedicated Regional vCPUs: 95 of 100 in use\)/);
    });

    it("checks low-priority clusters against the low-priority total only", () => {
      const a = assessCluster({ vmPriority: "LowPriority" }, 2, usages({ familyLimit: 0, lowPriorityLimit: 4 }));
      assert.match(a.problems[0], /need 8 vCPUs .* only 4 are free \(Total Cluster LowPriority Regional vCPUs: 0 of 4 in use\)/);
    });

    it("fails with the service's own errors when provisioning failed", () => {
      const a = assessCluster({ provisioningState: "Failed", provisioningErrors: [{ code: "BadArgument", message: "Subnet not found" }] });
      assert.equal(a.verdict, "unavailable");
      assert.equal(a.outputs.state, "Failed");
      assert.match(a.problems[0], /provisioning Failed: BadArgument: Subnet not found/);
      assert.equal(a.settling, false);
    });

    it("is settling, not yet usable, while being created", () => {
      const a = assessCluster({ provisioningState: "Creating" });
      assert.equal(a.verdict, "unavailable");
      assert.equal(a.settling, true);
      assert.equal(a.stateText, "Creating");
    });

    it("is unavailable when the cluster reports errors (resizing into an error)", () => {
      const a = assessCluster({ allocationState: "Resizing", errors: [{ code: "ClusterCoreQuotaReached", message: "Operation results in exceeding quota limits" }] });
      assert.equal(a.verdict, "unavailable");
      assert.equal(a.settling, false, "an error does not pass by waiting");
      assert.match(a.problems[0], /ClusterCoreQuotaReached/);
    });

    it("is usable but settling while resizing without errors", () => {
      const a = assessCluster({ allocationState: "Resizing", preparing: 1 });
      assert.equal(a.verdict, "degraded");
      assert.equal(a.settling, true);
      assert.equal(a.outputs.busyNodes, "1");
    });

    it("names unusable and preempted nodes that leave too few slots", () => {
      const a = assessCompute(
        { compute: cluster("cpu-cluster", { unusable: 2, preempted: 1, max: 4 }), usages: usages(), vmSize: DS3_V2, nodes: [{ nodeId: "tvm-1", nodeState: "unusable" }, { nodeId: "tvm-2", nodeState: "unusable" }, { nodeId: "tvm-3", nodeState: "preempted" }] },
        { requiredNodes: 2 },
      );
      assert.equal(a.verdict, "unavailable");
      assert.match(a.problems[0], /2 unusable and 1 preempted node\(s\) \(tvm-1, tvm-2, tvm-3\) hold slots, leaving 1 of the maximum 4 for a job that needs 2/);
    });

    it("warns about unusable nodes that still leave room", () => {
      const a = assessCluster({ unusable: 1, max: 4 }, 2);
      assert.equal(a.verdict, "degraded");
      assert.match(a.warnings[0], /1 unusable and 0 preempted/);
    });

    it("warns that a busy cluster will queue the job", () => {
      const a = assessCluster({ running: 4, max: 4 }, 2);
      assert.equal(a.verdict, "degraded");
      assert.match(a.warnings[0], /busy \(4 of at most 4 nodes in use\): the job will queue until 2 more nodes are free/);
    });

    it("says when quota cannot be verified", () => {
      const a = assessCompute({ compute: cluster(), usages: usages(), vmSize: undefined }, { requiredNodes: 1 });
      assert.equal(a.verdict, "degraded");
      assert.match(a.warnings[0], /quota not verified: the VM size is not in the region's list/);
      assert.equal(a.outputs.quotaAvailableCores, "");
    });
  });

  describe("quota usage names", () => {
    it("matches the family however the usage spells it", () => {
      const spellings = [
        { value: "standardDSv2Family", localizedValue: "Standard DSv2 Family Cluster Dedicated vCPUs" },
        { value: "Standard DSv2 Family Cluster Dedicated vCPUs", localizedValue: "Standard DSv2 Family Cluster Dedicated vCPUs" },
      ];
      for (const name of spellings) {
        const usage = { type: "Microsoft.MachineLearningServices/vmFamily/usages", currentValue: 2, limit: 24, name } as Usage;
        assert.equal(findFamilyUsage([usage], "standardDSv2Family"), usage, name.value);
      }
      const workspaceUsage = { type: "Microsoft.MachineLearningServices/workspaces/usages", name: { value: "Standard DSv2 Family Cluster Dedicated vCPUs" } } as Usage;
      assert.equal(findFamilyUsage([workspaceUsage], "standardDSv2Family"), undefined, "workspace-level usages are not the regional quota");
    });

    it("does not verify a family without a usage", () => {
      assert.deepEqual(checkQuota({ ...DS3_V2, family: "standardNDFamily" }, usages(), 1), { verified: false, reason: "the usages API reports no quota for VM family standardNDFamily" });
    });
  });

  describe("ComputeInstance", () => {
    it("is available when Running", () => {
      const a = assessCompute({ compute: instance("dev", "Running") }, { requiredNodes: 1 });
      assert.equal(a.verdict, "available");
      assert.equal(a.outputs.state, "Running");
      assert.equal(a.outputs.maxNodes, "");
    });

    it("is unavailable when Stopped, pointing at action start", () => {
      const a = assessCompute({ compute: instance("dev", "Stopped") }, { requiredNodes: 1 });
      assert.equal(a.verdict, "unavailable");
      assert.match(a.problems[0], /the compute instance is Stopped: start it first \(action start\)/);
      assert.equal(a.settling, false);
    });

    it("is settling while Starting", () => {
      const a = assessCompute({ compute: instance("dev", "Starting") }, { requiredNodes: 1 });
      assert.deepEqual([a.verdict, a.settling], ["unavailable", true]);
    });

    it("names a failed last operation", () => {
      const a = assessCompute({ compute: instance("dev", "Stopped", { operationName: "Start", operationStatus: "StartFailed" }) }, { requiredNodes: 1 });
      assert.match(a.problems[0], /Stopped \(its last operation, Start, StartFailed\)/);
    });

    it("judges action stop by the Stopped state", () => {
      assert.equal(assessCompute({ compute: instance("dev", "Stopped") }, { requiredNodes: 1, goal: "stopped" }).verdict, "available");
      const running = assessCompute({ compute: instance("dev", "Running") }, { requiredNodes: 1, goal: "stopped" });
      assert.match(running.problems[0], /is Running, not Stopped/);
    });
  });

  describe("Kubernetes", () => {
    it("is available when provisioned with instance types", () => {
      const a = assessCompute({ compute: kubernetes() }, { requiredNodes: 1 });
      assert.equal(a.verdict, "available");
      assert.match(a.rows.find(([k]) => k === "Instance types")![1], /defaultinstancetype \(cpu 100m–2, memory 2Gi–2Gi\)/);
    });

    it("is unavailable without instance types", () => {
      const a = assessCompute({ compute: kubernetes("k8s", {}) }, { requiredNodes: 1 });
      assert.equal(a.verdict, "unavailable");
      assert.match(a.problems[0], /no instance types/);
    });
  });

  it("says serverless compute needs no check", () => {
    const a = serverlessAssessment();
    assert.equal(a.verdict, "available");
    assert.equal(a.outputs.computeType, "Serverless");
  });
});
