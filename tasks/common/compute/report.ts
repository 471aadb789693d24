// How an assessment reads: one verdict line, an aligned table for the log, and a markdown summary for the
// pipeline run's summary tab.
import type { Assessment } from "./assess";

const VERDICT_WORDS = { available: "available", degraded: "usable, with warnings", unavailable: "UNAVAILABLE" } as const;

function detail(assessment: Assessment): string {
  const { outputs } = assessment;
  if (assessment.verdict === "unavailable") {
    const more = assessment.problems.length - 1;
    return `${assessment.problems[0]}${more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : ""}`;
  }
  if (assessment.verdict === "degraded") return assessment.warnings.join("; ");
  if (assessment.computeType === "AmlCompute") {
    const quota = outputs.quotaAvailableCores ? `, ${outputs.quotaAvailableCores} vCPUs of quota free` : "";
    return `${outputs.idleNodes} idle and ${outputs.busyNodes} busy of at most ${outputs.maxNodes} nodes${quota}`;
  }
  return assessment.stateText;
}

/** The one-line verdict, e.g. "Compute 'cpu-cluster' (AmlCompute) is available: 0 idle and 0 busy of at most 4 nodes". */
export function verdictLine(assessment: Assessment): string {
  if (assessment.computeType === "Serverless") {
    return "No compute named: the job runs on serverless compute, which Azure ML provisions per job. Nothing to check.";
  }
  return `Compute '${assessment.name}' (${assessment.computeType}) is ${VERDICT_WORDS[assessment.verdict]}: ${detail(assessment)}`;
}

/** The table as aligned plain-text lines. */
export function tableLines(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`);
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export interface SummaryContext {
  action: string;
  workspace: string;
  /** What the task did (created, updated, started...), in order. */
  actions: string[];
}

/** Markdown for the summary tab. */
export function summaryMarkdown(assessment: Assessment, context: SummaryContext): string {
  const lines = [
    `### Azure ML compute ${assessment.computeType === "Serverless" ? "(serverless)" : `\`${assessment.name}\``}: ${VERDICT_WORDS[assessment.verdict]}`,
    "",
    cell(verdictLine(assessment)),
    "",
    `Workspace \`${context.workspace}\`, action \`${context.action}\`.`,
    "",
    "| | |",
    "|---|---|",
    ...assessment.rows.map(([key, value]) => `| ${cell(key)} | ${cell(value)} |`),
  ];
  const section = (title: string, items: string[]): string[] => (items.length ? ["", `**${title}**`, "", ...items.map((item) => `- ${cell(item)}`)] : []);
  lines.push(...section("What was done", context.actions), ...section("Problems", assessment.problems), ...section("Warnings", assessment.warnings));
  return `${lines.join("\n")}\n`;
}
