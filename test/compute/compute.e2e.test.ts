// AzureMLCompute@1 end to end: the packaged bundle, run by the local runner as the agent runs it, against the
// emulator (computes as long-running operations, autoscaling, usages, VM sizes, faults).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AdminClient } from "../../emulator/src/adminClient";
import { acquireNodes, releaseNodes } from "../../emulator/src/arm";
import { startEmulator, type RunningEmulator } from "../../emulator/src/index";
import { DEFAULT_TASKS_DIRECTORY, emulatorTarget, runPipeline } from "../../runner/index";

describe("AzureMLCompute@1 against the emulator", function () {
  this.timeout(180_000);
  let emulator: RunningEmulator;
  let dir: string;

  before(async () => {
    // `npm test` builds the bundles first; a bare mocha run needs `npm run build`.
    assert.ok(fs.existsSync(path.join(DEFAULT_TASKS_DIRECTORY, "AzureMLComputeV1", "index.js")), `no AzureMLCompute bundle in ${DEFAULT_TASKS_DIRECTORY}: run npm run build`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "compute-e2e-"));
    emulator = await startEmulator({ stateDir: path.join(dir, "emulator") });
  });

  after(async () => {
    await emulator?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one AzureMLCompute step with these inputs; returns the step's record and the console. */
  async function runStep(inputs: Record<string, string>) {
    const pipelineFile = path.join(dir, `pipeline-${Date.now()}.yml`);
    const inputLines = Object.entries(inputs).map(([key, value]) => `          ${key}: ${value}`).join("\n");
    fs.writeFileSync(pipelineFile, `steps:
  - task: AzureMLCompute@1
    name: compute
    inputs:
      azureSubscription: emulator
      resourceGroupName: ${emulator.connection.resourceGroupName}
      workspaceName: ${emulator.connection.workspaceName}
${inputLines.replace(/^ {4}/gm, "")}
`);
    const lines: string[] = [];
    const outcome = await runPipeline({ pipelineFile, target: emulatorTarget(emulator.connection, "secret"), sink: (line) => lines.push(line) });
    const step = outcome.report.stages[0].jobs[0].steps[0];
    return { step, console: lines.join("\n") };
  }

  it("checks cpu-cluster: available, with its nodes and quota as outputs and a summary", async () => {
    const { step, console } = await runStep({ computeName: "cpu-cluster", requiredNodes: "2" });
    assert.equal(step.result, "Succeeded", console);
    assert.deepEqual(step.outputVariables, {
      computeId: `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${emulator.connection.workspaceName}/computes/cpu-cluster`,
      computeType: "AmlCompute",
      state: "Steady",
      idleNodes: "0",
      busyNodes: "0",
      maxNodes: "4",
      quotaAvailableCores: "24",
    });
    assert.match(console, /Compute 'cpu-cluster' \(AmlCompute\) is available: 0 idle and 0 busy of at most 4 nodes, 24 vCPUs of quota free/);
    assert.match(console, /Quota +8 vCPUs needed for 2 new nodes, 24 free \(Standard DSv2 Family Cluster Dedicated vCPUs: 0 of 24 in use\)/);
    assert.match(step.summaries[0]?.text ?? "", /### Azure ML compute `cpu-cluster`: available/);
  });

  it("sees the nodes a running job holds and warns that a bigger job will queue", async () => {
    const computeId = `/subscriptions/${emulator.connection.subscriptionId}/resourceGroups/${emulator.connection.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${emulator.connection.workspaceName}/computes/cpu-cluster`;
    acquireNodes(emulator.context, computeId, "running-job", 3);
    try {
      const { step, console } = await runStep({ computeName: "cpu-cluster", requiredNodes: "2" });
      assert.equal(step.result, "Succeeded", console);
      assert.equal(step.outputVariables.busyNodes, "3");
      assert.match(console, /##\[warning\]the cluster is busy \(3 of at most 4 nodes in use\): the job will queue until 1 more node is free/);
    } finally {
      releaseNodes(emulator.context, computeId, "running-job");
      // Past the cluster's idle time (PT120S) the released nodes scale down, so later tests start from 0 nodes.
      await new AdminClient(emulator.connection.adminUrl).advanceTime(180);
    }
  });

  it("fails naming the computes that exist when the one named is missing", async () => {
    const { step, console } = await runStep({ computeName: "gpu-cluster" });
    assert.equal(step.result, "Failed");
    assert.match(console, /Compute 'gpu-cluster' was not found in workspace '[^']+'\. Computes in the workspace: .*cpu-cluster \(AmlCompute\)/);
  });

  async function storedScaleSettings(name: string): Promise<unknown> {
    const state = (await new AdminClient(emulator.connection.adminUrl).state()) as Record<string, Record<string, { properties?: { properties?: { scaleSettings?: unknown } } }>>;
    return Object.entries(state["arm.computes"] ?? {}).find(([key]) => key.toLowerCase().endsWith(`/computes/${name}`))?.[1]?.properties?.properties?.scaleSettings;
  }

  it("ensure creates a new cluster from a spec file, leaves it unchanged, then rescales it", async () => {
    const specFile = path.join(dir, "train-cluster.yml");
    fs.writeFileSync(specFile, "$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json\nname: train-cluster\ntype: amlcompute\nsize: Standard_DS2_v2\nmin_instances: 0\nmax_instances: 3\nidle_time_before_scale_down: 300\n");
    const created = await runStep({ action: "ensure", specFile });
    assert.equal(created.step.result, "Succeeded", created.console);
    assert.match(created.console, /Creating AmlCompute 'train-cluster' from .*train-cluster\.yml\./);
    assert.equal(created.step.outputVariables.maxNodes, "3");
    assert.deepEqual(await storedScaleSettings("train-cluster"), { maxNodeCount: 3, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: "PT300S" });

    const again = await runStep({ action: "ensure", specFile });
    assert.equal(again.step.result, "Succeeded", again.console);
    assert.match(again.console, /Compute 'train-cluster' already matches .*: no change\./);

    fs.writeFileSync(specFile, fs.readFileSync(specFile, "utf8").replace("max_instances: 3", "max_instances: 6"));
    const rescaled = await runStep({ action: "ensure", specFile });
    assert.equal(rescaled.step.result, "Succeeded", rescaled.console);
    assert.match(rescaled.console, /Updating the scale settings of 'train-cluster': max_instances 3 → 6\./);
    assert.equal(rescaled.step.outputVariables.maxNodes, "6");
    assert.deepEqual(await storedScaleSettings("train-cluster"), { maxNodeCount: 6, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: "PT300S" });
  });

  it("ensure fails readably on an invalid spec file", async () => {
    const specFile = path.join(dir, "bad.yml");
    fs.writeFileSync(specFile, "name: bad\ntype: amlcompute\nmax_instances: lots\n");
    const { step, console } = await runStep({ action: "ensure", specFile });
    assert.equal(step.result, "Failed");
    assert.match(console, /Invalid compute spec file \(input specFile\): .*bad\.yml:3:16: max_instances must be an integer, not 'lots'/);
    assert.doesNotMatch(console, /\n\s+at .+:\d+:\d+/);
  });

  it("ensure reports failed provisioning with the service's error", async () => {
    const admin = new AdminClient(emulator.connection.adminUrl);
    await admin.addFault({ kind: "lroFailed", method: "PUT", pathPattern: "/subscriptions/**/computes/broken-cluster" });
    const specFile = path.join(dir, "broken.yml");
    fs.writeFileSync(specFile, "name: broken-cluster\ntype: amlcompute\nmax_instances: 2\n");
    const { step, console } = await runStep({ action: "ensure", specFile });
    assert.equal(step.result, "Failed");
    assert.match(console, /provisioning Failed: InternalServerError: The operation could not be completed/);
  });

  it("starts dev-instance and waits until it is Running", async () => {
    const { step, console } = await runStep({ computeName: "dev-instance", action: "start" });
    assert.equal(step.result, "Succeeded", console);
    assert.match(console, /Starting compute instance 'dev-instance' \(was Stopped\)\./);
    assert.equal(step.outputVariables.state, "Running");
    assert.equal(step.outputVariables.computeType, "ComputeInstance");
  });

  it("reports exhausted quota, and only warns when onUnavailable is warn", async () => {
    const admin = new AdminClient(emulator.connection.adminUrl);
    await admin.setQuota(emulator.connection.location, "standardDSv2Family", 8);
    try {
      const failed = await runStep({ computeName: "cpu-cluster", requiredNodes: "3" });
      assert.equal(failed.step.result, "Failed");
      assert.match(failed.console, /quota shortfall: 3 more nodes of STANDARD_DS3_V2 need 12 vCPUs of VM family standardDSv2Family, but only \d+ are free \(Standard DSv2 Family Cluster Dedicated vCPUs: \d+ of 8 in use\)/);

      const warned = await runStep({ computeName: "cpu-cluster", requiredNodes: "3", onUnavailable: "warn" });
      assert.equal(warned.step.result, "SucceededWithIssues", warned.console);
    } finally {
      await admin.setQuota(emulator.connection.location, "standardDSv2Family", 24);
    }
  });

  it("gives up on a cluster stuck Resizing when the wait runs out", async () => {
    const admin = new AdminClient(emulator.connection.adminUrl);
    const fault = await admin.addFault({ kind: "computeStuckResizing", method: "GET", pathPattern: "/subscriptions/**/computes/cpu-cluster", durationSeconds: 120 });
    try {
      const { step, console } = await runStep({ computeName: "cpu-cluster", waitMinutes: "0.1" });
      assert.equal(step.result, "Failed", console);
      assert.match(console, /Waiting for 'cpu-cluster': Resizing…/);
      assert.match(console, /it is still Resizing after 6 s \(input waitMinutes\); the cluster may be stuck resizing/);
    } finally {
      await admin.removeFault(fault.id);
    }
  });

  it("checks the attached Kubernetes compute's instance types", async () => {
    const { step, console } = await runStep({ computeName: "k8s-compute" });
    assert.equal(step.result, "Succeeded", console);
    assert.equal(step.outputVariables.computeType, "Kubernetes");
    assert.match(console, /Instance types +defaultinstancetype \(cpu 100m–2, memory 2Gi–2Gi\), cpularge .*, gpu \(cpu 4–4, memory 16Gi–16Gi, gpu 1\)/);
  });

  it("says serverless and succeeds when no compute is named", async () => {
    const { step, console } = await runStep({ requiredNodes: "1" });
    assert.equal(step.result, "Succeeded", console);
    assert.equal(step.outputVariables.computeType, "Serverless");
    assert.match(console, /No compute named: the job runs on serverless compute/);
  });
});
