// The batch smoke invocation: the named deployment is invoked on the input (its type told from what it is), the
// job it starts is waited for with the shared job wait, and the outcome says whether it completed and why not.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as sinon from "sinon";
import { createBatchSmokeInvoker, smokeInputType } from "../../tasks/common/deploy/batchSmoke";
import type { BatchInvocationApi as InvocationApi } from "../../tasks/common/workspace/batchInvocation";
import { fakeHost } from "../common/fakes";
import { writeTree } from "../jobSpec/helpers";
import { FakeClock, FakeRunHistory, fakeWorkspaceApi, jobResource } from "../job/fakes";

function setup(timeline: Array<[number, string]>) {
  const clock = new FakeClock();
  const host = fakeHost();
  const workspace = fakeWorkspaceApi({ clock, timeline, existing: undefined });
  const runHistory = new FakeRunHistory();
  const invoke = sinon.stub().resolves({ name: "batchjob-7", properties: { outputDataset: { datastoreId: "/subscriptions/s/datastores/workspaceblobstore", path: "azureml/batchjob-7/score" } } });
  const batch: InvocationApi = {
    scope: workspace.scope,
    getEndpoint: async (name) => ({ resource: { name, location: "westeurope", properties: { scoringUri: `https://${name}.westeurope.inference.ml.azure.com/jobs` } } }),
    listDeployments: async () => [{ name: "blue", properties: {} }, { name: "green", properties: {} }],
    invoke,
  };
  const dir = writeTree({ "sample/rows.csv": "a,b\n1,2\n" });
  const smoke = createBatchSmokeInvoker({ host, batch, workspace, runHistory, openStore: async () => assert.fail("not uploaded here"), studioUrl: (job) => `https://ml.azure.com/runs/${job}`, baseDirectory: dir, now: clock.now, sleep: clock.sleep });
  return { clock, host, workspace, runHistory, invoke, smoke, dir };
}

describe("deploy: batch smoke invocation", () => {
  it("invokes the named deployment and passes when its job completes", async () => {
    const s = setup([[0, "Running"], [30_000, "Completed"]]);
    s.workspace.getJob.callsFake(async (name: string) => ({ job: jobResource(name, s.clock.time >= 30_000 ? "Completed" : "Running", { jobType: "Pipeline" }) }));
    const log: string[] = [];
    const outcome = await s.smoke({ endpoint: "churn-batch", deployment: "green", input: "azureml:churn-sample:1", signal: new AbortController().signal, log: (m) => log.push(m) });
    assert.deepEqual(outcome, { jobName: "batchjob-7", status: "Completed", passed: true, outputLocation: "azureml://datastores/workspaceblobstore/paths/azureml/batchjob-7/score" });
    const [scoringUri, body, deployment] = s.invoke.firstCall.args;
    assert.equal(scoringUri, "https://churn-batch.westeurope.inference.ml.azure.com/jobs");
    assert.equal(deployment, "green");
    const ws = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";
    assert.deepEqual(body, { properties: { inputData: { UriFolder: { uri: `${ws}/data/churn-sample/versions/1`, jobInputType: "UriFolder" } } } });
    assert.match(log.join("\n"), /Smoke invocation started job 'batchjob-7': https:\/\/ml\.azure\.com\/runs\/batchjob-7/);
  });

  it("fails with the job's error when the job fails", async () => {
    const s = setup([]);
    s.workspace.getJob.callsFake(async (name: string) => ({ job: jobResource(name, "Failed") }));
    s.runHistory.runs.set("batchjob-7", { status: "Failed", files: {}, error: { error: { code: "UserError", message: "run() raised KeyError: 'age'" } } });
    const outcome = await s.smoke({ endpoint: "churn-batch", deployment: "green", input: "azureml://datastores/workspaceblobstore/paths/sample/", signal: new AbortController().signal, log: () => undefined });
    assert.deepEqual(outcome, { jobName: "batchjob-7", status: "Failed", passed: false, reason: "UserError: run() raised KeyError: 'age'", outputLocation: "azureml://datastores/workspaceblobstore/paths/azureml/batchjob-7/score" });
  });

  it("cancels a job still running at the timeout and does not pass", async () => {
    const s = setup([]);
    s.workspace.getJob.callsFake(async (name: string) => ({ job: jobResource(name, "Running") }));
    const outcome = await s.smoke({ endpoint: "churn-batch", deployment: "green", input: "azureml:churn-sample:1", signal: new AbortController().signal, timeoutMs: 60_000, log: () => undefined });
    assert.equal(outcome.passed, false);
    assert.match(outcome.reason ?? "", /no result within timeoutMinutes/);
    assert.equal(s.workspace.cancelJob.firstCall.args[0], "batchjob-7");
  });

  it("tells a file from a folder", () => {
    const dir = writeTree({ "sample/rows.csv": "a\n" });
    assert.equal(smokeInputType("sample", dir), "uri_folder");
    assert.equal(smokeInputType(path.join("sample", "rows.csv"), dir), "uri_file");
    assert.equal(smokeInputType("azureml:churn-sample:1", dir), "uri_folder");
    assert.equal(smokeInputType("azureml://datastores/workspaceblobstore/paths/sample/rows.csv", dir), "uri_file");
    assert.equal(smokeInputType("azureml://datastores/workspaceblobstore/paths/sample/", dir), "uri_folder");
    assert.equal(smokeInputType("https://acct.blob.core.windows.net/c/sample", dir), "uri_folder");
  });
});
