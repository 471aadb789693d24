// Hands an assessment to the agent: output variables, the verdict and table in the log, the summary tab,
// and the step's result as the input onUnavailable asks.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TaskHost } from "../platform/taskHost";
import type { Assessment } from "./assess";
import type { OnUnavailable } from "./inputs";
import { summaryMarkdown, tableLines, verdictLine, type SummaryContext } from "./report";

/** The summary tab is titled after the file; a folder of its own keeps two steps' summaries apart. */
function uploadSummary(host: TaskHost, assessment: Assessment, context: SummaryContext): void {
  const directory = host.getVariable("Agent.TempDirectory") ?? os.tmpdir();
  try {
    fs.mkdirSync(directory, { recursive: true });
    const file = path.join(fs.mkdtempSync(path.join(directory, "azureml-compute-")), `Azure ML compute ${assessment.name.replace(/[^A-Za-z0-9_.-]/g, "_")}.md`);
    fs.writeFileSync(file, summaryMarkdown(assessment, context));
    host.uploadSummary(file);
  } catch (error) {
    host.warning(`Could not write the compute summary in ${directory}: ${(error as Error).message}`);
  }
}

export function publishAssessment(host: TaskHost, assessment: Assessment, context: SummaryContext, onUnavailable: OnUnavailable): void {
  for (const [name, value] of Object.entries(assessment.outputs)) {
    host.setVariable(name, value, { isOutput: true });
  }
  const line = verdictLine(assessment);
  host.log(line);
  for (const row of tableLines(assessment.rows)) host.log(row);
  for (const problem of assessment.problems.slice(1)) host.log(`  problem: ${problem}`);

  uploadSummary(host, assessment, context);

  if (assessment.verdict === "unavailable") {
    if (onUnavailable === "warn") {
      host.warning(line);
      host.setResult("SucceededWithIssues", line);
    } else {
      host.setResult("Failed", line);
    }
    return;
  }
  // Warnings (busy, resizing, quota not verified) are worth reading but do not make the step's result worse.
  for (const warning of assessment.warnings) host.warning(warning);
  host.setResult("Succeeded", line);
}
