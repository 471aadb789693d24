// The two tests the rollout analysis uses, pure and self-contained.
//
// 1. Error rates, looked at again and again: a mixture sequential probability ratio test (mSPRT; Robbins 1970,
//    Johari, Pekelis & Walsh, "Always valid inference", 2017 — the test behind Optimizely's stats engine) on the
//    difference of two proportions. With θ̂ = p̂_new − p̂_stable, its unpooled variance V = p̂₁(1−p̂₁)/n₁ +
//    p̂₀(1−p̂₀)/n₀ and a normal mixture N(0, τ²) over the true difference, the likelihood ratio is
//        Λ = √(V / (V + τ²)) · exp(θ̂² τ² / (2 V (V + τ²)))
//    and p = min over looks of min(1, 1/Λ) is an always-valid p-value: P(p ever ≤ α under "no difference") ≤ α
//    however often and whenever we look (Ville's inequality), which a fixed-sample z-test looked at every minute
//    does not give. It rests on the normal approximation of θ̂, so it is used only above a minimum number of
//    requests. τ = 0.02 (a difference of two percentage points) tunes power, not validity.
// 2. Latency: Azure Monitor gives percentiles per minute (RequestLatency_P95), not request latencies, so the
//    rank test compares the per-minute p95 values of the two deployments: a one-sided Mann–Whitney U test of
//    "the new deployment's minute-level p95 is stochastically larger than the stable one's". Exact null
//    distribution when there are no ties and few minutes, normal approximation with tie and continuity
//    correction otherwise.

/** Standard normal upper tail P(Z ≥ z) (Abramowitz & Stegun 7.1.26 for erfc; error below 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export interface Proportion {
  events: number;
  trials: number;
}

/** Default mixing scale of the mSPRT: differences of error rate around two percentage points. */
export const MSPRT_TAU = 0.02;

/**
 * The mSPRT likelihood ratio Λ for "the new deployment's error rate differs from the stable one's" at one
 * look, from the cumulative counts. 1 (no evidence) when the variance is 0 (no errors on either side, or all).
 */
export function msprtLikelihoodRatio(candidate: Proportion, stable: Proportion, tau = MSPRT_TAU): number {
  const p1 = candidate.events / candidate.trials;
  const p0 = stable.events / stable.trials;
  const v = (p1 * (1 - p1)) / candidate.trials + (p0 * (1 - p0)) / stable.trials;
  if (!(v > 0)) return 1;
  const t2 = tau * tau;
  const diff = p1 - p0;
  return Math.sqrt(v / (v + t2)) * Math.exp((diff * diff * t2) / (2 * v * (v + t2)));
}

/**
 * The always-valid p-value after this look, for "the new deployment has a higher error rate": the running
 * minimum of 1/Λ, lowered only by looks where the new deployment's observed rate is the higher (one-sided use
 * of the two-sided test, which keeps the level).
 */
export function alwaysValidPValue(previous: number, candidate: Proportion, stable: Proportion, tau = MSPRT_TAU): number {
  if (!(candidate.trials > 0 && stable.trials > 0)) return previous;
  if (candidate.events / candidate.trials <= stable.events / stable.trials) return previous;
  return Math.min(previous, 1 / msprtLikelihoodRatio(candidate, stable, tau));
}

/** Number of (x, y) pairs with x > y, ties counting one half. */
function uStatistic(xs: readonly number[], ys: readonly number[]): number {
  let u = 0;
  for (const x of xs) for (const y of ys) u += x > y ? 1 : x === y ? 0.5 : 0;
  return u;
}

/** P(U ≥ u) under the null for sizes n, m without ties, by counting arrangements. */
function exactUpperTail(n: number, m: number, u: number): number {
  // count[i][j][k]: arrangements of i x's and j y's with k pairs x > y; built up one element at a time.
  let previousRow: number[][] = [];
  for (let i = 0; i <= n; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= m; j++) {
      const counts = new Array<number>(i * j + 1).fill(0);
      if (i === 0 || j === 0) counts[0] = 1;
      else {
        // the largest element is an x (beats all j y's) or a y
        previousRow[j].forEach((c, k) => (counts[k + j] += c));
        row[j - 1].forEach((c, k) => (counts[k] += c));
      }
      row.push(counts);
    }
    previousRow = row;
  }
  const counts = previousRow[m];
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.slice(Math.ceil(u)).reduce((a, b) => a + b, 0) / total;
}

export interface RankTest {
  u: number;
  pValue: number;
  method: "exact" | "normal";
}

/** One-sided Mann–Whitney U test that the values of `candidate` tend to be larger than those of `stable`. */
export function mannWhitneyGreater(candidate: readonly number[], stable: readonly number[]): RankTest {
  const n = candidate.length;
  const m = stable.length;
  const u = uStatistic(candidate, stable);
  const all = [...candidate, ...stable];
  const ties = new Map<number, number>();
  for (const v of all) ties.set(v, (ties.get(v) ?? 0) + 1);
  const tied = [...ties.values()].filter((t) => t > 1);
  if (!tied.length && n * m <= 900) return { u, pValue: exactUpperTail(n, m, u), method: "exact" };
  const total = n + m;
  const tieTerm = tied.reduce((a, t) => a + t * t * t - t, 0) / (total * (total - 1));
  const variance = ((n * m) / 12) * (total + 1 - tieTerm);
  if (!(variance > 0)) return { u, pValue: 1, method: "normal" };
  const z = (u - (n * m) / 2 - 0.5) / Math.sqrt(variance);
  return { u, pValue: normalUpperTail(z), method: "normal" };
}
