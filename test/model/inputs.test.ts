import * as assert from "node:assert/strict";
import { readModelInputs } from "../../tasks/common/model/inputs";
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
