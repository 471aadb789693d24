import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assessCompute } from "../../tasks/common/compute/assess";
import { readComputeInputs } from "../../tasks/common/compute/inputs";
import { publishAssessment } from "../../tasks/common/compute/publish";
import { UserError } from "../../tasks/common/platform/userError";
import { fakeHost } from "../common/fakes";
import { DS3_V2, cluster, usages } from "./fixtures";

describe("publishing a compute assessment", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "compute-publish-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const context = { action: "check", workspace: "ws", actions: [] };
  const available = () => assessCompute({ compute: cluster(), usages: usages(), vmSize: DS3_V2 }, { requiredNodes: 1 });
  const shortfall = () => assessCompute({ compute: cluster("cpu-cluster", { max: 10 }), usages: usages({ familyInUse: 20 }), vmSize: DS3_V2 }, { requiredNodes: 2 });

  it("sets the outputs, logs the verdict and table, uploads the summary and succeeds", () => {
    const host = fakeHost({ variables: { "Agent.TempDirectory": dir } });
    publishAssessment(host, available(), context, "fail");
    const outputs = Object.fromEntries(host.setVariable.args.map(([name, value, options]) => { assert.deepEqual(options, { isOutput: true }); return [name, value]; }));
    assert.deepEqual(outputs, { computeId: cluster().id, computeType: "AmlCompute", state: "Steady", idleNodes: "0", busyNodes: "0", maxNodes: "4", quotaAvailableCores: "24" });
    const logged = host.log.args.map(([line]) => line);
    assert.equal(logged[0], "Compute 'cpu-cluster' (AmlCompute) is available: 0 idle and 0 busy of at most 4 nodes, 24 vCPUs of quota free");
    assert.ok(logged.includes("  Nodes           0 idle, 0 running, 0 preparing, 0 unusable, 0 preempted, 0 leaving"), logged.join("\n"));
    const summaryFile = host.uploadSummary.firstCall.args[0] as string;
    const markdown = fs.readFileSync(summaryFile, "utf8");
    assert.match(markdown, /^### Azure ML compute `cpu-cluster`: available\n/);
    assert.match(markdown, /\| Quota \| 4 vCPUs needed for 1 new node, 24 free/);
    assert.deepEqual(host.setResult.firstCall.args, ["Succeeded", logged[0]]);
  });

  it("fails with the verdict when the compute is unavailable", () => {
    const host = fakeHost({ variables: { "Agent.TempDirectory": dir } });
    publishAssessment(host, shortfall(), context, "fail");
    const [outcome, message] = host.setResult.firstCall.args;
    assert.equal(outcome, "Failed");
    assert.match(message, /^Compute 'cpu-cluster' \(AmlCompute\) is UNAVAILABLE: quota shortfall: 2 more nodes of STANDARD_DS3_V2 need 8 vCPUs/);
    assert.match(fs.readFileSync(host.uploadSummary.firstCall.args[0], "utf8"), /\*\*Problems\*\*\n\n- quota shortfall/);
  });

  it("only warns when onUnavailable is warn", () => {
    const host = fakeHost({ variables: { "Agent.TempDirectory": dir } });
    publishAssessment(host, shortfall(), context, "warn");
    assert.equal(host.setResult.firstCall.args[0], "SucceededWithIssues");
    assert.match(host.warning.firstCall.args[0], /UNAVAILABLE: quota shortfall/);
  });
});

describe("compute task inputs", () => {
  const base = { resourceGroupName: "rg", workspaceName: "ws" };

  it("reads the defaults", () => {
    assert.deepEqual(readComputeInputs(fakeHost({ inputs: { ...base, computeName: "cpu-cluster" } })), { resourceGroup: "rg", workspaceName: "ws", computeName: "cpu-cluster", action: "check", specFile: undefined, requiredNodes: 1, waitMinutes: 10, onUnavailable: "fail" });
  });

  for (const [inputs, message] of [
    [{ action: "resize" }, "Input action: 'resize' is not one of check, ensure, start, stop."],
    [{ action: "ensure" }, "Input specFile is required for action ensure: the az ml compute YAML file describing the compute to create or update."],
    [{ action: "start" }, "Input computeName is required for action start: the compute instance to start."],
    [{ requiredNodes: "0" }, "Input requiredNodes: '0' must be a whole number from 1 up"],
    [{ requiredNodes: "2.5" }, "Input requiredNodes: '2.5' must be a whole number from 1 up"],
    [{ waitMinutes: "soon" }, "Input waitMinutes: 'soon' must be a number from 0 up"],
    [{ onUnavailable: "ignore" }, "Input onUnavailable: 'ignore' is not one of fail, warn."],
  ] as Array<[Record<string, string>, string]>) {
    it(`refuses ${JSON.stringify(inputs)}`, () => {
      assert.throws(() => readComputeInputs(fakeHost({ inputs: { ...base, ...inputs } })), (e: Error) => e instanceof UserError && e.message === message);
    });
  }
});
