// L0 tests of AzureMLGate@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner. Bad inputs fail the step with a message naming the input, before any connection, without a
// stack trace and without a verdict.
import { type InputFailureCase, itFailsOnInputs } from "./mockTaskRun";

describe("AzureMLGate@1 (L0)", function () {
  this.timeout(60_000);

  const model = { modelName: "churn", modelVersion: "3", metric: "accuracy" };

  const cases: InputFailureCase[] = [
    { title: "no checks", inputs: {}, message: /Input required: checks/ },
    { title: "an unknown check", inputs: { checks: "modelMetric, health" }, message: /Input checks: 'health' is not a check; use one or more of modelMetric, championChallenger, endpointHealth, loadTest/ },
    { title: "a check without the input it needs", inputs: { checks: "endpointHealth" }, message: /Input endpointName is required for the endpointHealth check/ },
    { title: "a threshold that is not a number", inputs: { checks: "modelMetric", ...model, threshold: "high" }, message: /Input threshold: 'high' must be a number/ },
    { title: "an unknown direction", inputs: { checks: "modelMetric", ...model, threshold: "0.8", direction: "up" }, message: /Input direction: 'up' is not one of/ },
    { title: "an unknown onInconclusive", inputs: { checks: "endpointHealth", endpointName: "e", onInconclusive: "maybe" }, message: /Input onInconclusive: 'maybe' is not one of fail, warn, pass/ },
    { title: "failOnGate that is not a boolean", inputs: { checks: "endpointHealth", endpointName: "e", failOnGate: "yes" }, message: /Input failOnGate: 'yes' is not a boolean/ },
    { title: "a load test without a deployment", inputs: { checks: "loadTest", endpointName: "e" }, message: /Input deploymentName is required for the loadTest check/ },
  ];

  itFailsOnInputs("AzureMLGateV1", cases, "verdict");
});
