// Which deployment takes a request, and whether a copy goes to the mirror: deterministic counting
// instead of dice, so every 100 requests follow the endpoint's traffic percentages exactly
// (smooth weighted round-robin) and a mirror of p% copies exactly p of every 100 requests.

/** How many of the first `n` events a share of `percent` selects; event n is selected when this grows. */
function selectedBy(n: number, percent: number): number {
  return Math.floor((n * percent) / 100);
}

export class TrafficRouter {
  /** Per endpoint: each deployment's running credit (smooth weighted round-robin). */
  private readonly credits = new Map<string, Map<string, number>>();
  private readonly counters = new Map<string, number>();

  /** The deployment for the next request, by the endpoint's traffic map; undefined when no deployment has a positive weight. */
  pick(endpointKey: string, traffic: Record<string, number>): string | undefined {
    const weighted = Object.entries(traffic)
      .filter(([, weight]) => weight > 0)
      .sort(([a], [b]) => a.localeCompare(b));
    if (weighted.length === 0) return undefined;
    const credits = this.credits.get(endpointKey) ?? new Map<string, number>();
    this.credits.set(endpointKey, credits);
    for (const name of credits.keys()) if (!weighted.some(([d]) => d === name)) credits.delete(name);
    const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
    let best: string | undefined;
    for (const [name, weight] of weighted) {
      credits.set(name, (credits.get(name) ?? 0) + weight);
      if (best === undefined || credits.get(name)! > credits.get(best)!) best = name;
    }
    credits.set(best!, credits.get(best!)! - total);
    return best;
  }

  /** Whether the next event counted under `key` falls in a share of `percent` (0 to 100). */
  takesShare(key: string, percent: number): boolean {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return selectedBy(n, percent) > selectedBy(n - 1, percent);
  }
}
