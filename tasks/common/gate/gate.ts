// The gate: its checks in the order given, then one verdict and what the step does with it.
// - verdict: fail when a check fails; else inconclusive when a check is; else pass. It is what the checks
//   found, whatever the step does with it.
// - passed: the decision: pass, or inconclusive with onInconclusive pass or warn.
// - The step fails when the decision is no and failOnGate is true; with failOnGate false it succeeds and only
//   the outputs tell (a condition on them decides). An inconclusive verdict with onInconclusive warn succeeds
//   with issues.
import type { TaskOutcome } from "../platform/taskHost";
import { checkChampionChallenger } from "./championChallengerCheck";
import { checkEndpointHealth } from "./endpointHealthCheck";
import { type CheckResult, type GatePort, type GateVerdict, worstVerdict } from "./gatePort";
import type { CheckName, GateInputs } from "./inputs";
import { checkLoadTest } from "./loadTestCheck";
import { checkModelMetric } from "./modelMetricCheck";

export interface GateOutcome {
  verdict: GateVerdict;
  passed: boolean;
  result: TaskOutcome;
  message: string;
  checks: CheckResult[];
}

function runCheck(port: GatePort, inputs: GateInputs, check: CheckName, signal: AbortSignal): Promise<CheckResult> {
  switch (check) {
    case "modelMetric":
      return checkModelMetric(port, inputs.modelMetric!, signal);
    case "championChallenger":
      return checkChampionChallenger(port, inputs.championChallenger!, signal);
    case "endpointHealth":
      return checkEndpointHealth(port, inputs.endpointHealth!, signal);
    case "loadTest":
      return checkLoadTest(port, inputs.loadTest!, signal);
  }
}

export async function runGate(port: GatePort, inputs: GateInputs, signal: AbortSignal): Promise<GateOutcome> {
  const checks: CheckResult[] = [];
  for (const name of inputs.checks) {
    const result = await runCheck(port, inputs, name, signal);
    port.log(`${name}: ${result.verdict}: ${result.reasons.join("; ")}`);
    checks.push(result);
  }
  return decide(checks, inputs);
}

export function decide(checks: CheckResult[], policy: Pick<GateInputs, "onInconclusive" | "failOnGate">): GateOutcome {
  const verdict = worstVerdict(checks.map((c) => c.verdict));
  const passed = verdict === "pass" || (verdict === "inconclusive" && policy.onInconclusive !== "fail");
  const failing = checks.filter((c) => c.verdict === verdict && verdict !== "pass").map((c) => c.check);
  let message = `Gate ${verdict}${failing.length ? ` (${failing.join(", ")})` : ""}`;
  if (verdict === "inconclusive") message += `; onInconclusive ${policy.onInconclusive}`;
  let result: TaskOutcome = "Succeeded";
  if (!passed) {
    result = policy.failOnGate ? "Failed" : "Succeeded";
    if (!policy.failOnGate) message += "; failOnGate is false, so the step succeeds and the outputs (verdict, passed) decide";
  } else if (verdict === "inconclusive" && policy.onInconclusive === "warn") {
    result = "SucceededWithIssues";
  }
  return { verdict, passed, result, message, checks };
}
