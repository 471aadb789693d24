import { strict as assert } from "node:assert";
import type { ComputeResource } from "@azure/arm-machinelearning";
import type * as sinon from "sinon";
import { runComputeAction, type ComputeRequest } from "../../tasks/common/compute/computeAction";
import { ArmRequestError } from "../../tasks/common/azure/armErrors";
import { UserError } from "../../tasks/common/platform/userError";
import { cluster, fakeClock, fakeOperation, instance, stubApi, type StubApi } from "./fixtures";

function request(api: StubApi, overrides: Partial<ComputeRequest> = {}): ComputeRequest & { logs: string[] } {
  const clock = fakeClock();
  const logs: string[] = [];
  return { api, name: "cpu-cluster", workspaceName: "ws", location: "eastus", action: "check", requiredNodes: 1, waitMs: 600_000, log: (m) => logs.push(m), now: clock.now, sleep: clock.sleep, logs, ...overrides };
}

/** A compute whose GET answers each state in turn, then the last one forever. */
function sequence(api: StubApi, states: ComputeResource[]): void {
  let i = 0;
  api.get.callsFake(async () => states[Math.min(i++, states.length - 1)]);
}

describe("compute actions", () => {
  it("check: lists the workspace's computes when the one named does not exist", async () => {
    const api = stubApi([cluster("cpu-cluster"), instance("dev-instance")]);
    await assert.rejects(runComputeAction(request(api, { name: "gpu-cluster" })), (e: Error) => e instanceof UserError && e.message === "Compute 'gpu-cluster' was not found in workspace 'ws'. Computes in the workspace: cpu-cluster (AmlCompute), dev-instance (ComputeInstance). Check the input computeName, or create it with action ensure and a spec file.");
  });

  it("check: assesses an existing cluster with usages and VM sizes of its region", async () => {
    const api = stubApi([cluster()]);
    const { assessment, actions } = await runComputeAction(request(api));
    assert.equal(assessment.verdict, "available");
    assert.deepEqual(actions, []);
    assert.ok(api.usages.calledWith("eastus") && api.vmSizes.calledWith("eastus"));
    assert.ok(api.listNodes.notCalled, "nodes are listed only to name unusable or preempted ones");
  });

  it("check: without permission to read usages, reports quota as not verified", async () => {
    const api = stubApi([cluster()]);
    api.usages.rejects(new ArmRequestError({ status: 403, code: "AuthorizationFailed", message: "does not have authorization to perform action 'Microsoft.MachineLearningServices/locations/usages/read'", details: [] }));
    const { assessment } = await runComputeAction(request(api));
    assert.equal(assessment.verdict, "degraded");
    assert.match(assessment.warnings[0], /quota not verified: the identity cannot read the region's usages or VM sizes \(AuthorizationFailed\); grant it Reader on the subscription/);
    assert.equal(assessment.outputs.maxNodes, "4");
  });

  it("check: lists the nodes of a cluster with unusable ones to name them, and does without when not allowed", async () => {
    const api = stubApi([cluster("cpu-cluster", { unusable: 4, max: 4 })]);
    api.listNodes.resolves([{ nodeId: "tvm-7", nodeState: "unusable" }]);
    assert.match((await runComputeAction(request(api))).assessment.problems[0], /4 unusable and 0 preempted node\(s\) \(tvm-7\) hold slots/);
    api.listNodes.rejects(new ArmRequestError({ status: 403, code: "AuthorizationFailed", message: "no listNodes/action", details: [] }));
    assert.match((await runComputeAction(request(api))).assessment.problems[0], /4 unusable and 0 preempted node\(s\) hold slots/);
  });

  it("check: waits while the cluster is being created, then judges it", async () => {
    const api = stubApi();
    sequence(api, [cluster("cpu-cluster", { provisioningState: "Creating" }), cluster("cpu-cluster", { provisioningState: "Creating" }), cluster()]);
    const req = request(api);
    const { assessment } = await runComputeAction(req);
    assert.equal(assessment.verdict, "available");
    assert.equal(api.get.callCount, 3, "one read before acting, two while waiting");
    assert.deepEqual(req.logs, ["Waiting for 'cpu-cluster': Creating…"]);
  });

  it("check: a cluster stuck Resizing is unavailable once the wait times out", async () => {
    const api = stubApi();
    sequence(api, [cluster("cpu-cluster", { allocationState: "Resizing", preparing: 1 })]);
    const { assessment } = await runComputeAction(request(api, { waitMs: 60_000 }));
    assert.equal(assessment.verdict, "unavailable");
    assert.match(assessment.problems.at(-1)!, /it is still Resizing after 60 s \(input waitMinutes\); the cluster may be stuck resizing/);
    assert.ok(api.usages.callCount > 1, "usages are read on every poll");
    assert.equal(api.vmSizes.callCount, 1, "VM sizes are read once");
  });

  it("check: waitMinutes 0 judges the current state without waiting", async () => {
    const api = stubApi([cluster("cpu-cluster", { allocationState: "Resizing", preparing: 1 })]);
    const req = request(api, { waitMs: 0 });
    const { assessment } = await runComputeAction(req);
    assert.equal(assessment.verdict, "degraded");
    assert.equal((req.sleep as sinon.SinonStub).callCount, 0);
  });

  it("ensure: creates the compute, waits for the operation and for provisioning", async () => {
    const api = stubApi();
    const operation = fakeOperation(3);
    api.createOrUpdate.resolves(operation);
    sequence(api, [undefined as unknown as ComputeResource, cluster("new-cluster", { provisioningState: "Creating" }), cluster("new-cluster")]);
    const spec = { file: "c.yml", name: "new-cluster", computeType: "AmlCompute" as const, scale: { minNodeCount: 0, maxNodeCount: 2 }, body: {}, secrets: [] };
    const { assessment, actions } = await runComputeAction(request(api, { name: "new-cluster", action: "ensure", spec }));
    assert.equal(operation.poll.callCount, 3);
    assert.equal(assessment.verdict, "available");
    assert.deepEqual(actions, ["Creating AmlCompute 'new-cluster' from c.yml."]);
  });

  it("ensure: reports provisioning that failed with the service's errors", async () => {
    const api = stubApi();
    api.createOrUpdate.resolves(fakeOperation(1, new Error("The long-running operation has failed. InternalServerError. The operation could not be completed")));
    sequence(api, [undefined as unknown as ComputeResource, cluster("new-cluster", { provisioningState: "Failed", provisioningErrors: [{ code: "InternalServerError", message: "The operation could not be completed" }] })]);
    const spec = { file: "c.yml", name: "new-cluster", computeType: "AmlCompute" as const, body: {}, secrets: [] };
    const { assessment } = await runComputeAction(request(api, { name: "new-cluster", action: "ensure", spec }));
    assert.equal(assessment.verdict, "unavailable");
    assert.match(assessment.problems[0], /^the ensure operation failed: The long-running operation has failed/);
    assert.match(assessment.problems[1], /provisioning Failed: InternalServerError: The operation could not be completed/);
  });

  it("start: starts a stopped instance and waits until it runs", async () => {
    const api = stubApi();
    sequence(api, [instance("dev-instance", "Stopped"), instance("dev-instance", "Starting"), instance("dev-instance", "Running")]);
    const { assessment, actions } = await runComputeAction(request(api, { name: "dev-instance", action: "start" }));
    assert.ok(api.start.calledOnceWithExactly("dev-instance"));
    assert.equal(assessment.verdict, "available");
    assert.deepEqual(actions, ["Starting compute instance 'dev-instance' (was Stopped)."]);
  });

  it("start: leaves a running instance alone", async () => {
    const api = stubApi([instance("dev-instance", "Running")]);
    const { actions } = await runComputeAction(request(api, { name: "dev-instance", action: "start" }));
    assert.ok(api.start.notCalled);
    assert.deepEqual(actions, ["Compute instance 'dev-instance' is already Running: no start needed."]);
  });

  it("stop: stops a running instance and succeeds once it is Stopped", async () => {
    const api = stubApi();
    sequence(api, [instance("dev-instance", "Running"), instance("dev-instance", "Stopping"), instance("dev-instance", "Stopped")]);
    const { assessment } = await runComputeAction(request(api, { name: "dev-instance", action: "stop" }));
    assert.ok(api.stop.calledOnce);
    assert.equal(assessment.verdict, "available");
    assert.equal(assessment.outputs.state, "Stopped");
  });

  it("start: refuses a compute cluster", async () => {
    const api = stubApi([cluster()]);
    await assert.rejects(runComputeAction(request(api, { action: "start" })), /Action start applies to compute instances, but 'cpu-cluster' is AmlCompute\. A compute cluster scales/);
  });

  it("stops waiting when the task is cancelled", async () => {
    const api = stubApi([cluster("cpu-cluster", { provisioningState: "Creating" })]);
    const controller = new AbortController();
    const req = request(api, { signal: controller.signal });
    req.sleep = async (_ms, signal) => {
      controller.abort(new Error("Cancelled (SIGINT)"));
      throw signal?.reason;
    };
    await assert.rejects(runComputeAction(req), /Cancelled \(SIGINT\)/);
  });
});
