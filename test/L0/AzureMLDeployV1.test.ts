// L0 tests of AzureMLDeploy@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner. Bad inputs fail the step with a message naming the input, without a stack trace.
import * as path from "node:path";
import { type InputFailureCase, itFailsOnInputs } from "./mockTaskRun";

describe("AzureMLDeploy@1 (L0)", function () {
  this.timeout(60_000);

  const deploymentFile = path.join(__dirname, "..", "fixtures", "deploySpec", "managed-deployment.yml");
  const batchDeploymentFile = path.join(__dirname, "..", "fixtures", "azureml-examples", "endpoints", "batch", "deploy-models", "heart-classifier-mlflow", "deployment-simple", "deployment.yml");

  const cases: InputFailureCase[] = [
    { title: "a missing deployment file", inputs: {}, message: /Input required: deploymentFile/ },
    { title: "an unknown trafficAfterDeploy", inputs: { deploymentFile, trafficAfterDeploy: "half" }, message: /Input trafficAfterDeploy: 'half' is not one of none, all/ },
    { title: "an unknown onFailure", inputs: { deploymentFile, onFailure: "rollback" }, message: /Input onFailure: 'rollback' is not one of keep, delete/ },
    { title: "expectValue without a path", inputs: { deploymentFile, smokeTestFile: deploymentFile, expectValue: "1" }, message: /Input expectJsonPath: required with expectValue/ },
    { title: "a JSONPath it cannot read", inputs: { deploymentFile, smokeTestFile: deploymentFile, expectJsonPath: "$..x" }, message: /Input expectJsonPath: '\$\.\.x' is not a supported JSONPath/ },
    { title: "a timeout that is not a number", inputs: { deploymentFile, timeoutMinutes: "soon" }, message: /Input timeoutMinutes: 'soon' is not a number of minutes/ },
    { title: "setDefault without a smoke input", inputs: { deploymentFile: batchDeploymentFile, setDefault: "true" }, message: /Input smokeTestInput: required with setDefault/ },
    { title: "a batch smoke input for an online file", inputs: { deploymentFile, smokeTestInput: "./sample" }, message: /Input smokeTestInput: only for batch deployments/ },
    { title: "trafficAfterDeploy for a batch file", inputs: { deploymentFile: batchDeploymentFile, trafficAfterDeploy: "all" }, message: /Input trafficAfterDeploy: batch endpoints have no traffic; use setDefault/ },
  ];

  itFailsOnInputs("AzureMLDeployV1", cases, "provisioningState");
});
