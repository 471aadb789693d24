// The rollout's step plan, from the `steps` input ("mirror 20 for 10m; 10 for 15m; 25 for 15m; 50 for 15m; 100")
// or from stepWeight/maxWeight/interval (Flagger's vocabulary). Pure: text in, a typed plan or a UserError out.
//
// Grammar (steps separated by ';' or new lines; blank steps are ignored):
//   mirror <percent> for <duration>   copy <percent> of the endpoint's requests to the new deployment (answers dropped)
//   <weight> for <duration>           the new deployment takes <weight>% of live traffic, analysed for <duration>
//   pause                             stop with result `paused` until a run with `action: resume`
//   100                               promotion; only the last step may have no duration
// <percent>/<weight> are whole numbers, '%' optional; <duration> is like 30s, 10m, 1h or 1h30m.
// A plan that does not end at 100 ends with an implied `100` (as in Argo Rollouts and Flagger: a rollout whose
// steps all passed is promoted). Live weights never go down: a step back is a rollback, not a plan.
import { MIRROR_MAX } from "../deploySpec/endpoint";
import { UserError } from "../platform/userError";

/** Where a step is in the input text: 1-based step number and column. */
export interface StepSource {
  step: number;
  column: number;
  text: string;
}

export type PlanStep =
  | { kind: "mirror"; percent: number; holdMs: number; source?: StepSource }
  | { kind: "traffic"; weight: number; holdMs: number; source?: StepSource }
  | { kind: "pause"; source?: StepSource };

export interface StepPlan {
  steps: PlanStep[];
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** "1h30m" → ms; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === "") return undefined;
  const [, h, m, s] = match;
  return Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s;
}

export function formatDuration(ms: number): string {
  const h = Math.floor(ms / UNIT_MS.h);
  const m = Math.floor((ms % UNIT_MS.h) / UNIT_MS.m);
  const s = Math.round((ms % UNIT_MS.m) / UNIT_MS.s);
  return [h ? `${h}h` : "", m ? `${m}m` : "", s || (!h && !m) ? `${s}s` : ""].join("");
}

const STEP = /^(?:(mirror)\s+)?(\d+)\s*%?(?:\s+for\s+(\S+))?$/i;

/** Splits on ';' and new lines, keeping each piece's 1-based column in its line. */
function pieces(text: string): { text: string; column: number; line: number }[] {
  const found: { text: string; column: number; line: number }[] = [];
  text.split(/\r?\n/).forEach((lineText, lineIndex) => {
    let column = 1;
    for (const raw of lineText.split(";")) {
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim()) found.push({ text: raw.trim(), column: column + lead, line: lineIndex + 1 });
      column += raw.length + 1;
    }
  });
  return found;
}

/** Parses the `steps` input; errors name the input, the step number and its line and column. */
export function parseSteps(text: string, inputName = "steps"): StepPlan {
  const found = pieces(text);
  const multiline = found.some((p) => p.line > 1);
  const steps: PlanStep[] = [];
  found.forEach((piece, index) => {
    const source: StepSource = { step: index + 1, column: piece.column, text: piece.text };
    const where = `step ${index + 1} '${piece.text}' (${multiline ? `line ${piece.line}, ` : ""}column ${piece.column})`;
    const fail = (why: string): never => {
      throw new UserError(`Input '${inputName}', ${where}: ${why}`);
    };
    if (/^pause$/i.test(piece.text)) {
      steps.push({ kind: "pause", source });
      return;
    }
    const match = STEP.exec(piece.text);
    if (!match) return fail("expected 'mirror <percent> for <duration>', '<weight> for <duration>', 'pause' or '100', e.g. 'mirror 20 for 10m; 10 for 15m; 100'");
    const [, mirror, amountText, durationText] = match;
    const amount = Number(amountText);
    const holdMs = durationText === undefined ? undefined : parseDuration(durationText.toLowerCase());
    if (durationText !== undefined && (holdMs === undefined || holdMs === 0)) fail(`'${durationText}' is not a duration: use s, m or h, like 30s, 10m, 1h30m`);
    if (mirror) {
      if (amount < 1 || amount > MIRROR_MAX) fail(`Azure ML mirrors between 1% and ${MIRROR_MAX}% of an endpoint's traffic, not ${amount}%`);
      if (holdMs === undefined) fail("a mirror step needs a duration, like 'mirror 20 for 10m'");
      steps.push({ kind: "mirror", percent: amount, holdMs: holdMs!, source });
      return;
    }
    if (amount > 100) fail(`a weight is a percentage of live traffic, at most 100, not ${amount}`);
    if (amount === 0) fail("a weight of 0 leaves the new deployment without live traffic: use 'mirror <percent> for <duration>' to test it on copies");
    const last = index === found.length - 1;
    if (holdMs === undefined && !(last && amount === 100)) fail(`only the final '100' may have no duration: write '${amount} for 10m' (how long to analyse it)`);
    const previous = [...steps].reverse().find((s) => s.kind === "traffic");
    if (previous?.kind === "traffic" && amount < previous.weight) fail(`the weight goes down from ${previous.weight} to ${amount}: weights must not decrease`);
    if (previous?.kind === "traffic" && previous.weight === 100) fail("comes after the step that gave the new deployment 100%: the rollout is promoted there");
    steps.push({ kind: "traffic", weight: amount, holdMs: holdMs ?? 0, source });
  });
  if (!steps.some((s) => s.kind === "traffic" || s.kind === "mirror")) throw new UserError(`Input '${inputName}' names no step: write e.g. 'mirror 20 for 10m; 10 for 15m; 25 for 15m; 50 for 15m; 100'`);
  return withPromotion({ steps });
}

/** Flagger's form: stepWeight, 2×stepWeight … up to maxWeight, each held for interval, then 100. */
export function linearSteps(stepWeight: number, maxWeight: number, intervalText: string, names = { stepWeight: "stepWeight", maxWeight: "maxWeight", interval: "interval" }): StepPlan {
  const wholePercent = (value: number, name: string, min: number) => {
    if (!Number.isInteger(value) || value < min || value > 100) throw new UserError(`Input '${name}' must be a whole number from ${min} to 100, not '${value}'`);
  };
  wholePercent(stepWeight, names.stepWeight, 1);
  wholePercent(maxWeight, names.maxWeight, 1);
  if (maxWeight < stepWeight) throw new UserError(`Input '${names.maxWeight}' (${maxWeight}) is below '${names.stepWeight}' (${stepWeight})`);
  const holdMs = parseDuration(intervalText.trim().toLowerCase());
  if (!holdMs) throw new UserError(`Input '${names.interval}': '${intervalText}' is not a duration: use s, m or h, like 30s, 10m, 1h30m`);
  const steps: PlanStep[] = [];
  for (let weight = stepWeight; weight < maxWeight + stepWeight; weight += stepWeight) {
    steps.push({ kind: "traffic", weight: Math.min(weight, maxWeight), holdMs });
  }
  return withPromotion({ steps });
}

function withPromotion(plan: StepPlan): StepPlan {
  const last = plan.steps[plan.steps.length - 1];
  if (last.kind === "traffic" && last.weight === 100) return plan;
  return { steps: [...plan.steps, { kind: "traffic", weight: 100, holdMs: 0 }] };
}

/** One line per step, for the log. */
export function describeStep(step: PlanStep): string {
  if (step.kind === "pause") return "pause";
  if (step.kind === "mirror") return `mirror ${step.percent}% for ${formatDuration(step.holdMs)}`;
  return step.holdMs ? `${step.weight}% for ${formatDuration(step.holdMs)}` : `${step.weight}% (promotion)`;
}
