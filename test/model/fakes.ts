// In-memory stand-ins for what model registration talks to: a model registry that behaves like the
// service (nextVersion, immutable versions: same content → 200, other content → 409), datastores as blob
// name lists, and jobs. Every call yields to the event loop, so concurrent registrations interleave.
import { setImmediate as tick } from "node:timers/promises";
import { ArmRequestError } from "../../tasks/common/azure/armErrors";
import type { JobResource } from "../../tasks/common/workspace/workspaceApi";
import type { WorkspaceScope } from "../../tasks/common/workspace/scope";
import type { DatastoreFiles } from "../../tasks/common/workspace/datastoreFiles";
import type { LocalUploader } from "../../tasks/common/model/localUpload";
import { VersionConflictError, type ModelRegistryApi, type ModelVersionProperties, type ModelVersionResource } from "../../tasks/common/workspace/modelRegistry";
import type { SourceContext } from "../../tasks/common/model/source";
import type { PromotionAccess } from "../../tasks/common/model/promotion";

export const SCOPE: WorkspaceScope = { subscriptionId: "00000000-1111-2222-3333-444444444444", resourceGroup: "rg-ml", workspace: "mlw" };

const MUTABLE = ["description", "tags", "properties", "isArchived", "stage"];
const content = (p: ModelVersionProperties) => JSON.stringify(Object.keys(p).filter((k) => !MUTABLE.includes(k)).sort().map((k) => [k, p[k]]));

export class FakeRegistry implements ModelRegistryApi {
  readonly scope = SCOPE;
  readonly models = new Map<string, ModelVersionResource[]>();
  readonly puts: Array<{ name: string; version: string }> = [];

  /** "conflict": a PUT of any existing version answers 409, even with the same content (the other way the service answers). */
  constructor(private readonly existingVersionAnswer: "sameContentOk" | "conflict" = "sameContentOk") {}

  private versions(name: string): ModelVersionResource[] {
    if (!this.models.has(name)) this.models.set(name, []);
    return this.models.get(name)!;
  }

  seed(name: string, version: string, properties: ModelVersionProperties): ModelVersionResource {
    const model = { id: `${name}/versions/${version}`, name: version, properties };
    this.versions(name).push(model);
    return model;
  }

  async nextVersion(name: string): Promise<string> {
    await tick();
    const numeric = this.versions(name).map((v) => Number(v.name)).filter(Number.isInteger);
    return String(numeric.length ? Math.max(...numeric) + 1 : 1);
  }

  async getVersion(name: string, version: string): Promise<ModelVersionResource | undefined> {
    await tick();
    return this.versions(name).find((v) => v.name === version);
  }

  async findVersionsWithProperty(name: string, key: string, value: string): Promise<ModelVersionResource[]> {
    await tick();
    return this.versions(name).filter((v) => v.properties.properties?.[key] === value).reverse();
  }

  async createVersion(name: string, version: string, properties: ModelVersionProperties): Promise<ModelVersionResource> {
    await tick();
    this.puts.push({ name, version });
    const existing = this.versions(name).find((v) => v.name === version);
    if (existing && (this.existingVersionAnswer === "conflict" || content(existing.properties) !== content(properties))) {
      throw new VersionConflictError(version, new ArmRequestError({ status: 409, message: "exists with different content", details: [] }));
    }
    if (existing) {
      existing.properties = { ...existing.properties, ...properties };
      return existing;
    }
    return this.seed(name, version, properties);
  }
}

/** Datastore files as "<datastore>/<blob path>" names. */
export function fakeFiles(blobs: string[]): DatastoreFiles {
  return {
    async list(location, max) {
      const base = `${location.datastore}/${location.path.replace(/\/+$/, "")}`;
      const found = blobs.filter((b) => b === base || b.startsWith(`${base}/`)).map((b) => (b === base ? "" : b.slice(base.length + 1)));
      return found.slice(0, max);
    },
    async download() {
      throw new Error("no download expected");
    },
  };
}

/** A command job whose script writes the model to its output 'model', as the training sample's job does. */
export const TRAINING_JOB_BODY = {
  properties: {
    jobType: "Command",
    command: "python train.py",
    environmentId: "azureml://registries/azureml/environments/sklearn-1.5/versions/1",
    outputs: { model: { jobOutputType: "uri_folder", mode: "ReadWriteMount" } },
  },
};

export function completedJob(name: string, outputs: Record<string, Record<string, unknown>> = { model: { jobOutputType: "uri_folder" } }, status = "Completed"): JobResource {
  return { id: `/jobs/${name}`, name, properties: { jobType: "Command", status, outputs } };
}

export interface FakeSourceOptions {
  jobs?: JobResource[];
  blobs?: string[];
  uploader?: LocalUploader;
  promotion?: PromotionAccess;
}

export function fakeSourceContext(options: FakeSourceOptions = {}): SourceContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    scope: SCOPE,
    getJob: async (name) => options.jobs?.find((j) => j.name === name),
    defaultDatastoreName: async () => "workspaceblobstore",
    files: fakeFiles(options.blobs ?? []),
    uploader: options.uploader ?? {
      upload: async () => {
        throw new Error("no upload expected");
      },
      recordVersion: async () => undefined,
    },
    promotion: options.promotion ?? {
      openWorkspace: async () => {
        throw new Error("no other workspace expected");
      },
      openRegistry: async () => {
        throw new Error("no registry expected");
      },
      scratchFolder: () => {
        throw new Error("no copy expected");
      },
    },
    log: (message) => logs.push(message),
    logs,
  };
}
