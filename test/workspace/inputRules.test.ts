import * as assert from "node:assert/strict";
import { checkName, parseKeyValues } from "../../tasks/common/workspace/inputRules";
import { isUserError } from "../../tasks/common/platform/userError";

const userError = (pattern: RegExp) => (error: Error) => isUserError(error) && pattern.test(error.message);

describe("workspace: input rules", () => {
  it("parses tags and properties as key=value lines or JSON, naming the bad line", () => {
    assert.deepEqual(parseKeyValues("tags", "stage = candidate\n# comment\n\nowner=ml team"), { stage: "candidate", owner: "ml team" });
    assert.deepEqual(parseKeyValues("tags", '{"stage":"candidate","auc":0.9}'), { stage: "candidate", auc: "0.9" });
    assert.throws(() => parseKeyValues("properties", "a=1\njust text"), userError(/Input properties, line 2: 'just text' is not key=value/));
    assert.throws(() => parseKeyValues("tags", "{oops"), userError(/Input tags: not valid JSON/));
  });

  it("checks names by the service's rules, naming the input", () => {
    checkName("job", "jobName", "train_42-a");
    checkName("experiment", "experimentName", "churn.v2");
    assert.throws(() => checkName("job", "jobName", "train.42"), userError(/^Input jobName: 'train\.42' is not a valid Azure ML job name: use letters, digits, '-' and '_'/));
    assert.throws(() => checkName("model", "modelName", "_churn"), userError(/^Input modelName: '_churn' is not a valid Azure ML model name/));
    assert.throws(() => checkName("jobOutput", "outputName", "1st"), userError(/^Input outputName: '1st' is not a valid job output name/));
    assert.throws(() => checkName("job", "jobName", "a".repeat(256)), userError(/at most 255 characters/));
  });
});
