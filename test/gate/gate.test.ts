// AzureMLGate@1's decision (verdict, passed, step result), its inputs and its summary tab.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decide, runGate } from "../../tasks/common/gate/gate";
import type { CheckResult, GateVerdict } from "../../tasks/common/gate/gatePort";
import { publishGate } from "../../tasks/common/gate/publish";
import { parseChecks, parseDirection, parseTolerance, readGateInputs } from "../../tasks/common/gate/inputs";
import { gateSummary } from "../../tasks/common/gate/summary";
import { fakeHost } from "../common/fakes";
import { FakeGatePort, signal } from "./fakePort";

const check = (name: string, verdict: GateVerdict): CheckResult => ({ check: name, verdict, reasons: [`${name} says ${verdict}`], rows: [{ measure: "m | x", actual: "1", expected: ">= 2", verdict }], values: { value: 1 } });

describe("gate: decision", () => {
  it("fails on any failed check; fails the step only with failOnGate", () => {
    const checks = [check("modelMetric", "pass"), check("endpointHealth", "fail"), check("loadTest", "inconclusive")];
    const failing = decide(checks, { onInconclusive: "pass", failOnGate: true });
    assert.deepEqual([failing.verdict, failing.passed, failing.result], ["fail", false, "Failed"]);
    assert.equal(failing.message, "Gate fail (endpointHealth)");
    const outputsOnly = decide(checks, { onInconclusive: "pass", failOnGate: false });
    assert.deepEqual([outputsOnly.verdict, outputsOnly.passed, outputsOnly.result], ["fail", false, "Succeeded"]);
    assert.match(outputsOnly.message, /failOnGate is false, so the step succeeds and the outputs \(verdict, passed\) decide/);
  });

  it("treats inconclusive as onInconclusive says, the verdict staying inconclusive", () => {
    const checks = [check("modelMetric", "pass"), check("endpointHealth", "inconclusive")];
    const outcome = (onInconclusive: "fail" | "warn" | "pass") => decide(checks, { onInconclusive, failOnGate: true });
    assert.deepEqual([outcome("fail").verdict, outcome("fail").passed, outcome("fail").result], ["inconclusive", false, "Failed"]);
    assert.deepEqual([outcome("warn").passed, outcome("warn").result], [true, "SucceededWithIssues"]);
    assert.deepEqual([outcome("pass").passed, outcome("pass").result], [true, "Succeeded"]);
  });

  it("runs the checks in the order given and publishes verdict, passed, a JSON output per check and the summary", async () => {
    const port = new FakeGatePort({ models: { "churn:3": { properties: { accuracy: "0.9" } } }, endpoints: {} });
    const inputs = readGateInputs(fakeHost({ inputs: { azureSubscription: "c", resourceGroupName: "rg", workspaceName: "ws", checks: "modelMetric, championChallenger", modelName: "churn", modelVersion: "3", metric: "accuracy", threshold: "0.8", endpointName: "churn-ep" } }));
    const outcome = await runGate(port, inputs, signal);
    assert.deepEqual(outcome.checks.map((c) => [c.check, c.verdict]), [["modelMetric", "pass"], ["championChallenger", "pass"]]);
    const host = fakeHost({ variables: { "Agent.TempDirectory": fs.mkdtempSync(path.join(os.tmpdir(), "gate-test-")) } });
    publishGate(host, outcome);
    const outputs = Object.fromEntries(host.setVariable.getCalls().map((c) => [c.args[0], c.args[1]]));
    assert.equal(outputs.verdict, "pass");
    assert.equal(outputs.passed, "true");
    assert.equal(JSON.parse(outputs.modelMetric).value, 0.9);
    assert.equal(JSON.parse(outputs.championChallenger).verdict, "pass");
    assert.deepEqual(host.setResult.firstCall.args, ["Succeeded", "Gate pass"]);
    const summary = fs.readFileSync(host.uploadSummary.firstCall.args[0], "utf8");
    assert.match(summary, /### Azure ML gate: ✅ pass/);
    assert.match(summary, /\| accuracy \(churn:3, from property 'accuracy' of model churn:3\) \| 0\.9 \| >= 0\.8 \| ✅ pass \|/);
  });
});

describe("gate: inputs", () => {
  const base = { azureSubscription: "c", resourceGroupName: "rg", workspaceName: "ws" };
  const read = (inputs: Record<string, string>) => readGateInputs(fakeHost({ inputs: { ...base, ...inputs } }));

  it("reads a comma list of checks and refuses unknown ones", () => {
    assert.deepEqual(parseChecks("championChallenger, endpointHealth"), ["championChallenger", "endpointHealth"]);
    assert.deepEqual(parseChecks("endpointhealth\nloadTest,endpointHealth"), ["endpointHealth", "loadTest"]);
    assert.throws(() => parseChecks("health"), /Input checks: 'health' is not a check; use one or more of modelMetric, championChallenger, endpointHealth, loadTest/);
  });

  it("names the input a selected check needs", () => {
    assert.throws(() => read({ checks: "modelMetric", modelName: "churn", modelVersion: "3", metric: "acc" }), /Input threshold is required for the modelMetric check/);
    assert.throws(() => read({ checks: "endpointHealth" }), /Input endpointName is required for the endpointHealth check/);
    assert.throws(() => read({ checks: "championChallenger", endpointName: "e", metric: "acc" }), /Input modelName is required for the championChallenger check/);
    assert.throws(() => read({ checks: "endpointHealth", endpointName: "e", minRequests: "many" }), /Input minRequests: 'many' must be a whole number from 1 up/);
    assert.throws(() => read({ checks: "modelMetric", modelName: "churn", modelVersion: "latest", metric: "acc", threshold: "1" }), /Input modelVersion: 'latest' is not a model version/);
  });

  it("reads direction, tolerance and the endpoint health settings", () => {
    assert.equal(parseDirection(">="), "higherIsBetter");
    assert.equal(parseDirection("lowerIsBetter"), "lowerIsBetter");
    assert.throws(() => parseDirection("up"), /Input direction: 'up'/);
    assert.deepEqual(parseTolerance("2%"), { value: 0.02, relative: true });
    assert.deepEqual(parseTolerance("0.01"), { value: 0.01, relative: false });
    const inputs = read({ checks: "endpointHealth", endpointName: "e", maxErrorRate: "2", metricDelayMinutes: "2", windowMinutes: "10" });
    assert.deepEqual(inputs.endpointHealth, { endpointName: "e", windowMinutes: 10, metricDelayMs: 120_000, guardrails: { minRequests: 100, maxErrorRate: 0.02, maxLatencyP95Ms: undefined }, missingEndpoint: "fail" });
    assert.equal(inputs.failOnGate, true);
    assert.equal(inputs.onInconclusive, "fail");
    assert.deepEqual(read({ checks: "championChallenger", candidateJob: "train-5", endpointName: "e", metric: "acc" }).championChallenger?.candidate, { job: "train-5" });
  });
});

describe("gate: summary", () => {
  it("escapes table cells and shows each check's reasons", () => {
    const text = gateSummary(decide([check("endpointHealth", "inconclusive")], { onInconclusive: "warn", failOnGate: true }));
    assert.match(text, /### Azure ML gate: ⚠️ inconclusive/);
    assert.match(text, /Gate inconclusive \(endpointHealth\); onInconclusive warn\./);
    assert.match(text, /- endpointHealth says inconclusive/);
    assert.match(text, /\| m \\\| x \| 1 \| >= 2 \| ⚠️ inconclusive \|/);
  });
});
