// The gate's outputs: verdict, passed, one JSON output per check with the values it compared, the summary tab
// and the step's result.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TaskHost } from "../platform/taskHost";
import type { GateOutcome } from "./gate";
import { gateSummary } from "./summary";

export function publishGate(host: TaskHost, outcome: GateOutcome): void {
  host.setVariable("verdict", outcome.verdict, { isOutput: true });
  host.setVariable("passed", String(outcome.passed), { isOutput: true });
  for (const check of outcome.checks) host.setVariable(check.check, JSON.stringify({ verdict: check.verdict, ...check.values }), { isOutput: true });
  const file = path.join(host.getVariable("Agent.TempDirectory") ?? os.tmpdir(), `azureml-gate-${Date.now()}.md`);
  fs.writeFileSync(file, gateSummary(outcome));
  host.uploadSummary(file);
  if (outcome.result === "Failed") host.log(outcome.message);
  else if (outcome.result === "SucceededWithIssues" || !outcome.passed) host.warning(outcome.message);
  else host.log(outcome.message);
  host.setResult(outcome.result, outcome.message);
}
