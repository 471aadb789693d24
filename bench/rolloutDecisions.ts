// Benchmark (not a test): the rollout's decisions on the emulator's ARM handler and Azure Monitor metrics, its
// clock moved by the rollout's sleeps. Over seeded runs, half with a new deployment whose error rate is 5
// points worse than stable's (1% → 6%), a 5-step rollout must roll the bad ones back and promote the good
// ones in at least 95% of runs; the time to detect the regression is reported.
import { createHash } from "node:crypto";
import { DEFAULT_ANALYSIS } from "../tasks/common/rollout/analysis";
import { runRollout } from "../tasks/common/rollout/rollout";
import { parseSteps } from "../tasks/common/rollout/stepPlan";
import { emulatorPort } from "../test/rollout/emulatorPort";

const TARGET = 0.95;
const PLAN = parseSteps("10 for 5m; 20 for 5m; 30 for 5m; 50 for 5m; 100");

/** A request's failure, drawn from the seed, the deployment and the second: the same run replays exactly. */
function draw(seed: number, deployment: string, second: number): number {
  return createHash("sha256").update(`${seed}/${deployment}/${second}`).digest().readUInt32BE(0) / 2 ** 32;
}

export async function benchmarkRolloutDecisions(runs = 200): Promise<void> {
  let correct = 0;
  const detectMinutes: number[] = [];
  for (let seed = 1; seed <= runs; seed++) {
    const bad = seed % 2 === 0;
    const { h, port } = await emulatorPort((deployment, second) => draw(seed, deployment, second) < (bad && deployment === "green" ? 0.06 : 0.01));
    const started = h.ctx.now();
    const outcome = await runRollout(port, { action: "start", deployment: "green", plan: PLAN, analysis: { ...DEFAULT_ANALYSIS }, onFailure: "rollback", lookIntervalMs: 60_000, metricDelayMs: 120_000 }, { cancel: new AbortController().signal, cleanup: new AbortController().signal });
    if (outcome.result === (bad ? "rolledBack" : "promoted")) correct++;
    else if (process.env.BENCH_DEBUG) console.log(`  seed ${seed} (${bad ? "bad" : "good"}): ${outcome.result}: ${outcome.message}`);
    if (bad && outcome.result === "rolledBack") detectMinutes.push((h.ctx.now() - started) / 60_000);
  }
  detectMinutes.sort((a, b) => a - b);
  const share = correct / runs;
  const median = detectMinutes.length ? detectMinutes[detectMinutes.length >> 1] : NaN;
  console.log(`  rollout decisions: ${correct} of ${runs} seeded runs right (${(share * 100).toFixed(1)}%; target ≥ ${TARGET * 100}%: ${share >= TARGET ? "meets target" : "MISSES target"}); a 1% → 6% error-rate regression detected in a median ${median.toFixed(1)} emulated minutes (max ${detectMinutes.at(-1)?.toFixed(1)}) at 2 requests a second`);
}

if (require.main === module) void benchmarkRolloutDecisions(Number(process.argv[2] ?? 200));
