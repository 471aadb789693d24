// What a translation collects besides the body: work that needs I/O before the job can be
// submitted (uploads, @latest lookups), the assets to create, and warnings. The body refers to
// each unresolved value by a token; finalize.ts swaps tokens for ids once the I/O is done.
import * as path from 'node:path';
import { assetVersionArmId, type AssetReference, type AssetType, type WorkspaceScope } from './references';

/** A local file or folder that must be uploaded to the default datastore the way azure-ai-ml does. */
export interface PendingUpload {
  kind: 'upload';
  token: string;
  /** code: registered as an anonymous code asset; input: referenced by its datastore URI;
   *  buildContext: a docker build context of an anonymous environment. */
  purpose: 'code' | 'input' | 'buildContext';
  /** Absolute local path, resolved against the YAML file that named it; not checked yet. */
  localPath: string;
  /** Patterns azure-ai-ml adds to .amlignore/.gitignore (["__pycache__"] for component code). */
  defaultIgnores: string[];
  /** file:line:column of the YAML value, for errors found during upload (missing path, empty folder). */
  origin: string;
  /** For inputs: the declared type; a uri_folder must be a folder and its URI ends with '/'. */
  inputType?: string;
}

/** An asset named azureml:<name>@latest; its version is looked up before submission. */
export interface PendingLatest {
  kind: 'latest';
  token: string;
  assetType: AssetType;
  name: string;
  origin: string;
}

/**
 * A deployment's inline model or environment with a name and no version: azure-ai-ml registers it as a new
 * version of that asset (the container's nextVersion, "1" when there is none), looked up before finalizing.
 */
export interface PendingNextVersion {
  kind: 'nextVersion';
  /** Stands for the version, in the asset's ARM id and in the version to create. */
  token: string;
  assetType: AssetType;
  name: string;
  origin: string;
}

export type PendingItem = PendingUpload | PendingLatest | PendingNextVersion;

/** An environment version the job needs created first (PUT environments/<name>/versions/<version>). */
export interface EnvironmentVersionToCreate {
  name: string;
  version: string;
  body: { properties: Record<string, unknown> };
  /** Token the job body uses for this environment's ARM id. */
  token: string;
}

/** An anonymous environment built from a local docker context; its version hashes the upload. */
export interface BuildEnvironmentTemplate {
  token: string;
  contextUpload: string;
  dockerfilePath?: string;
  properties: Record<string, unknown>;
}

/** An anonymous component a pipeline step runs; its version hashes the resolved spec. */
export interface ComponentTemplate {
  token: string;
  spec: Record<string, unknown>;
  properties: Record<string, unknown>;
  origin: string;
}

export interface TranslationOptions {
  scope: WorkspaceScope;
}

export class TranslationContext {
  readonly pending: PendingItem[] = [];
  readonly environments: EnvironmentVersionToCreate[] = [];
  readonly buildEnvironments: BuildEnvironmentTemplate[] = [];
  readonly components: ComponentTemplate[] = [];
  readonly warnings: string[] = [];
  private next = 1;

  constructor(readonly scope: WorkspaceScope) {}

  /** Token for an upload; the same path with the same ignore rules is uploaded once. */
  upload(
    purpose: PendingUpload['purpose'],
    baseDir: string,
    localPath: string,
    origin: string,
    options: { defaultIgnores?: string[]; inputType?: string } = {},
  ): string {
    const absolute = path.resolve(baseDir, localPath);
    const defaultIgnores = options.defaultIgnores ?? [];
    const same = this.pending.find(
      (p): p is PendingUpload =>
        p.kind === 'upload' &&
        p.purpose === purpose &&
        p.localPath === absolute &&
        p.inputType === options.inputType &&
        p.defaultIgnores.join() === defaultIgnores.join(),
    );
    if (same) return same.token;
    const token = this.token(`upload:${purpose}`);
    this.pending.push({ kind: 'upload', token, purpose, localPath: absolute, defaultIgnores, origin, ...(options.inputType ? { inputType: options.inputType } : {}) });
    return token;
  }

  /** Id for a resolved reference, or a token for an @latest lookup. */
  reference(ref: AssetReference, origin: string): string {
    if (ref.kind === 'id') return ref.id;
    const same = this.pending.find((p): p is PendingLatest => p.kind === 'latest' && p.assetType === ref.assetType && p.name === ref.name);
    if (same) return same.token;
    const token = this.token(`latest:${ref.assetType}/${ref.name}`);
    this.pending.push({ kind: 'latest', token, assetType: ref.assetType, name: ref.name, origin });
    return token;
  }

  /** Token for the next version of a named asset (see PendingNextVersion); one lookup per asset. */
  nextVersion(assetType: AssetType, name: string, origin: string): string {
    const same = this.pending.find((p): p is PendingNextVersion => p.kind === 'nextVersion' && p.assetType === assetType && p.name === name);
    if (same) return same.token;
    const token = this.token(`nextVersion:${assetType}/${name}`);
    this.pending.push({ kind: 'nextVersion', token, assetType, name, origin });
    return token;
  }

  environment(name: string, version: string, properties: Record<string, unknown>): string {
    const id = assetVersionArmId(this.scope, 'environments', name, version);
    if (!this.environments.some((e) => e.token === id)) this.environments.push({ name, version, body: { properties }, token: id });
    return id;
  }

  buildEnvironment(contextUpload: string, dockerfilePath: string | undefined, properties: Record<string, unknown>): string {
    const same = this.buildEnvironments.find((b) => b.contextUpload === contextUpload && b.dockerfilePath === dockerfilePath);
    if (same) return same.token;
    const token = this.token('environment:build');
    this.buildEnvironments.push({ token, contextUpload, dockerfilePath, properties });
    return token;
  }

  component(spec: Record<string, unknown>, properties: Record<string, unknown>, origin: string): string {
    const token = this.token('component:anonymous');
    this.components.push({ token, spec, properties, origin });
    return token;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  private token(what: string): string {
    return `<pending:${what}#${this.next++}>`;
  }
}

export const TOKEN_PATTERN = /<pending:[^>#]+#\d+>/g;
