import * as assert from "node:assert/strict";
import { describeStep, formatDuration, linearSteps, parseDuration, parseSteps } from "../../tasks/common/rollout/stepPlan";
import { UserError } from "../../tasks/common/platform/userError";

const plain = (text: string) => parseSteps(text).steps.map(describeStep);

function refuses(text: string, pattern: RegExp) {
  assert.throws(() => parseSteps(text), (error: unknown) => error instanceof UserError && pattern.test(error.message));
}

describe("rollout: step plan", () => {
  it("parses the issue's example into mirror, traffic and promotion steps", () => {
    const plan = parseSteps("mirror 20 for 10m; 10 for 15m; 25 for 15m; 50 for 15m; 100");
    assert.deepEqual(
      plan.steps.map(({ source, ...step }) => step),
      [
        { kind: "mirror", percent: 20, holdMs: 600_000 },
        { kind: "traffic", weight: 10, holdMs: 900_000 },
        { kind: "traffic", weight: 25, holdMs: 900_000 },
        { kind: "traffic", weight: 50, holdMs: 900_000 },
        { kind: "traffic", weight: 100, holdMs: 0 },
      ],
    );
    assert.deepEqual(plan.steps[2].source, { step: 3, column: 32, text: "25 for 15m" });
  });

  it("accepts %, new lines, pause and mixed durations, and implies the final 100", () => {
    assert.deepEqual(plain("10% for 1h30m\npause\n50 for 45s"), ["10% for 1h30m", "pause", "50% for 45s", "100% (promotion)"]);
  });

  it("reads durations and writes them back", () => {
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("10"), undefined);
    assert.equal(parseDuration(""), undefined);
    assert.equal(formatDuration(5_400_000), "1h30m");
    assert.equal(formatDuration(45_000), "45s");
  });

  it("names the input, step and column of a step it cannot read", () => {
    assert.throws(() => parseSteps("10 for 5m; ten for 5m"), /^UserError: Input 'steps', step 2 'ten for 5m' \(column 12\): expected/);
    assert.throws(() => parseSteps("10 for 5m\n  20 for 5x"), /Input 'steps', step 2 '20 for 5x' \(line 2, column 3\): '5x' is not a duration/);
  });

  it("refuses what Azure ML or a rollout cannot do", () => {
    refuses("mirror 60 for 5m", /between 1% and 50%/);
    refuses("mirror 20", /mirror step needs a duration/);
    refuses("10; 100", /only the final '100' may have no duration: write '10 for 10m'/);
    refuses("0 for 5m", /weight of 0/);
    refuses("150 for 5m", /at most 100/);
    refuses("50 for 5m; 20 for 5m", /goes down from 50 to 20/);
    refuses("100 for 5m; 100", /promoted there/);
    refuses(" ; ", /names no step/);
    refuses("pause", /names no step/);
  });

  it("builds Flagger's linear plan from stepWeight, maxWeight and interval", () => {
    assert.deepEqual(linearSteps(20, 50, "5m").steps.map(describeStep), ["20% for 5m", "40% for 5m", "50% for 5m", "100% (promotion)"]);
    assert.deepEqual(linearSteps(25, 100, "1m").steps.map(describeStep), ["25% for 1m", "50% for 1m", "75% for 1m", "100% for 1m"]);
    assert.throws(() => linearSteps(0, 50, "5m"), /Input 'stepWeight' must be a whole number from 1 to 100/);
    assert.throws(() => linearSteps(30, 20, "5m"), /Input 'maxWeight' \(20\) is below 'stepWeight' \(30\)/);
    assert.throws(() => linearSteps(10, 50, "soon"), /Input 'interval': 'soon' is not a duration/);
  });
});
