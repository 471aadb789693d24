// A seeded pseudo-random source (mulberry32) for the rollout's property tests: a failing case names its seed
// and replays exactly.
export interface Random {
  seed: number;
  /** [0, 1) */
  next(): number;
  /** A whole number from min to max, both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function random(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { seed, next, int, pick: (items) => items[int(0, items.length - 1)] };
}

/** n whole weights summing to 100 (some may be 0). */
export function randomSplit(rng: Random, n: number): number[] {
  const cuts = Array.from({ length: n - 1 }, () => rng.int(0, 100)).sort((a, b) => a - b);
  return [...cuts, 100].map((cut, i) => cut - (i ? cuts[i - 1] : 0));
}
