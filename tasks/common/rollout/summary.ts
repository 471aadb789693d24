// The rollout's summary tab (markdown, readable without clicking): the traffic timeline, and per step the
// verdict with error rate and p95 latency of the new deployment against stable, with inline sparklines of
// the analysis' looks (Unicode block characters: the tab renders markdown, no scripts or images).
import type { Check } from "./analysis";
import type { RolloutOutcome } from "./rollout";
import { describeTraffic } from "./traffic";

const BLOCKS = "▁▂▃▄▅▆▇█";

/** A sparkline of the values on one scale (undefined values as spaces). */
export function sparkline(values: readonly (number | undefined)[], scaleMax?: number): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (!known.length) return "";
  const max = scaleMax ?? Math.max(...known);
  const min = Math.min(0, ...known);
  return values.map((v) => (v === undefined ? " " : BLOCKS[max === min ? 0 : Math.min(7, Math.floor(((v - min) / (max - min)) * 7.999))])).join("");
}

const pct = (v: number | undefined) => (v === undefined ? "–" : `${(v * 100).toFixed(2)}%`);
const msText = (v: number | undefined) => (v === undefined ? "–" : `${Math.round(v)} ms`);
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function trend(checks: readonly Check[], pick: (c: Check) => number | undefined, pickStable: (c: Check) => number | undefined): string {
  const mine = checks.map(pick);
  const stable = checks.map(pickStable);
  const max = Math.max(0, ...[...mine, ...stable].filter((v): v is number => v !== undefined));
  const line = sparkline(mine, max);
  const stableLine = sparkline(stable, max);
  return line ? `\`${line}\`${stableLine ? ` vs \`${stableLine}\`` : ""}` : "";
}

export function rolloutSummary(endpoint: string, deployment: string, outcome: RolloutOutcome): string {
  const lines = [`### Rollout of ${deployment} on ${endpoint}: ${outcome.result}`, "", outcome.message, ""];
  if (outcome.snapshot) lines.push(`- Before: ${describeTraffic(outcome.snapshot)}`);
  for (const step of outcome.steps) if (step.traffic) lines.push(`- Step ${step.index + 1} (${step.description}): ${describeTraffic(step.traffic)}`);
  if (outcome.finalTraffic) lines.push(`- Now: ${describeTraffic(outcome.finalTraffic)}`);
  const analysed = outcome.steps.filter((s) => s.checks.length);
  if (analysed.length) {
    lines.push("", "| Step | Verdict | Requests | Error rate (new / stable) | Errors per look | p95 (new / stable) | p95 per look | Reason |", "| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const step of analysed) {
      const last = step.checks[step.checks.length - 1].numbers;
      lines.push(
        `| ${step.index + 1}. ${cell(step.description)} | ${step.verdict} | ${last.requests} / ${last.stableRequests ?? "–"} | ${pct(last.errorRate)} / ${pct(last.stableErrorRate)} | ${trend(step.checks, (c) => c.numbers.errorRate, (c) => c.numbers.stableErrorRate)} | ${msText(last.p95Ms)} / ${msText(last.stableP95Ms)} | ${trend(step.checks, (c) => c.numbers.p95Ms, (c) => c.numbers.stableP95Ms)} | ${cell(step.reason)} |`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The per-step verdicts output: one object per step, with its numbers at its last look. */
export function stepVerdicts(outcome: RolloutOutcome): object[] {
  return outcome.steps.map((step) => ({ step: step.index + 1, description: step.description, verdict: step.verdict, reason: step.reason, ...(step.checks.length ? step.checks[step.checks.length - 1].numbers : {}) }));
}
