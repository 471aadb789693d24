import { strict as assert } from "node:assert";
import { latencyHistogram, percentile, summarizeLoad } from "../../tasks/common/workspace/loadStatistics";

describe("workspace: load statistics", () => {
  it("takes nearest-rank percentiles, always a measured value", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 95), 95);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([10, 20, 30], 50), 20);
    assert.equal(percentile([], 50), undefined);
  });

  it("counts latencies into buckets by their upper bound, the rest in an unbounded last one", () => {
    assert.deepEqual(latencyHistogram([5, 10, 11, 99, 1_000], [10, 100]), [
      { upToMs: 10, count: 2 },
      { upToMs: 100, count: 2 },
      { upToMs: Infinity, count: 1 },
    ]);
  });

  it("summarises a run: 5xx, 424 (model failed) and transport failures are errors, other 4xx are not, latency over answers only", () => {
    const samples = [
      { dueMs: 0, latencyMs: 10, status: 424 },
      { dueMs: 100, latencyMs: 20, status: 200 },
      { dueMs: 200, latencyMs: 30, status: 400 },
      { dueMs: 300, latencyMs: 40, status: 500 },
      { dueMs: 400, latencyMs: 60_000, failure: "timeout" },
    ];
    const summary = summarizeLoad({ samples, unsent: 2, elapsedMs: 2_000 }, [25, 50]);
    assert.deepEqual(summary, {
      requests: 5,
      answered: 4,
      serverErrors: 2,
      transportFailures: 1,
      unsent: 2,
      errorRate: 0.6,
      throughputPerSecond: 2,
      p50Ms: 20,
      p95Ms: 40,
      p99Ms: 40,
      histogram: [
        { upToMs: 25, count: 2 },
        { upToMs: 50, count: 2 },
        { upToMs: Infinity, count: 0 },
      ],
    });
  });

  it("summarises an empty run without dividing by zero", () => {
    const summary = summarizeLoad({ samples: [], unsent: 0, elapsedMs: 0 });
    assert.equal(summary.errorRate, 0);
    assert.equal(summary.throughputPerSecond, 0);
    assert.equal(summary.p95Ms, undefined);
  });
});
