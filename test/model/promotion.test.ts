import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as sinon from "sinon";
import { ArmRequestError } from "../../tasks/common/azure/armErrors";
import { readModelInputs } from "../../tasks/common/model/inputs";
import type { LocalUploader } from "../../tasks/common/model/localUpload";
import type { PromotionAccess, SourceRegistry, SourceWorkspace } from "../../tasks/common/model/promotion";
import { registerModel, type ModelRequest } from "../../tasks/common/model/registerModel";
import { parseSourceModel, sourceModelId, type SourceModelRef } from "../../tasks/common/model/sourceModel";
import { isUserError, UserError } from "../../tasks/common/platform/userError";
import type { DatastoreFiles } from "../../tasks/common/workspace/datastoreFiles";
import { FINGERPRINT_PROPERTY, PROMOTED_FROM_PROPERTY, SOURCE_PROPERTY, type PipelineRun } from "../../tasks/common/workspace/lineage";
import type { WorkspaceScope } from "../../tasks/common/workspace/scope";
import { fakeHost } from "../common/fakes";
import { completedJob, fakeSourceContext, FakeRegistry, SCOPE } from "./fakes";

const DEV: WorkspaceScope = { subscriptionId: "99999999-1111-2222-3333-444444444444", resourceGroup: "rg-dev", workspace: "mlw-dev" };
const DEV_MODEL = `azureml://subscriptions/${DEV.subscriptionId}/resourceGroups/${DEV.resourceGroup}/workspaces/${DEV.workspace}/models/churn/versions/3`;
const RUN: PipelineRun = { buildId: "77", buildNumber: "20261205.1", definitionName: "release-churn", jobAttempt: "1" };
const userError = (pattern: RegExp) => (error: Error) => isUserError(error) && pattern.test(error.message);

/** The dev workspace: a model registry holding churn:3 and a datastore whose files the download writes out. */
function devWorkspace(blobs: Record<string, string>, options: { modelUri?: string; jobs?: ReturnType<typeof completedJob>[] } = {}) {
  const models = new FakeRegistry();
  models.seed("churn", "3", {
    modelUri: options.modelUri ?? `azureml://subscriptions/${DEV.subscriptionId}/resourcegroups/${DEV.resourceGroup}/workspaces/${DEV.workspace}/datastores/workspaceblobstore/paths/LocalUpload/abc/churn-model`,
    modelType: "mlflow_model",
    description: "trained in dev",
    tags: { stage: "candidate", team: "risk" },
    properties: { "azure-devops.buildId": "12", [FINGERPRINT_PROPERTY]: "dev-fingerprint", "mlflow.flavor": "sklearn" },
  });
  const downloads: string[] = [];
  const files: DatastoreFiles = {
    async list(location, max) {
      const base = `${location.datastore}/${location.path.replace(/\/+$/, "")}`;
      return Object.keys(blobs).filter((b) => b.startsWith(`${base}/`)).map((b) => b.slice(base.length + 1)).slice(0, max);
    },
    async download(location, target) {
      const base = `${location.datastore}/${location.path.replace(/\/+$/, "")}`;
      downloads.push(base);
      const found = Object.entries(blobs).filter(([b]) => b.startsWith(`${base}/`));
      for (const [blob, text] of found) {
        const file = path.join(target, blob.slice(base.length + 1));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
      }
      return { files: found.length, bytes: found.reduce((n, [, text]) => n + text.length, 0) };
    },
  };
  const context = { ...fakeSourceContext({ jobs: options.jobs }), scope: DEV, files };
  const workspace: SourceWorkspace = { context, models };
  return { workspace, models, downloads };
}

interface Copy {
  localPath: string;
  files: string[];
}

/** The target's uploader: records what it was given (the copied folder's files) and answers the LocalUpload layout. */
function recordingUploader(copies: Copy[]): LocalUploader {
  return {
    async upload(localPath) {
      copies.push({ localPath, files: fs.readdirSync(localPath, { recursive: true }).map(String).sort() });
      const blobPrefix = `LocalUpload/0123456789abcdef0123456789abcdef/${path.basename(localPath)}`;
      return { modelUri: `azureml://subscriptions/${SCOPE.subscriptionId}/resourcegroups/${SCOPE.resourceGroup}/workspaces/${SCOPE.workspace}/datastores/workspaceblobstore/paths/${blobPrefix}`, storage: { datastore: "workspaceblobstore", path: blobPrefix }, indicatorBlob: `${blobPrefix}/MLmodel`, reused: false };
    },
    recordVersion: async () => undefined,
  };
}

function promotionTo(workspace: SourceWorkspace | Error, registry?: SourceRegistry | Error): PromotionAccess & { scratch: string[] } {
  const scratch: string[] = [];
  return {
    scratch,
    openWorkspace: async () => {
      if (workspace instanceof Error) throw workspace;
      return workspace;
    },
    openRegistry: async () => {
      if (!registry) throw new Error("no registry expected");
      if (registry instanceof Error) throw registry;
      return registry;
    },
    scratchFolder: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-test-"));
      scratch.push(dir);
      return dir;
    },
  };
}

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { modelName: "churn", source: { kind: "model", sourceModel: parseSourceModel(DEV_MODEL) }, modelType: "auto", tags: {}, properties: {}, ...overrides };
}

async function promote(workspace: SourceWorkspace | Error, overrides: Partial<ModelRequest> = {}, api = new FakeRegistry(), registry?: SourceRegistry | Error) {
  const copies: Copy[] = [];
  const promotion = promotionTo(workspace, registry);
  const source = fakeSourceContext({ uploader: recordingUploader(copies), promotion });
  const model = await registerModel({ api, source, run: RUN, log: (m) => source.logs.push(m), warning: (m) => source.logs.push(m) }, request(overrides));
  return { model, api, copies, logs: source.logs, scratch: promotion.scratch };
}

describe("model: promotion from another workspace", () => {
  describe("the sourceModel input", () => {
    it("reads a workspace model version's asset id, with or without the providers segment", () => {
      const expected: SourceModelRef = { kind: "workspace", scope: DEV, name: "churn", version: "3" };
      assert.deepEqual(parseSourceModel(DEV_MODEL), expected);
      assert.deepEqual(parseSourceModel(DEV_MODEL.replace("/workspaces/", "/providers/Microsoft.MachineLearningServices/workspaces/").replace("resourceGroups", "resourcegroups")), expected);
      assert.deepEqual(parseSourceModel("azureml://registries/shared/models/churn/versions/2"), { kind: "registry", registry: "shared", name: "churn", version: "2" });
    });

    it("names one canonical id for every spelling", () => {
      const upper = parseSourceModel(DEV_MODEL.replace(DEV.subscriptionId, DEV.subscriptionId.toUpperCase()));
      assert.equal(sourceModelId(upper), sourceModelId(parseSourceModel(DEV_MODEL)));
    });

    it("refuses the short form (a model of the target workspace), labels and other text, naming the input", () => {
      assert.throws(() => parseSourceModel("azureml:churn:3"), userError(/Input sourceModel: azureml:churn:3 names a model of the target workspace itself, which needs no promotion/));
      assert.throws(() => parseSourceModel(DEV_MODEL.replace("versions/3", "versions/latest")), userError(/must name an exact version/));
      assert.throws(() => parseSourceModel("https://example/models/churn"), userError(/Input sourceModel: .* is not a model version's asset id/));
    });

    it("is read as the model source from the task's inputs", () => {
      const inputs = readModelInputs(fakeHost({ inputs: { azureSubscription: "c", resourceGroupName: "rg", workspaceName: "mlw-prod", modelName: "churn", modelSource: "model", sourceModel: DEV_MODEL } }));
      assert.deepEqual(inputs.source, { kind: "model", sourceModel: { kind: "workspace", scope: DEV, name: "churn", version: "3" } });
    });
  });

  it("copies the source's files and registers them with its type, description, tags and properties, recording where it came from", async () => {
    const dev = devWorkspace({ "workspaceblobstore/LocalUpload/abc/churn-model/MLmodel": "flavors: {}\n", "workspaceblobstore/LocalUpload/abc/churn-model/model.pkl": "weights" });
    const { model, api, copies, scratch } = await promote(dev.workspace, { tags: { approved: "yes" }, properties: { [PROMOTED_FROM_PROPERTY]: "elsewhere", reviewer: "ana" } });
    assert.deepEqual(dev.downloads, ["workspaceblobstore/LocalUpload/abc/churn-model"]);
    assert.equal(copies.length, 1);
    assert.equal(path.basename(copies[0].localPath), "churn-model", "the copy keeps the source folder's name");
    assert.deepEqual(copies[0].files, ["MLmodel", "model.pkl"]);
    assert.ok(scratch.every((dir) => !fs.existsSync(dir)), "the scratch copy is removed");

    const stored = api.models.get("churn")![0].properties;
    assert.equal(stored.modelType, "mlflow_model");
    assert.match(stored.modelUri!, /\/workspaces\/mlw\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/churn-model$/);
    assert.equal(stored.description, "trained in dev");
    assert.deepEqual(stored.tags, { stage: "candidate", team: "risk", approved: "yes" });
    assert.equal(stored.jobName, undefined, "the dev job is not a job of this workspace");
    const properties = stored.properties!;
    assert.equal(properties[PROMOTED_FROM_PROPERTY], DEV_MODEL, "the source is recorded exactly, whatever the properties input says");
    assert.equal(properties.reviewer, "ana");
    assert.equal(properties["mlflow.flavor"], "sklearn", "the source's own properties are kept");
    assert.equal(properties["azure-devops.buildId"], "77", "the lineage is this run's, not the dev run's");
    assert.notEqual(properties[FINGERPRINT_PROPERTY], "dev-fingerprint");
    assert.equal(properties[SOURCE_PROPERTY], `model ${DEV_MODEL}`);
    assert.deepEqual([model.version, model.type, model.source.kind, model.registeredNow], ["1", "mlflow_model", "model", true]);
  });

  it("returns the version promoted before on a re-run, without reading the source again", async () => {
    const dev = devWorkspace({ "workspaceblobstore/LocalUpload/abc/churn-model/MLmodel": "x" });
    const api = new FakeRegistry();
    const first = await promote(dev.workspace, {}, api);
    const openWorkspace = sinon.stub().rejects(new Error("the source must not be read again"));
    const copies: Copy[] = [];
    const source = fakeSourceContext({ uploader: recordingUploader(copies), promotion: { openWorkspace, openRegistry: openWorkspace, scratchFolder: () => os.tmpdir() } });
    const again = await registerModel({ api, source, run: RUN, log: (m) => source.logs.push(m), warning: () => undefined }, request());
    assert.deepEqual([first.model.version, again.version, again.registeredNow], ["1", "1", false]);
    assert.equal(openWorkspace.callCount, 0);
    assert.equal(api.puts.length, 1);
    assert.match(source.logs.join("\n"), /version 1 was promoted from .*mlw-dev\/models\/churn\/versions\/3 before/);
  });

  it("returns an explicit version promoted before, and copies again for another explicit version", async () => {
    const dev = devWorkspace({ "workspaceblobstore/LocalUpload/abc/churn-model/MLmodel": "x" });
    const api = new FakeRegistry();
    const first = await promote(dev.workspace, { version: "3" }, api);
    const again = await promote(dev.workspace, { version: "3" }, api);
    assert.deepEqual([first.model.version, first.model.registeredNow, again.model.version, again.model.registeredNow, again.copies.length], ["3", true, "3", false, 0]);
    const other = await promote(dev.workspace, { version: "4" }, api);
    assert.deepEqual([other.model.version, other.model.registeredNow, other.copies.length], ["4", true, 1]);
  });

  it("reads a source registered from a job output from that job's output in the source workspace", async () => {
    const dev = devWorkspace({ "workspaceblobstore/azureml/train-9/model/model.pkl": "w" }, { modelUri: "azureml://jobs/train-9/outputs/model", jobs: [completedJob("train-9")] });
    const { copies } = await promote(dev.workspace);
    assert.deepEqual(dev.downloads, ["workspaceblobstore/azureml/train-9/model"]);
    assert.equal(path.basename(copies[0].localPath), "model");
  });

  it("keeps the source's type: a conflicting modelType input is refused", async () => {
    const dev = devWorkspace({ "workspaceblobstore/LocalUpload/abc/churn-model/MLmodel": "x" });
    await assert.rejects(promote(dev.workspace, { modelType: "custom_model" }), userError(/Input modelType: .* is a mlflow_model, and a promoted model keeps its type/));
  });

  it("says clearly when the source version does not exist", async () => {
    const dev = devWorkspace({});
    const missing = { ...request(), source: { kind: "model" as const, sourceModel: parseSourceModel(DEV_MODEL.replace("versions/3", "versions/4")) } };
    await assert.rejects(promote(dev.workspace, missing), userError(/Input sourceModel: model 'churn' version '4' was not found in workspace 'mlw-dev' \(resource group 'rg-dev', subscription '9999/));
  });

  it("says which permission is missing when the identity cannot read the source model", async () => {
    const dev = devWorkspace({});
    const denied = new ArmRequestError({ status: 403, code: "AuthorizationFailed", message: `The client 'app' with object id 'x' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/models/versions/read' over scope '/subscriptions/${DEV.subscriptionId}/resourceGroups/rg-dev/providers/Microsoft.MachineLearningServices/workspaces/mlw-dev/models/churn/versions/3'.`, details: [] });
    sinon.stub(dev.models, "getVersion").rejects(denied);
    await assert.rejects(promote(dev.workspace), userError(/Input sourceModel: cannot read model 'churn' version '3' in workspace 'mlw-dev'[\s\S]*AuthorizationFailed[\s\S]*Grant it the Reader/));
  });

  it("says when the source's files are gone", async () => {
    const dev = devWorkspace({});
    await assert.rejects(promote(dev.workspace), userError(/Input sourceModel: the files of .* are missing: nothing was found at azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/abc\/churn-model in workspace 'mlw-dev'/));
  });

  it("refuses a source outside the source workspace's datastores", async () => {
    const dev = devWorkspace({}, { modelUri: "https://other.blob.core.windows.net/models/churn" });
    await assert.rejects(promote(dev.workspace), userError(/outside the source workspace's datastores/));
  });

  it("refuses promoting a model onto itself", async () => {
    const self = parseSourceModel(`azureml://subscriptions/${SCOPE.subscriptionId}/resourceGroups/${SCOPE.resourceGroup}/workspaces/${SCOPE.workspace}/models/churn/versions/3`);
    await assert.rejects(promote(devWorkspace({}).workspace, { source: { kind: "model", sourceModel: self } }), userError(/model 'churn' of this very workspace; it needs no promotion/));
  });
});

const REGISTRY_MODEL = "azureml://registries/mlr-shared/models/churn/versions/2";
const REGISTRY_MODEL_URI = "https://stmlrshared.blob.core.windows.net/churn-3f2a/churn-model";

/** The registry mlr-shared: churn:2 with its files behind a SAS reference. */
function sharedRegistry(blobs: Record<string, string>, options: { modelUri?: string } = {}) {
  const versions = new FakeRegistry();
  versions.seed("churn", "2", {
    modelUri: options.modelUri ?? REGISTRY_MODEL_URI,
    modelType: "custom_model",
    description: "shared churn model",
    tags: { owner: "platform" },
    properties: { "azure-devops.buildId": "5", framework: "sklearn" },
  });
  const references: string[] = [];
  const downloads: string[] = [];
  const registry: SourceRegistry = {
    location: { registryName: "mlr-shared", subscriptionId: "11111111-2222-3333-4444-555555555555", resourceGroup: "rg-shared", primaryRegionResourceProviderUri: "https://westeurope.api.azureml.ms/" },
    models: {
      getVersion: (name, version) => versions.getVersion(name, version),
      async readReference(name, version, modelUri) {
        references.push(`${name}:${version} ${modelUri}`);
        return { containerSasUrl: "https://stmlrshared.blob.core.windows.net/churn-3f2a?sig=x", path: "churn-model" };
      },
    },
    files: (reference) => ({
      list: async () => [],
      async download(location, target) {
        downloads.push(`${reference.containerSasUrl} ${location.path}`);
        const found = Object.entries(blobs);
        for (const [blob, text] of found) {
          fs.mkdirSync(path.dirname(path.join(target, blob)), { recursive: true });
          fs.writeFileSync(path.join(target, blob), text);
        }
        return { files: found.length, bytes: found.reduce((n, [, text]) => n + text.length, 0) };
      },
    }),
  };
  return { registry, versions, references, downloads };
}

const fromRegistry = (uri = REGISTRY_MODEL): Partial<ModelRequest> => ({ source: { kind: "model", sourceModel: parseSourceModel(uri) } });
const noWorkspace = new Error("no workspace expected");

describe("model: promotion from a registry", () => {
  it("copies the registry version's files through its SAS and registers them with its type, description, tags and properties", async () => {
    const shared = sharedRegistry({ "model.pkl": "weights", "conda.yaml": "deps" });
    const { model, api, copies, logs, scratch } = await promote(noWorkspace, fromRegistry(), new FakeRegistry(), shared.registry);
    assert.deepEqual(shared.references, [`churn:2 ${REGISTRY_MODEL_URI}`]);
    assert.deepEqual(shared.downloads, ["https://stmlrshared.blob.core.windows.net/churn-3f2a?sig=x churn-model"]);
    assert.equal(path.basename(copies[0].localPath), "churn-model");
    assert.deepEqual(copies[0].files, ["conda.yaml", "model.pkl"]);
    assert.ok(scratch.every((dir) => !fs.existsSync(dir)));
    const stored = api.models.get("churn")![0].properties;
    assert.equal(stored.modelType, "custom_model");
    assert.match(stored.modelUri!, /\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/churn-model$/);
    assert.equal(stored.description, "shared churn model");
    assert.deepEqual(stored.tags, { owner: "platform" });
    assert.equal(stored.properties![PROMOTED_FROM_PROPERTY], REGISTRY_MODEL);
    assert.equal(stored.properties!.framework, "sklearn");
    assert.equal(stored.properties!["azure-devops.buildId"], "77");
    assert.equal(stored.properties![SOURCE_PROPERTY], `model ${REGISTRY_MODEL}`);
    assert.match(logs.join("\n"), /Copying model 'churn' version '2' \(custom_model\) from https:\/\/stmlrshared\.blob\.core\.windows\.net\/churn-3f2a\/churn-model in registry 'mlr-shared'/);
    assert.deepEqual([model.version, model.registeredNow], ["1", true]);
  });

  it("returns the version promoted before on a re-run, without opening the registry", async () => {
    const shared = sharedRegistry({ "model.pkl": "weights" });
    const api = new FakeRegistry();
    await promote(noWorkspace, fromRegistry(), api, shared.registry);
    const again = await promote(noWorkspace, fromRegistry(), api, new Error("the registry must not be opened again"));
    assert.deepEqual([again.model.version, again.model.registeredNow, again.copies.length], ["1", false, 0]);
    assert.equal(api.puts.length, 1);
  });

  it("passes on why the registry cannot be opened", async () => {
    await assert.rejects(promote(noWorkspace, fromRegistry(), new FakeRegistry(), new UserError("Input sourceModel: registry 'mlr-shared' was not found")), userError(/registry 'mlr-shared' was not found/));
  });

  it("says clearly when the registry has no such version", async () => {
    const shared = sharedRegistry({});
    await assert.rejects(promote(noWorkspace, fromRegistry(REGISTRY_MODEL.replace("versions/2", "versions/7")), new FakeRegistry(), shared.registry), userError(/Input sourceModel: model 'churn' version '7' was not found in registry 'mlr-shared'/));
  });

  it("names the permission when the identity cannot read the version or its files", async () => {
    const denied = (action: string) => new ArmRequestError({ status: 403, code: "AuthorizationFailed", message: `The client 'app' does not have authorization to perform action '${action}'.`, details: [] });
    const versionDenied = sharedRegistry({});
    sinon.stub(versionDenied.registry.models, "getVersion").rejects(denied("Microsoft.MachineLearningServices/registries/models/versions/read"));
    await assert.rejects(promote(noWorkspace, fromRegistry(), new FakeRegistry(), versionDenied.registry), userError(/cannot read model 'churn' version '2' in registry 'mlr-shared'[\s\S]*AuthorizationFailed/));
    const filesDenied = sharedRegistry({});
    sinon.stub(filesDenied.registry.models, "readReference").rejects(denied("Microsoft.MachineLearningServices/registries/assets/read"));
    await assert.rejects(promote(noWorkspace, fromRegistry(), new FakeRegistry(), filesDenied.registry), userError(/cannot read the files of model 'churn' version '2' in registry 'mlr-shared'[\s\S]*AuthorizationFailed/));
  });

  it("says when the registry version's files are gone, or are not in the registry's storage", async () => {
    await assert.rejects(promote(noWorkspace, fromRegistry(), new FakeRegistry(), sharedRegistry({}).registry), userError(/the files of .*mlr-shared.* are missing: nothing was found at https:\/\/stmlrshared/));
    await assert.rejects(promote(noWorkspace, fromRegistry(), new FakeRegistry(), sharedRegistry({}, { modelUri: "azureml://datastores/x/paths/y" }).registry), userError(/not in the registry's storage/));
  });
});
