// Boolean and pick-list inputs are checked against the task's own task.json before the task does anything.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkDeclaredInputs, parseBooleanInput, readDeclaredInputs, readPickList } from "../../tasks/common/platform/declaredInputs";
import { runTask } from "../../tasks/common/platform/taskRunner";
import { UserError } from "../../tasks/common/platform/userError";
import { fakeHost } from "../common/fakes";

const tasksRoot = path.join(__dirname, "..", "..", "tasks");
const taskFolders = fs.readdirSync(tasksRoot).filter((folder) => fs.existsSync(path.join(tasksRoot, folder, "task.json")));

describe("declared inputs", () => {
  it("reads a pick list as its option whatever the case, its fallback when unset, and refuses other values", () => {
    const options = ["GET", "POST", "auto"] as const;
    assert.equal(readPickList(fakeHost({ inputs: { method: "post" } }), "method", options, "auto"), "POST");
    assert.equal(readPickList(fakeHost({ inputs: {} }), "method", options, "auto"), "auto");
    assert.throws(() => readPickList(fakeHost({ inputs: { method: "PUT" } }), "method", options, "auto"), (error: Error) => error instanceof UserError && error.message === "Input method: 'PUT' is not one of GET, POST, auto.");
  });

  it("reads true and false in any case, and refuses anything else naming the input and value", () => {
    assert.equal(parseBooleanInput("dryRun", "TRUE"), true);
    assert.equal(parseBooleanInput("dryRun", "False"), false);
    for (const value of ["yes", "1", "on", "no", "tru"]) {
      assert.throws(() => parseBooleanInput("dryRun", value), (error: Error) => error instanceof UserError && error.message.includes("dryRun") && error.message.includes(`'${value}'`));
    }
  });

  for (const folder of taskFolders) {
    const declared = readDeclaredInputs(path.join(tasksRoot, folder));
    const booleans = declared.filter((input) => input.type === "boolean");
    const fixedLists = declared.filter((input) => (input.type === "pickList" || input.type === "radio") && input.options && Object.keys(input.options).length > 0 && String(input.properties?.EditableOptions).toLowerCase() !== "true");

    it(`${folder}: every boolean input refuses 'yes' and takes 'True'`, () => {
      for (const input of booleans) {
        assert.throws(() => checkDeclaredInputs(fakeHost({ inputs: { [input.name]: "yes" } }), declared), new RegExp(`Input ${input.name}: 'yes' is not a boolean`));
        checkDeclaredInputs(fakeHost({ inputs: { [input.name]: "True" } }), declared);
      }
    });

    it(`${folder}: every fixed pick list refuses a value outside its options and takes each option`, () => {
      for (const input of fixedLists) {
        assert.throws(() => checkDeclaredInputs(fakeHost({ inputs: { [input.name]: "bogus" } }), declared), (error: Error) => error instanceof UserError && error.message.startsWith(`Input ${input.name}: 'bogus' is not one of ${Object.keys(input.options!).join(", ")}`));
        for (const option of Object.keys(input.options!)) checkDeclaredInputs(fakeHost({ inputs: { [input.name]: option } }), declared);
      }
    });
  }

  it("editable pick lists (workspace names) take any value", () => {
    const declared = readDeclaredInputs(path.join(tasksRoot, "AzureMLJobV1"));
    checkDeclaredInputs(fakeHost({ inputs: { workspaceName: "anything-at-all", resourceGroupName: "rg" } }), declared);
  });

  it("the task frame fails the step before the body runs", async () => {
    const host = fakeHost({ inputs: { dryRun: "yes" } });
    let ran = false;
    try {
      await runTask(
        host,
        async () => {
          ran = true;
        },
        { taskDirectory: path.join(tasksRoot, "AzureMLJobV1") },
      );
    } finally {
      process.exitCode = undefined;
    }
    assert.equal(ran, false);
    assert.match(host.setResult.firstCall.args[1], /Input dryRun: 'yes' is not a boolean/);
  });
});
