// Metric names as pipeline output variables.

/**
 * Output variable for a metric: "metric_" + the name with every character other than letters, digits and
 * '_' replaced by '_' (train/loss → metric_train_loss). Variable names are case-insensitive, so names that
 * collide get a numeric suffix in metric order.
 */
export function metricVariableNames(metricNames: string[]): Record<string, string> {
  const used = new Set<string>();
  const names: Record<string, string> = {};
  for (const metric of metricNames) {
    const base = `metric_${metric.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let candidate = base;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${base}_${n}`;
    used.add(candidate.toLowerCase());
    names[metric] = candidate;
  }
  return names;
}
