import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkOutputFile, writeOutputFile } from "../../tasks/common/platform/outputFile";
import { isUserError } from "../../tasks/common/platform/userError";

const userError = (pattern: RegExp) => (error: Error) => isUserError(error) && pattern.test(error.message);

describe("platform: output files for later steps", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "azureml-output-"));
  });
  afterEach(() => {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("accepts a new file in folders still to be created, and an existing file", () => {
    checkOutputFile(path.join(dir, "a", "b", "model.json"), "modelJsonFile");
    fs.writeFileSync(path.join(dir, "old.json"), "{}");
    checkOutputFile(path.join(dir, "old.json"), "modelJsonFile");
    assert.deepEqual(fs.readdirSync(dir), ["old.json"], "checking creates nothing");
  });

  it("refuses a folder, naming the input and suggesting a file", () => {
    assert.throws(() => checkOutputFile(dir, "modelJsonFile"), userError(new RegExp(`^Input modelJsonFile: ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is a folder; name the file to write`)));
  });

  it("refuses a path below a file", () => {
    fs.writeFileSync(path.join(dir, "artifacts"), "not a folder");
    assert.throws(() => checkOutputFile(path.join(dir, "artifacts", "out", "model.json"), "modelJsonFile"), userError(/^Input modelJsonFile: cannot create .*model\.json, because .*artifacts is a file, not a folder/));
  });

  it("refuses a folder the agent's user cannot write", function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anywhere
    fs.chmodSync(dir, 0o555);
    assert.throws(() => checkOutputFile(path.join(dir, "out", "model.json"), "modelJsonFile"), userError(/^Input modelJsonFile: .* cannot be written \(the folder .* is not writable/));
  });

  it("writes, creating the folder, and names the input when it cannot", () => {
    writeOutputFile(path.join(dir, "x", "config.json"), "configFile", "{}\n");
    assert.equal(fs.readFileSync(path.join(dir, "x", "config.json"), "utf8"), "{}\n");
    assert.throws(() => writeOutputFile(path.join(dir, "x", "config.json", "deeper"), "configFile", "{}"), userError(/^Cannot write .*deeper \(input configFile\)/));
  });
});
