import * as assert from "node:assert/strict";
import { isUserError } from "../../tasks/common/platform/userError";
import { FINGERPRINT_PROPERTY, sourceFingerprint } from "../../tasks/common/workspace/lineage";
import { ArmRequestError } from "../../tasks/common/azure/armErrors";
import { VersionConflictError, type ModelVersionProperties } from "../../tasks/common/workspace/modelRegistry";
import { registerModelVersion } from "../../tasks/common/model/register";
import { FakeRegistry } from "./fakes";

function body(modelUri: string, extra: Record<string, string> = {}): ModelVersionProperties {
  return { modelUri, modelType: "custom_model", isAnonymous: false, properties: { ...extra, [FINGERPRINT_PROPERTY]: sourceFingerprint(modelUri, "custom_model") } };
}

describe("model: version registration", () => {
  const log = () => undefined;

  it("registers version 1 of a new model, then the next version for another source", async () => {
    const api = new FakeRegistry();
    const first = await registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/a/outputs/model"), log });
    const second = await registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/b/outputs/model"), log });
    assert.deepEqual([first.model.name, first.reused, second.model.name, second.reused], ["1", false, "2", false]);
  });

  it("gives concurrent registrations of different sources distinct consecutive versions", async () => {
    const api = new FakeRegistry();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => registerModelVersion({ api, modelName: "churn", body: body(`azureml://jobs/job-${i}/outputs/model`), log })));
    assert.deepEqual(results.map((r) => r.model.name).sort(), ["1", "2", "3", "4", "5", "6"]);
    const stored = api.models.get("churn")!;
    assert.equal(new Set(stored.map((v) => v.properties.modelUri)).size, 6, "no registration overwrote another");
    assert.ok(api.puts.length > 6, "some registrations lost a version to a concurrent one and retried");
  });

  it("returns the version already registered for the same source (a retried step) without writing", async () => {
    const api = new FakeRegistry();
    await registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/a/outputs/model", { "azure-devops.buildId": "7" }), log });
    await registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/b/outputs/model"), log });
    const puts = api.puts.length;
    const again = await registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/a/outputs/model/", { "azure-devops.buildId": "8" }), log });
    assert.equal(again.model.name, "1");
    assert.equal(again.reused, true);
    assert.equal(api.puts.length, puts, "nothing written");
    assert.equal(api.models.get("churn")![0].properties.properties?.["azure-devops.buildId"], "7", "the first run's lineage is kept");
  });

  it("treats concurrent registrations of one source as one version", async () => {
    const api = new FakeRegistry();
    const results = await Promise.all([1, 2, 3].map(() => registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/a/outputs/model"), log })));
    assert.deepEqual(results.map((r) => r.model.name), ["1", "1", "1"]);
    assert.equal(api.models.get("churn")!.length, 1);
  });

  it("registers an explicit version, and returns it when the same source asks for it again", async () => {
    const api = new FakeRegistry();
    const created = await registerModelVersion({ api, modelName: "churn", version: "2024.1", body: body("azureml://jobs/a/outputs/model"), log });
    const again = await registerModelVersion({ api, modelName: "churn", version: "2024.1", body: body("azureml://jobs/a/outputs/model"), log });
    assert.deepEqual([created.model.name, created.reused, again.model.name, again.reused], ["2024.1", false, "2024.1", true]);
  });

  it("fails clearly when an explicit version exists with different content", async () => {
    const api = new FakeRegistry();
    api.seed("churn", "3", { modelUri: "azureml://datastores/workspaceblobstore/paths/old", modelType: "custom_model" });
    await assert.rejects(
      registerModelVersion({ api, modelName: "churn", version: "3", body: body("azureml://jobs/a/outputs/model"), log }),
      (error: Error) => isUserError(error) && /version '3' already exists with different content/.test(error.message) && /leave it empty/.test(error.message),
    );
  });

  it("lets only one of two concurrent registrations of different sources have an explicit version", async () => {
    const api = new FakeRegistry();
    const outcomes = await Promise.allSettled([
      registerModelVersion({ api, modelName: "churn", version: "5", body: body("azureml://jobs/a/outputs/model"), log }),
      registerModelVersion({ api, modelName: "churn", version: "5", body: body("azureml://jobs/b/outputs/model"), log }),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ["fulfilled", "rejected"]);
    assert.match(((outcomes[1] as PromiseRejectedResult).reason as Error).message, /version '5' already exists with different content \(custom_model from azureml:\/\/jobs\/a\/outputs\/model\)/);
    assert.equal(api.models.get("churn")![0].properties.modelUri, "azureml://jobs/a/outputs/model");
  });

  it("accepts an explicit version registered by another tool with the same URI and type", async () => {
    const api = new FakeRegistry();
    api.seed("churn", "3", { modelUri: "azureml://jobs/a/outputs/model/", modelType: "custom_model" });
    const result = await registerModelVersion({ api, modelName: "churn", version: "3", body: body("azureml://jobs/a/outputs/model"), log });
    assert.deepEqual([result.model.name, result.reused], ["3", true]);
  });

  for (const answer of ["sameContentOk", "conflict"] as const) {
    describe(`when the service answers a PUT of an existing version ${answer === "conflict" ? "with 409 whatever it holds" : "with 200 for the same content"}`, () => {
      it("treats a version that holds exactly what this step sent as this step's registration (a retried PUT whose first answer was lost)", async () => {
        const api = new FakeRegistry(answer);
        const create = api.createVersion.bind(api);
        // The first PUT lands but its answer is lost; the retry meets the version it created.
        api.createVersion = async (name, version, properties) => {
          await create(name, version, properties);
          throw new VersionConflictError(version, new ArmRequestError({ status: 409, message: "Conflict", details: [] }));
        };
        const result = await registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/a/outputs/model", { "azure-devops.buildId": "7" }), log });
        assert.deepEqual([result.model.name, result.reused], ["1", false]);
        assert.equal(api.models.get("churn")!.length, 1);
      });

      it("registers one version for concurrent registrations of one source by two runs: one registers, the other reuses it", async () => {
        const api = new FakeRegistry(answer);
        const results = await Promise.all(["7", "8"].map((buildId) => registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/a/outputs/model", { "azure-devops.buildId": buildId }), log })));
        assert.deepEqual(results.map((r) => r.model.name), ["1", "1"]);
        assert.equal(api.models.get("churn")!.length, 1);
        if (answer === "conflict") assert.deepEqual(results.map((r) => r.reused).sort(), [false, true]);
      });

      it("still gives different sources distinct versions, and refuses an explicit version holding other content", async () => {
        const api = new FakeRegistry(answer);
        const results = await Promise.all(["a", "b", "c"].map((job) => registerModelVersion({ api, modelName: "churn", body: body(`azureml://jobs/${job}/outputs/model`), log })));
        assert.deepEqual(results.map((r) => r.model.name).sort(), ["1", "2", "3"]);
        await assert.rejects(registerModelVersion({ api, modelName: "churn", version: "2", body: body("azureml://jobs/d/outputs/model"), log }), /already exists with different content/);
      });
    });
  }

  it("gives up with a clear message when every attempt loses the race", async () => {
    const api = new FakeRegistry();
    api.seed("churn", "1", { modelUri: "azureml://other", modelType: "custom_model" });
    api.nextVersion = async () => "1";
    await assert.rejects(registerModelVersion({ api, modelName: "churn", body: body("azureml://jobs/a/outputs/model"), log, maxAttempts: 3 }), /every one of 3 attempts/);
  });
});
