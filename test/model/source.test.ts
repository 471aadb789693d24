import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isUserError } from "../../tasks/common/platform/userError";
import type { PipelineRun } from "../../tasks/common/workspace/lineage";
import { FINGERPRINT_PROPERTY, SOURCE_JOB_PROPERTY } from "../../tasks/common/workspace/lineage";
import type { LocalUploader } from "../../tasks/common/model/localUpload";
import { registerModel, type ModelRequest } from "../../tasks/common/model/registerModel";
import { parseDatastoreUri, parseJobOutputUri } from "../../tasks/common/model/source";
import { completedJob, fakeSourceContext, FakeRegistry, SCOPE, type FakeSourceOptions } from "./fakes";

const RUN: PipelineRun = { buildId: "42", buildNumber: "20261123.3", definitionName: "train-churn", repository: "mlops", commit: "abc123", collectionUri: "https://dev.azure.com/contoso/", teamProject: "ml", jobAttempt: "1" };

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { modelName: "churn", source: { kind: "jobOutput", jobName: "train-1", outputName: "model" }, modelType: "auto", tags: {}, properties: {}, ...overrides };
}

async function register(options: FakeSourceOptions, overrides: Partial<ModelRequest> = {}, api = new FakeRegistry()) {
  const source = fakeSourceContext(options);
  const warnings: string[] = [];
  const model = await registerModel({ api, source, run: RUN, readMetrics: async () => ({ accuracy: 0.91 }), log: (m) => source.logs.push(m), warning: (m) => warnings.push(m) }, request(overrides));
  return { model, api, logs: source.logs, warnings };
}

const userError = (pattern: RegExp) => (error: Error) => isUserError(error) && pattern.test(error.message);

describe("model: sources", () => {
  describe("job output", () => {
    const job = completedJob("train-1");
    const blobs = ["workspaceblobstore/azureml/train-1/model/model.pkl"];

    it("registers the output as azureml://jobs/… with the job as lineage and its metrics", async () => {
      const { model, api } = await register({ jobs: [job], blobs });
      assert.equal(model.uri, "azureml://jobs/train-1/outputs/model");
      assert.equal(model.type, "custom_model");
      assert.equal(model.assetId, "azureml:churn:1");
      assert.deepEqual(model.metrics, { accuracy: 0.91 });
      const stored = api.models.get("churn")![0].properties;
      assert.equal(stored.jobName, "train-1");
      assert.equal(stored.properties?.[SOURCE_JOB_PROPERTY], "train-1");
      assert.equal(stored.properties?.["azure-devops.buildId"], "42");
      assert.equal(stored.properties?.["azure-devops.commit"], "abc123");
      assert.equal(stored.properties?.["azure-devops.runUrl"], "https://dev.azure.com/contoso/ml/_build/results?buildId=42");
      assert.ok(stored.properties?.[FINGERPRINT_PROPERTY]);
    });

    it("returns the same version when the same job output is registered again", async () => {
      const api = new FakeRegistry();
      const first = await register({ jobs: [job], blobs }, {}, api);
      const second = await register({ jobs: [job], blobs }, {}, api);
      assert.deepEqual([first.model.version, first.model.registeredNow, second.model.version, second.model.registeredNow], ["1", true, "1", false]);
    });

    it("detects an MLflow model by its MLmodel file, and honours pathInOutput", async () => {
      const mlflowBlobs = ["workspaceblobstore/azureml/train-1/model/mlflow/MLmodel", "workspaceblobstore/azureml/train-1/model/mlflow/model.pkl"];
      const { model } = await register({ jobs: [job], blobs: mlflowBlobs }, { source: { kind: "jobOutput", jobName: "train-1", outputName: "model", pathInOutput: "mlflow" } });
      assert.equal(model.type, "mlflow_model");
      assert.equal(model.uri, "azureml://jobs/train-1/outputs/model/paths/mlflow");
    });

    it("keeps custom_model when there is no MLmodel file, and an explicit type wins", async () => {
      assert.equal((await register({ jobs: [job], blobs })).model.type, "custom_model");
      assert.equal((await register({ jobs: [job], blobs }, { modelType: "triton_model" })).model.type, "triton_model");
    });

    it("reads a bound output from its datastore URI", async () => {
      const bound = completedJob("train-1", { model: { jobOutputType: "uri_folder", uri: "azureml://datastores/models/paths/churn/run-1/" } });
      const { model } = await register({ jobs: [bound], blobs: ["models/churn/run-1/MLmodel"] });
      assert.equal(model.type, "mlflow_model");
    });

    it("fails clearly when the job does not exist", async () => {
      await assert.rejects(register({ jobs: [], blobs }), userError(/job 'train-1' was not found in workspace 'mlw'.*jobName input/));
    });

    for (const status of ["Running", "Failed", "Canceled"]) {
      it(`fails clearly when the job is ${status}`, async () => {
        await assert.rejects(register({ jobs: [completedJob("train-1", undefined, status)], blobs }), userError(new RegExp(`job 'train-1' is ${status}, not Completed`)));
      });
    }

    it("fails clearly when the output does not exist, naming the job's outputs", async () => {
      await assert.rejects(register({ jobs: [job], blobs }, { source: { kind: "jobOutput", jobName: "train-1", outputName: "best_model" } }), userError(/has no output 'best_model'\. Its outputs are: model\./));
    });

    it("fails clearly when the output is empty", async () => {
      await assert.rejects(register({ jobs: [job], blobs: [] }), userError(/output model is empty: nothing was found at azureml:\/\/datastores\/workspaceblobstore\/paths\/azureml\/train-1\/model/));
    });

    it("fails clearly when pathInOutput names nothing", async () => {
      await assert.rejects(register({ jobs: [job], blobs }, { source: { kind: "jobOutput", jobName: "train-1", outputName: "model", pathInOutput: "nope" } }), userError(/pathInOutput input names a path that does not exist/));
    });

    it("refuses an explicit mlflow_model that is a single file", async () => {
      await assert.rejects(
        register({ jobs: [job], blobs }, { modelType: "mlflow_model", source: { kind: "jobOutput", jobName: "train-1", outputName: "model", pathInOutput: "model.pkl" } }),
        userError(/mlflow_model must be a folder/),
      );
    });

    it("warns, as a pipeline warning, when an explicit mlflow_model has no MLmodel file", async () => {
      const { model, warnings, logs } = await register({ jobs: [job], blobs }, { modelType: "mlflow_model" });
      assert.equal(model.type, "mlflow_model");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^modelType is mlflow_model but the .* has no MLmodel file at its root/);
      assert.ok(!logs.some((line) => /MLmodel/.test(line)), "not also a log line");
    });

    it("still registers when the metrics cannot be read, with a warning", async () => {
      const source = fakeSourceContext({ jobs: [job], blobs });
      const warnings: string[] = [];
      const model = await registerModel({ api: new FakeRegistry(), source, run: RUN, readMetrics: async () => Promise.reject(new Error("HTTP 503")), log: () => undefined, warning: (m) => warnings.push(m) }, request());
      assert.equal(model.metrics, undefined);
      assert.match(warnings.join("\n"), /Could not read the metrics of job 'train-1'.*HTTP 503/);
    });
  });

  describe("local path", () => {
    function localFolder(files: Record<string, string>): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "model-src-"));
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
      return dir;
    }

    function recordingUploader(): LocalUploader & { recorded: string[] } {
      const recorded: string[] = [];
      return {
        recorded,
        upload: async (localPath) => ({ modelUri: `azureml://datastores/workspaceblobstore/paths/LocalUpload/hash/${path.basename(localPath)}`, storage: { datastore: "workspaceblobstore", path: "LocalUpload/hash" }, indicatorBlob: "LocalUpload/hash/x/MLmodel", reused: false }),
        recordVersion: async (_blob, name, version) => void recorded.push(`${name}:${version}`),
      };
    }

    it("detects an MLflow folder and records the registered version on the upload", async () => {
      const uploader = recordingUploader();
      const { model } = await register({ uploader }, { source: { kind: "localPath", path: localFolder({ MLmodel: "flavors: {}", "model.pkl": "x" }) } });
      assert.equal(model.type, "mlflow_model");
      assert.equal(model.source.kind, "localPath");
      assert.deepEqual(uploader.recorded, ["churn:1"]);
    });

    it("registers a folder without MLmodel as custom_model", async () => {
      const { model } = await register({ uploader: recordingUploader() }, { source: { kind: "localPath", path: localFolder({ "model.onnx": "x" }) } });
      assert.equal(model.type, "custom_model");
    });

    it("fails clearly when the path does not exist", async () => {
      await assert.rejects(register({ uploader: recordingUploader() }, { source: { kind: "localPath", path: "/no/such/model" } }), userError(/Input modelPath: \/no\/such\/model does not exist/));
    });
  });

  describe("uri", () => {
    it("registers a datastore path, detecting MLflow", async () => {
      const { model } = await register({ blobs: ["workspaceblobstore/models/churn/MLmodel"] }, { source: { kind: "uri", uri: "azureml://datastores/workspaceblobstore/paths/models/churn/" } });
      assert.deepEqual([model.type, model.uri], ["mlflow_model", "azureml://datastores/workspaceblobstore/paths/models/churn/"]);
    });

    it("treats an azureml://jobs URI as that job's output, with the same checks", async () => {
      await assert.rejects(register({ jobs: [] }, { source: { kind: "uri", uri: "azureml://jobs/train-9/outputs/model/paths/m" } }), userError(/job 'train-9' was not found/));
    });

    it("fails clearly when a datastore path holds nothing", async () => {
      await assert.rejects(register({ blobs: [] }, { source: { kind: "uri", uri: "azureml://datastores/workspaceblobstore/paths/none" } }), userError(/nothing was found at azureml:\/\/datastores/));
    });

    it("registers a blob URL it cannot inspect as custom_model, saying so", async () => {
      const { model, logs } = await register({}, { source: { kind: "uri", uri: "https://other.blob.core.windows.net/models/churn/" } });
      assert.equal(model.type, "custom_model");
      assert.match(logs.join("\n"), /without checking its content/);
    });
  });

  describe("URI parsing", () => {
    it("parses short and long datastore URIs of this workspace only", () => {
      assert.deepEqual(parseDatastoreUri("azureml://datastores/ds/paths/a/b/", SCOPE), { datastore: "ds", path: "a/b/" });
      const long = `azureml://subscriptions/${SCOPE.subscriptionId}/resourcegroups/${SCOPE.resourceGroup}/workspaces/${SCOPE.workspace}/datastores/ds/paths/a`;
      assert.deepEqual(parseDatastoreUri(long, SCOPE), { datastore: "ds", path: "a" });
      assert.equal(parseDatastoreUri(long.replace("/workspaces/mlw/", "/workspaces/other/"), SCOPE), undefined);
    });

    it("parses job output URIs with and without a path", () => {
      assert.deepEqual(parseJobOutputUri("azureml://jobs/j1/outputs/model/paths/sub/dir/"), { jobName: "j1", outputName: "model", pathInOutput: "sub/dir" });
      assert.deepEqual(parseJobOutputUri("azureml://jobs/j1/outputs/artifacts"), { jobName: "j1", outputName: "artifacts" });
      assert.equal(parseJobOutputUri("azureml://datastores/x/paths/y"), undefined);
    });
  });
});
