// The gate's summary tab (markdown, readable without clicking): the verdict and decision, then per check its
// verdict, the reasons (which models, jobs and deployments were compared) and the comparison table.
import type { GateOutcome } from "./gate";
import type { GateVerdict } from "./gatePort";

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const MARK: Record<GateVerdict, string> = { pass: "✅ pass", fail: "❌ fail", inconclusive: "⚠️ inconclusive" };

export function gateSummary(outcome: GateOutcome): string {
  const lines = [`### Azure ML gate: ${MARK[outcome.verdict]}`, "", `${outcome.message}.`, ""];
  for (const check of outcome.checks) {
    lines.push(`#### ${check.check}: ${MARK[check.verdict]}`, "");
    for (const reason of check.reasons) lines.push(`- ${reason}`);
    lines.push("", "| Measure | Actual | Expected | Verdict |", "| --- | --- | --- | --- |");
    for (const row of check.rows) lines.push(`| ${cell(row.measure)} | ${cell(row.actual)} | ${cell(row.expected)} | ${MARK[row.verdict]} |`);
    if (check.details) lines.push("", check.details);
    lines.push("");
  }
  return lines.join("\n");
}
