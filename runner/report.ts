// The --report JSON: the run's result and structure, each step's outcome, output variables and
// uploaded summaries, with every secret masked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecretMasker } from './masker';
import { mergeResults, type TaskResult } from './model/pipeline';
import type { DeploymentRecord, StageRecord } from './executor/scheduler';

export interface PipelineReport {
  pipeline: string;
  result: TaskResult;
  buildId: number;
  buildNumber: string;
  startTime: string;
  finishTime: string;
  durationSeconds: number;
  target: { kind: 'emulator' | 'azure'; auth: string; scheme: string; subscriptionId: string; emulatorStateDir?: string };
  workFolder: string;
  /** False when the runner removed its temporary work folder at exit (no --keep-work). */
  workFolderKept: boolean;
  stages: StageRecord[];
  /** Deployment history: each environment's deployments in this run, in the order they finished. */
  deployments: Record<string, DeploymentRecord[]>;
}

export function deploymentHistory(records: DeploymentRecord[]): Record<string, DeploymentRecord[]> {
  const history: Record<string, DeploymentRecord[]> = {};
  for (const r of records) (history[r.environment] ??= []).push(r);
  return history;
}

/** A run's result: the worst of the stages that ran; Succeeded when everything was skipped. */
export function overallResult(stages: StageRecord[]): TaskResult {
  const ran = stages.map((s) => s.result).filter((r) => r !== 'Skipped');
  return ran.length ? mergeResults(ran) : 'Succeeded';
}

export function writeReport(file: string, report: PipelineReport, masker: SecretMasker): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(masker.maskDeep(report), null, 2)}\n`, 'utf8');
}

/** The closing lines of a run: one line per step, grouped by job, then the deployments. */
export function summaryLines(stages: StageRecord[], deployments: Record<string, DeploymentRecord[]> = {}): string[] {
  const lines: string[] = [];
  for (const stage of stages) {
    for (const job of stage.jobs) {
      const where = stage.name === '__default' ? job.displayName : `${stage.displayName} / ${job.displayName}`;
      lines.push(`  ${where}: ${job.result}${job.reason ? ` (${job.reason})` : ''}`);
      for (const step of job.steps) {
        const what = step.task ?? step.script ?? '';
        lines.push(`    ${step.result.padEnd(19)} ${step.phase ? `${step.phase}: ` : ''}${step.displayName}${what ? ` [${what}]` : ''}${step.durationSeconds ? ` ${step.durationSeconds.toFixed(1)}s` : ''}${step.result !== 'Succeeded' && (step.reason ?? step.message) ? ` — ${step.reason ?? step.message}` : ''}`);
        const outputs = outputsLine(step.outputVariables);
        if (outputs) lines.push(`${' '.repeat(24)}${outputs}`);
      }
    }
  }
  for (const [environment, history] of Object.entries(deployments)) {
    for (const d of history) lines.push(`  Deployment to ${environment}${d.resource ? ` (${d.resource})` : ''}: ${d.result} — ${d.stage} / ${d.job}, ${d.strategy}`);
  }
  return lines;
}

const OUTPUT_VALUE_CHARS = 48;

/** A step's output variables on one line, long values (ids, URLs, JSON) shortened: the report has them whole. */
function outputsLine(outputs: Record<string, string>): string {
  const shown = Object.entries(outputs).map(([name, value]) => `${name}=${value.length > OUTPUT_VALUE_CHARS ? `${value.slice(0, OUTPUT_VALUE_CHARS - 1)}…` : value}`);
  return shown.length ? `→ ${shown.join(', ')}` : '';
}
