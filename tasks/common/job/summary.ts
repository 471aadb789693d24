// The "Azure ML job" tab on the run summary: status, duration, metrics, inputs/outputs and links.
import type { JobResource } from "../workspace/workspaceApi";

export interface JobSummary {
  job: JobResource;
  status: string;
  studioUrl?: string;
  /** Seconds from submission (or re-attach) to the end of the wait; undefined when not waited for. */
  durationSeconds?: number;
  metrics: Record<string, number>;
  reattached: boolean;
}

const cell = (text: unknown): string => String(text ?? "").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

function ioRows(items: Record<string, Record<string, unknown>> | undefined, typeKey: string): string[] {
  return Object.entries(items ?? {}).map(([name, item]) => {
    const where = item.uri ?? item.value ?? item.assetName ?? "";
    return `| ${cell(name)} | ${cell(item[typeKey])} | ${cell(item.mode ?? "")} | ${cell(where)} |`;
  });
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return [h ? `${h} h` : "", m ? `${m} min` : "", `${s} s`].filter(Boolean).join(" ");
}

export function summaryMarkdown(summary: JobSummary): string {
  const { job, status } = summary;
  const name = job.name;
  const lines = [`### Azure ML ${job.properties.jobType ?? ""} job ${summary.studioUrl ? `[${cell(name)}](${summary.studioUrl})` : cell(name)}`.replace(/ {2,}/g, " "), ""];
  lines.push("| | |", "|---|---|");
  lines.push(`| Status | **${cell(status)}** |`);
  if (job.properties.displayName) lines.push(`| Display name | ${cell(job.properties.displayName)} |`);
  if (job.properties.experimentName) lines.push(`| Experiment | ${cell(job.properties.experimentName)} |`);
  if (summary.durationSeconds !== undefined) lines.push(`| Waited | ${duration(summary.durationSeconds)} |`);
  if (summary.reattached) lines.push("| Note | Re-attached to the job this step submitted before (retried step) |");
  const metrics = Object.entries(summary.metrics);
  if (metrics.length > 0) {
    lines.push("", "#### Metrics", "", "| Metric | Value |", "|---|---|", ...metrics.map(([k, v]) => `| ${cell(k)} | ${v} |`));
  }
  const inputs = ioRows(job.properties.inputs, "jobInputType");
  if (inputs.length > 0) lines.push("", "#### Inputs", "", "| Name | Type | Mode | Value |", "|---|---|---|---|", ...inputs);
  const outputs = ioRows(job.properties.outputs, "jobOutputType");
  if (outputs.length > 0) lines.push("", "#### Outputs", "", "| Name | Type | Mode | Location |", "|---|---|---|---|", ...outputs);
  if (summary.studioUrl) lines.push("", `[Open the job in Azure Machine Learning studio](${summary.studioUrl})`);
  return `${lines.join("\n")}\n`;
}
