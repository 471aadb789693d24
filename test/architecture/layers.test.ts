import { strict as assert } from "node:assert";
import * as path from "node:path";
import { importSpecifiers, readImportGraph, violation, violations } from "./layerRule";

describe("layer rule of tasks/", () => {
  describe("the checker", () => {
    it("accepts imports of the same layer and of the layers below", () => {
      assert.deepEqual(
        violations([
          { from: "common/azure/arm.ts", to: "common/platform/userError.ts" },
          { from: "common/azure/arm.ts", to: "common/azure/retry.ts" },
          { from: "common/workspace/workspace.ts", to: "common/azure/arm.ts" },
          { from: "common/jobSpec/translate.ts", to: "common/workspace/scope.ts" },
          { from: "common/deploySpec/endpoint.ts", to: "common/jobSpec/yamlSource.ts" },
          { from: "common/job/submit.ts", to: "common/jobSpec/index.ts" },
          { from: "common/job/submit.ts", to: "common/job/inputs.ts" },
          { from: "common/deploy/deployTask.ts", to: "common/deploySpec/endpoint.ts" },
          { from: "AzureMLJobV1/index.ts", to: "common/job/runJobTask.ts" },
          { from: "AzureMLJobV1/index.ts", to: "common/platform/taskRunner.ts" },
        ]),
        [],
      );
    });

    it("fails a feature that imports another feature", () => {
      const found = violation({ from: "common/model/source.ts", to: "common/job/workspaceApi.ts" });
      assert.match(found ?? "", /feature model imports feature job/);
    });

    it("fails an upward import, from every layer", () => {
      assert.match(violation({ from: "common/platform/taskRunner.ts", to: "common/azure/armErrors.ts" }) ?? "", /layer platform imports layer azure, which is above it/);
      assert.match(violation({ from: "common/workspace/workspaceApi.ts", to: "common/jobSpec/index.ts" }) ?? "", /layer workspace imports layer jobSpec/);
      assert.match(violation({ from: "common/jobSpec/translate.ts", to: "common/deploySpec/endpoint.ts" }) ?? "", /layer jobSpec imports layer deploySpec/);
      assert.match(violation({ from: "common/azure/arm.ts", to: "common/compute/computeApi.ts" }) ?? "", /layer azure imports feature compute/);
      assert.match(violation({ from: "common/deploySpec/endpoint.ts", to: "common/job/inputs.ts" }) ?? "", /layer deploySpec imports feature job/);
    });

    it("fails modules outside a layer folder and imports of task entry points", () => {
      assert.ok(violation({ from: "common/helpers.ts", to: "common/platform/userError.ts" }));
      assert.ok(violation({ from: "common/job/submit.ts", to: "common/helpers.ts" }));
      assert.ok(violation({ from: "common/job/submit.ts", to: "AzureMLJobV1/index.ts" }));
      assert.ok(violation({ from: "AzureMLModelV1/index.ts", to: "AzureMLJobV1/index.ts" }));
    });

    it("reads every import form and skips comments", () => {
      const source = [
        'import * as fs from "node:fs";',
        "import type { A } from './a';",
        'import {\n  B,\n  C,\n} from "../b";',
        'export { D } from "./d";',
        'export * from "./e";',
        'import "./f";',
        'const g = require("./g");',
        'const h = await import("./h");',
        '// import { X } from "./commented";',
        '/* export { Y } from "./blocked"; */',
      ].join("\n");
      assert.deepEqual(importSpecifiers(source), ["node:fs", "./a", "../b", "./d", "./e", "./f", "./g", "./h"]);
    });
  });

  it("holds for every module under tasks/", () => {
    const graph = readImportGraph(path.resolve(__dirname, "../../tasks"));
    // The graph is real: a checker fed nothing would pass anything.
    assert.ok(graph.some((edge) => edge.from.startsWith("common/job/") && edge.to.startsWith("common/workspace/")));
    assert.ok(graph.some((edge) => /^AzureML\w+V1\/index\.ts$/.test(edge.from)));
    assert.deepEqual(violations(graph), []);
  });
});
