import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as sinon from "sinon";
import { readModelInputs } from "../../tasks/common/model/inputs";
import type { RegisteredModel } from "../../tasks/common/model/modelJson";
import { publishModel } from "../../tasks/common/model/modelTask";
import { isUserError } from "../../tasks/common/platform/userError";
import { fakeHost } from "../common/fakes";

const BASE = { azureSubscription: "conn", resourceGroupName: "rg", workspaceName: "ws", modelName: "churn-model" };
const read = (inputs: Record<string, string>) => readModelInputs(fakeHost({ inputs: { ...BASE, ...inputs } }));
const userError = (pattern: RegExp) => (error: Error) => isUserError(error) && pattern.test(error.message);

describe("model: task inputs", () => {
  it("defaults to the job output 'model', auto type and the next version", () => {
    const inputs = read({ jobName: "train-1" });
    assert.deepEqual(inputs.source, { kind: "jobOutput", jobName: "train-1", outputName: "model" });
    assert.equal(inputs.modelType, "auto");
    assert.equal(inputs.version, undefined);
  });

  it("reads each source kind", () => {
    assert.deepEqual(read({ modelSource: "jobOutput", jobName: "j", outputName: "best", pathInOutput: "/mlflow/" }).source, { kind: "jobOutput", jobName: "j", outputName: "best", pathInOutput: "mlflow/" });
    assert.deepEqual(read({ modelSource: "localPath", modelPath: "/tmp/model" }).source, { kind: "localPath", path: "/tmp/model" });
    assert.deepEqual(read({ modelSource: "uri", modelUri: "azureml://datastores/ds/paths/m" }).source, { kind: "uri", uri: "azureml://datastores/ds/paths/m" });
  });

  it("checks modelJsonFile when reading it, before anything is uploaded or registered", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azureml-modeljson-"));
    try {
      assert.equal(read({ jobName: "j", modelJsonFile: path.join(dir, "out", "model.json") }).modelJsonFile, path.join(dir, "out", "model.json"));
      assert.throws(() => read({ jobName: "j", modelJsonFile: dir }), userError(/^Input modelJsonFile: .* is a folder/));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses names and versions the service refuses, naming the input", () => {
    assert.throws(() => read({ modelName: "churn model", jobName: "j" }), userError(/Input modelName: 'churn model' is not a valid Azure ML model name/));
    assert.throws(() => read({ modelName: "-churn", jobName: "j" }), userError(/Input modelName/));
    assert.throws(() => read({ version: "latest", jobName: "j" }), userError(/Input version: 'latest'/));
    assert.throws(() => read({ version: "1/2", jobName: "j" }), userError(/Input version/));
    assert.equal(read({ version: "2024.11-rc_1", jobName: "j" }).version, "2024.11-rc_1");
  });

  it("refuses unknown sources, types, URIs and escaping paths", () => {
    assert.throws(() => read({ modelSource: "registry" }), userError(/Input modelSource: 'registry'/));
    assert.throws(() => read({ jobName: "j", modelType: "onnx" }), userError(/Input modelType: 'onnx'/));
    assert.throws(() => read({ modelSource: "uri", modelUri: "./model" }), userError(/Input modelUri: '\.\/model' is not supported.*localPath/));
    assert.throws(() => read({ jobName: "j", pathInOutput: "../other" }), userError(/Input pathInOutput/));
    assert.throws(() => read({ jobName: "j", outputName: "my-output" }), userError(/Input outputName/));
  });

});

describe("model: publishing the registered model", () => {
  const model: RegisteredModel = {
    name: "churn", version: "3", id: "/subscriptions/s/models/churn/versions/3", assetId: "azureml:churn:3", type: "custom_model", uri: "azureml://jobs/j/outputs/model",
    source: { kind: "jobOutput", description: "output 'model' of job 'j'" }, registeredNow: true, properties: {}, tags: {},
  };

  it("says the model IS registered, with name and version, when the model JSON file cannot be written afterwards", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azureml-publish-"));
    try {
      // Checked fine at the start; a later step of the job put a file where the folder was to be created.
      fs.writeFileSync(path.join(dir, "out"), "");
      const host = fakeHost();
      assert.throws(() => publishModel(host, model, path.join(dir, "out", "model.json")), userError(/^Model churn version 3 IS registered \(azureml:churn:3; .*\), but its details could not be written: Cannot write .*model\.json \(input modelJsonFile\)/));
      sinon.assert.calledWith(host.setVariable, "modelVersion", "3");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
