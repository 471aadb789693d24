// L0 tests of AzureMLModel@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner. Bad inputs fail the step with a message naming the input, without a stack trace.
import { strict as assert } from "node:assert";
import * as os from "node:os";
import * as path from "node:path";
import { runMockTask } from "./mockTaskRun";

const taskJsonPath = path.join(__dirname, "..", "..", "tasks", "AzureMLModelV1", "task.json");

describe("AzureMLModel@1 (L0)", function () {
  this.timeout(60_000);

  const run = (inputs: Record<string, string>, env: Record<string, string> = {}) => runMockTask(path.join(__dirname, "AzureMLModelV1", "mockRun.ts"), taskJsonPath, { L0_INPUTS: JSON.stringify(inputs), ...env });
  // What the agent passes for a filePath input left empty: the repository root.
  const repositoryRoot = os.tmpdir();

  const cases: Array<{ title: string; inputs: Record<string, string>; env?: Record<string, string>; message: RegExp }> = [
    { title: "a model name the service refuses", inputs: { modelName: "churn model", jobName: "train-1" }, message: /Input modelName: 'churn model' is not a valid Azure ML model name/ },
    { title: "a job output without a job name", inputs: { modelName: "churn", modelSource: "jobOutput" }, message: /Input required: jobName/ },
    { title: "a local source without a path", inputs: { modelName: "churn", modelSource: "localPath" }, message: /Input required: modelPath/ },
    { title: "a local source whose path was left empty", inputs: { modelName: "churn", modelSource: "localPath", modelPath: repositoryRoot }, env: { SYSTEM_DEFAULTWORKINGDIRECTORY: repositoryRoot }, message: /Input required: modelPath/ },
    { title: "a version the service refuses", inputs: { modelName: "churn", jobName: "train-1", version: "latest" }, message: /Input version: 'latest'/ },
    { title: "a promotion without a source model", inputs: { modelName: "churn", modelSource: "model" }, message: /Input required: sourceModel/ },
    { title: "a promotion from the target workspace's own short form", inputs: { modelName: "churn", modelSource: "model", sourceModel: "azureml:churn:3" }, message: /Input sourceModel: azureml:churn:3 names a model of the target workspace itself/ },
    { title: "tags that are not key=value", inputs: { modelName: "churn", jobName: "train-1", tags: "stage=dev\noops" }, message: /Input tags, line 2: 'oops' is not key=value/ },
  ];

  for (const { title, inputs, env, message } of cases) {
    it(`fails clearly on ${title}`, async () => {
      const runner = await run(inputs, env);
      assert.equal(runner.failed, true, runner.stdout);
      assert.match(runner.stdout, message);
      assert.doesNotMatch(runner.stdout, /\n\s+at .+:\d+:\d+\)?/, "no stack trace");
      assert.doesNotMatch(runner.stdout, /##vso\[task\.setvariable variable=modelVersion/);
    });
  }
});
