import * as assert from "node:assert/strict";
import { readRolloutInputs } from "../../tasks/common/rollout/inputs";
import { describeStep } from "../../tasks/common/rollout/stepPlan";
import { isUserError } from "../../tasks/common/platform/userError";
import { fakeHost } from "../common/fakes";

const BASE = { azureSubscription: "conn", resourceGroupName: "rg", workspaceName: "ws", endpointName: "churn", deploymentName: "green" };
const read = (inputs: Record<string, string>) => readRolloutInputs(fakeHost({ inputs: { ...BASE, ...inputs } }));
const userError = (pattern: RegExp) => (error: Error) => isUserError(error) && pattern.test(error.message);

describe("rollout: task inputs", () => {
  it("reads a start with its steps and analysis, percentages as rates", () => {
    const { request, endpointName } = read({ steps: "mirror 20 for 10m; 50 for 15m; 100", maxErrorRate: "2.5", maxLatencyP95Ms: "400", confidence: "99", failureLimit: "1", inconclusivePolicy: "pause", timeoutMinutes: "90" });
    assert.equal(endpointName, "churn");
    assert.deepEqual(request.plan?.steps.map(describeStep), ["mirror 20% for 10m", "50% for 15m", "100% (promotion)"]);
    assert.equal(request.analysis.maxErrorRate, 0.025);
    assert.equal(request.analysis.maxLatencyP95Ms, 400);
    assert.equal(request.analysis.confidence, 0.99);
    assert.equal(request.analysis.failureLimit, 1);
    assert.equal(request.analysis.inconclusivePolicy, "pause");
    assert.equal(request.timeoutMs, 90 * 60_000);
    assert.equal(request.metricDelayMs, 3 * 60_000);
    assert.equal(request.onFailure, "rollback");
  });

  it("builds the plan from stepWeight, maxWeight and interval", () => {
    assert.deepEqual(read({ stepWeight: "25", maxWeight: "50", interval: "5m" }).request.plan?.steps.map(describeStep), ["25% for 5m", "50% for 5m", "100% (promotion)"]);
  });

  it("reads step with its weight, and promote and abort without a plan", () => {
    assert.equal(read({ action: "step", weight: "30" }).request.weight, 30);
    assert.equal(read({ action: "abort" }).request.plan, undefined);
  });

  it("refuses what it cannot run, naming the input", () => {
    assert.throws(() => read({}), userError(/Input steps \(or stepWeight, maxWeight and interval\) is required for action start/));
    assert.throws(() => read({ steps: "10 for 5m", stepWeight: "10" }), userError(/steps and stepWeight are both set/));
    assert.throws(() => read({ action: "step" }), userError(/Input weight is required for action step/));
    assert.throws(() => read({ action: "step", weight: "12.5" }), userError(/Input weight: '12.5' must be a whole number from 0 to 100/));
    assert.throws(() => read({ action: "rollback" }), userError(/Input action: 'rollback' is not one of start, step, promote, abort, resume/));
    assert.throws(() => read({ steps: "10 for 5m", maxErrorRate: "lots" }), userError(/Input maxErrorRate: 'lots' must be a number from 0 to 100/));
    assert.throws(() => read({ steps: "10 for 5m", inconclusivePolicy: "retry" }), userError(/Input inconclusivePolicy/));
    assert.throws(() => read({ steps: "10 for 5x" }), userError(/Input 'steps', step 1/));
  });
});

describe("rollout: custom check and load test inputs", () => {
  it("reads an HTTP check (POST when a body is given) and a command check", () => {
    const http = read({ steps: "10 for 5m", customCheck: "http", customCheckUrl: "https://health.contoso.com/q", customCheckBody: '{"q":1}', customCheckExpression: "$.ok == true", customCheckTimeoutSeconds: "5" }).customCheck;
    assert.deepEqual(http, { kind: "http", url: "https://health.contoso.com/q", method: "POST", body: '{"q":1}', expression: { path: "$.ok", operator: "==", expected: "true", text: "$.ok == true" }, timeoutMs: 5_000 });
    assert.deepEqual(read({ steps: "10 for 5m", customCheck: "command", customCheckCommand: "./check.sh" }).customCheck, { kind: "command", command: "./check.sh", timeoutMs: 60_000 });
    assert.equal(read({ steps: "10 for 5m" }).customCheck, undefined);
  });

  it("reads a load test", () => {
    const { loadTest } = read({ steps: "10 for 5m", loadTestRate: "5", loadTestFile: "/src/request.json" });
    assert.deepEqual(loadTest, { requestFile: "/src/request.json", ratePerSecond: 5, maxConcurrency: 10 });
  });

  it("refuses what it cannot run, naming the input", () => {
    const steps = "10 for 5m";
    assert.throws(() => read({ steps, customCheck: "http", customCheckExpression: "$.ok" }), userError(/Input required: customCheckUrl/));
    assert.throws(() => read({ steps, customCheck: "http", customCheckUrl: "health", customCheckExpression: "$.ok" }), userError(/Input customCheckUrl: 'health' is not an http\(s\) URL/));
    assert.throws(() => read({ steps, customCheck: "http", customCheckUrl: "https://h/q", customCheckExpression: "ok" }), userError(/Input customCheckExpression: 'ok' is not a supported expression/));
    assert.throws(() => read({ steps, customCheck: "http", customCheckUrl: "https://h/q", customCheckMethod: "GET", customCheckBody: "{}", customCheckExpression: "$.ok" }), userError(/Input customCheckBody: a GET request has no body/));
    assert.throws(() => read({ steps, customCheck: "command" }), userError(/Input required: customCheckCommand/));
    assert.throws(() => read({ steps, customCheckCommand: "./check.sh" }), userError(/Input customCheckCommand is set but customCheck is none/));
    assert.throws(() => read({ steps, loadTestRate: "5" }), userError(/Input loadTestFile: required with loadTestRate/));
    assert.throws(() => read({ steps, loadTestFile: "/r.json" }), userError(/Input loadTestRate: required with loadTestFile/));
    assert.throws(() => read({ steps, loadTestRate: "0", loadTestFile: "/r.json" }), userError(/Input loadTestRate: '0' must be a number from 0.01 to 1000/));
  });
});

describe("rollout: afterPromotion inputs", () => {
  it("reads afterPromotion and its window, keep by default and always for abort", () => {
    assert.deepEqual(read({ steps: "10 for 5m" }).afterPromotion, { action: "keep", delayMs: 0 });
    assert.deepEqual(read({ steps: "10 for 5m", afterPromotion: "scaleDown", afterPromotionDelayMinutes: "30" }).afterPromotion, { action: "scaleDown", delayMs: 30 * 60_000 });
    assert.deepEqual(read({ action: "promote", afterPromotion: "delete" }).afterPromotion, { action: "delete", delayMs: 0 });
    assert.deepEqual(read({ action: "abort", afterPromotion: "delete" }).afterPromotion, { action: "keep", delayMs: 0 });
    assert.throws(() => read({ steps: "10 for 5m", afterPromotion: "remove" }), userError(/Input afterPromotion: 'remove' is not one of keep, scaleDown, delete/));
  });
});
