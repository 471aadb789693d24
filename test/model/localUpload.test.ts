import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BlobStore } from "../../tasks/common/workspace/datastores";
import { createLocalUploader } from "../../tasks/common/model/localUpload";
import { isUserError } from "../../tasks/common/platform/userError";
import { SCOPE } from "./fakes";

function memoryStore(): BlobStore & { events: string[]; metadata: Map<string, Record<string, string>> } {
  const blobs = new Set<string>();
  const metadata = new Map<string, Record<string, string>>();
  const events: string[] = [];
  return {
    containerUrl: "https://acct.blob.core.windows.net/azureml-blobstore-x",
    datastoreName: "workspaceblobstore",
    events,
    metadata,
    getMetadata: async (name) => (blobs.has(name) ? (metadata.get(name) ?? {}) : undefined),
    uploadFile: async (name) => {
      blobs.add(name);
      events.push(`upload ${name}`);
    },
    setMetadata: async (name, values) => {
      metadata.set(name, values);
      events.push(`metadata ${name} ${values.version}`);
    },
  };
}

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "model-upload-"));
  const root = path.join(dir, "churn");
  fs.mkdirSync(root);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  return root;
}

describe("model: local upload", () => {
  it("uploads under LocalUpload/<hash>/<folder>, marks completion last, and reuses a completed upload", async () => {
    const store = memoryStore();
    const uploader = createLocalUploader(SCOPE, async () => store, () => undefined);
    const dir = folder({ MLmodel: "flavors: {}", "model.pkl": "w", ".amlignore": "*.log\n", "train.log": "noise" });
    const first = await uploader.upload(dir, "churn", undefined);
    assert.match(first.modelUri, new RegExp(`^azureml://subscriptions/${SCOPE.subscriptionId}/resourcegroups/${SCOPE.resourceGroup}/workspaces/${SCOPE.workspace}/datastores/workspaceblobstore/paths/LocalUpload/[0-9a-f]{32}/churn$`));
    assert.equal(first.reused, false);
    const uploaded = store.events.filter((e) => e.startsWith("upload")).map((e) => path.basename(e)).sort();
    assert.deepEqual(uploaded, [".amlignore", "MLmodel", "model.pkl"], "ignored files stay local");
    assert.match(store.events[store.events.length - 1], /^metadata .* 1$/, "the completion marker comes last");

    const before = store.events.length;
    const second = await uploader.upload(dir, "churn", undefined);
    assert.deepEqual([second.reused, second.modelUri], [true, first.modelUri]);
    assert.equal(store.events.length, before, "nothing uploaded again");

    await uploader.recordVersion(first.indicatorBlob, "churn", "4");
    assert.deepEqual(store.metadata.get(first.indicatorBlob), { upload_status: "completed", name: "churn", version: "4" });
  });

  it("gives changed content another location", async () => {
    const store = memoryStore();
    const uploader = createLocalUploader(SCOPE, async () => store, () => undefined);
    const a = await uploader.upload(folder({ "model.pkl": "v1" }), "churn", undefined);
    const b = await uploader.upload(folder({ "model.pkl": "v2" }), "churn", undefined);
    assert.notEqual(a.modelUri, b.modelUri);
  });

  it("refuses an empty folder, naming the input", async () => {
    const uploader = createLocalUploader(SCOPE, async () => memoryStore(), () => undefined);
    await assert.rejects(uploader.upload(folder({}), "churn", undefined), (error: Error) => isUserError(error) && /Input modelPath: Directory .* is empty/.test(error.message));
  });
});
