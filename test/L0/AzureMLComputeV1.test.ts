// L0 tests of AzureMLCompute@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner, talking HTTPS to a loopback fake cloud. Nothing leaves 127.0.0.1.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import type { MockTestRunner } from "azure-pipelines-task-lib/mock-test";
import { runMockTask, useLoopbackCertificate } from "./mockTaskRun";

const taskJsonPath = path.join(__dirname, "..", "..", "tasks", "AzureMLComputeV1", "task.json");

describe("AzureMLCompute@1 (L0)", function () {
  this.timeout(60_000);
  const tls = useLoopbackCertificate();

  const run = (inputs: Record<string, string>, env: Record<string, string> = {}): Promise<MockTestRunner> =>
    runMockTask(path.join(__dirname, "AzureMLComputeV1", "mockRun.ts"), taskJsonPath, { L0_INPUTS: JSON.stringify(inputs), ...tls.env(), ...env });

  const outputs = (runner: MockTestRunner): Record<string, string> =>
    Object.fromEntries([...runner.stdout.matchAll(/##vso\[task\.setvariable variable=(\w+);isOutput=true;issecret=false;\]([^\r\n]*)/g)].map((m) => [m[1], m[2]]));

  it("checks a cluster: verdict, table, outputs and summary", async () => {
    const runner = await run({ computeName: "cpu-cluster", requiredNodes: "3" });
    assert.equal(runner.succeeded, true, runner.stdout + runner.stderr);
    assert.deepEqual(outputs(runner), {
      computeId: "/subscriptions/55555555-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlws/computes/cpu-cluster",
      computeType: "AmlCompute",
      state: "Steady",
      idleNodes: "1",
      busyNodes: "0",
      maxNodes: "4",
      quotaAvailableCores: "20",
    });
    assert.match(runner.stdout, /Compute 'cpu-cluster' \(AmlCompute\) is available: 1 idle and 0 busy of at most 4 nodes, 20 vCPUs of quota free/);
    assert.match(runner.stdout, /Quota +8 vCPUs needed for 2 new nodes, 20 free \(Standard DSv2 Family Cluster Dedicated vCPUs: 4 of 24 in use\)/);
    assert.match(runner.stdout, /##vso\[task\.uploadsummary\][^\r\n]*Azure ML compute cpu-cluster\.md/);
  });

  it("fails when the cluster cannot reach the required nodes", async () => {
    const runner = await run({ computeName: "cpu-cluster", requiredNodes: "5" });
    assert.equal(runner.failed, true);
    assert.ok(runner.createdErrorIssue("Compute 'cpu-cluster' (AmlCompute) is UNAVAILABLE: the job needs 5 nodes but the cluster's maximum is 4: raise max_instances (action ensure with a spec file) or ask for fewer nodes"), runner.stdout);
  });

  it("fails listing the workspace's computes when the one named is missing", async () => {
    const runner = await run({ computeName: "gpu-cluster" });
    assert.equal(runner.failed, true);
    assert.match(runner.stdout, /Compute 'gpu-cluster' was not found in workspace 'mlws'\. Computes in the workspace: cpu-cluster \(AmlCompute\)\./);
    assert.doesNotMatch(runner.stdout + runner.stderr, /\n\s+at .+:\d+:\d+/);
  });

  it("succeeds without a compute name: serverless", async () => {
    const runner = await run({});
    assert.equal(runner.succeeded, true, runner.stdout);
    assert.equal(outputs(runner).computeType, "Serverless");
  });

  it("rejects a bad input by name", async () => {
    const runner = await run({ computeName: "cpu-cluster", requiredNodes: "many" });
    assert.equal(runner.failed, true);
    assert.ok(runner.createdErrorIssue("Input requiredNodes: 'many' must be a whole number from 1 up"), runner.stdout);
  });

  it("reads specFile left empty (the agent passes the repository root) as missing for action ensure", async () => {
    const runner = await run({ action: "ensure", specFile: tls.dir }, { SYSTEM_DEFAULTWORKINGDIRECTORY: tls.dir });
    assert.equal(runner.failed, true);
    assert.ok(runner.createdErrorIssue("Input specFile is required for action ensure: the az ml compute YAML file describing the compute to create or update."), runner.stdout);
  });
});
