// Local code/input snapshots exactly as azure-ai-ml prepares them (azure/ai/ml/_utils/_asset_utils.py,
// _artifacts/_blob_storage_helper.py, _artifacts/_constants.py), so an upload made by either tool
// is found and reused by the other:
//  - ignore rules: the folder's .amlignore, else its .gitignore (never both), gitwildmatch patterns,
//    last matching pattern wins; component code also ignores __pycache__ (ComponentIgnoreFile);
//  - get_object_hash (md5, seeded) names the blob folder LocalUpload/<hash>/<folder name>/...;
//  - get_content_hash (sha256, version 202208) goes into the code asset's properties;
//  - the first blob (by local path) carries the metadata that marks the upload complete.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ARTIFACT_ORIGIN = 'LocalUpload';
/** UPLOAD_CONFIRMATION; _build_metadata_dict adds the asset's name and version. */
export const UPLOAD_CONFIRMATION = { upload_status: 'completed' } as const;
export const CONTENT_HASH_VERSION = 202208;
const OBJECT_HASH_SEED = 'Initialize for october 2021 AML CLI version';
const AML_IGNORE = '.amlignore';
const GIT_IGNORE = '.gitignore';

export class SnapshotError extends Error {}

interface IgnorePattern {
  regex: RegExp;
  /** true: a match excludes the file; false ("!pattern"): a match includes it again. */
  exclude: boolean;
}

/** The ignore rules of a folder: .amlignore takes precedence over .gitignore; only the root's file counts. */
export class IgnoreRules {
  private constructor(readonly baseDir: string, readonly file: string | undefined, private readonly patterns: IgnorePattern[]) {}

  static forDirectory(dir: string, defaultIgnores: readonly string[] = []): IgnoreRules {
    const baseDir = path.resolve(dir);
    const file = [AML_IGNORE, GIT_IGNORE].map((name) => path.join(baseDir, name)).find((f) => fs.existsSync(f));
    // IgnoreFile._get_ignore_list: every line, right-stripped.
    const lines = file ? fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trimEnd()) : [];
    const patterns = [...lines, ...defaultIgnores].map(compileGitWildMatch).filter((p): p is IgnorePattern => p !== undefined);
    return new IgnoreRules(baseDir, file, patterns);
  }

  static none(dir: string): IgnoreRules {
    return new IgnoreRules(path.resolve(dir), undefined, []);
  }

  /** IgnoreFile.is_file_excluded: the path relative to the folder, last matching pattern decides. */
  isExcluded(absolutePath: string): boolean {
    if (!this.patterns.length) return false;
    const relative = path.relative(this.baseDir, absolutePath).split(path.sep).join('/');
    let excluded = false;
    for (const p of this.patterns) if (p.regex.test(relative)) excluded = p.exclude;
    return excluded;
  }
}

/**
 * GitWildMatchPattern.pattern_to_regex (pathspec's gitwildmatch, vendored in azure-ai-ml's _pathspec.py).
 * Returns undefined for blank lines and comments.
 */
export function compileGitWildMatch(line: string): IgnorePattern | undefined {
  let pattern = line.trim();
  if (!pattern || pattern.startsWith('#') || pattern === '/') return undefined;
  let exclude = true;
  if (pattern.startsWith('!')) {
    exclude = false;
    pattern = pattern.slice(1);
  }
  const segs = pattern.split('/');
  for (let i = segs.length - 1; i > 0; i--) if (segs[i - 1] === '**' && segs[i] === '**') segs.splice(i, 1);
  let override: string | undefined;
  if (segs.length === 2 && segs[0] === '**' && !segs[1]) override = '^.+/.*$';
  if (!segs[0]) segs.shift();
  else if ((segs.length === 1 || (segs.length === 2 && !segs[1])) && segs[0] !== '**') segs.unshift('**');
  if (!segs.length) throw new SnapshotError(`invalid ignore pattern '${line}'`);
  if (!segs[segs.length - 1] && segs.length > 1) segs[segs.length - 1] = '**';

  let regex = override;
  if (regex === undefined) {
    const out = ['^'];
    let needSlash = false;
    const end = segs.length - 1;
    segs.forEach((seg, i) => {
      if (seg === '**') {
        if (i === 0 && i === end) out.push('.+');
        else if (i === 0) {
          out.push('(?:.+/)?');
          needSlash = false;
        } else if (i === end) out.push('/.*');
        else {
          out.push('(?:/.+)?');
          needSlash = true;
        }
        return;
      }
      if (needSlash) out.push('/');
      out.push(seg === '*' ? '[^/]+' : translateSegmentGlob(seg, line));
      if (i === end) out.push('(?:/.*)?');
      needSlash = true;
    });
    out.push('$');
    regex = out.join('');
  }
  return { regex: new RegExp(regex), exclude };
}

const escapeRegex = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** GitWildMatchPattern._translate_segment_glob: fnmatch-style glob of one path segment. */
function translateSegmentGlob(pattern: string, line: string): string {
  let regex = '';
  let escape = false;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i++];
    if (escape) {
      escape = false;
      regex += escapeRegex(char);
    } else if (char === '\\') escape = true;
    else if (char === '*') regex += '[^/]*';
    else if (char === '?') regex += '[^/]';
    else if (char === '[') {
      let j = i;
      if (j < pattern.length && pattern[j] === '!') j++;
      if (j < pattern.length && pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j < pattern.length) {
        j++;
        let expr = '[';
        if (pattern[i] === '!') {
          expr += '^';
          i++;
        } else if (pattern[i] === '^') {
          expr += '\\^';
          i++;
        }
        expr += pattern.slice(i, j).replace(/\\/g, '\\\\');
        regex += expr;
        i = j;
      } else regex += '\\[';
    } else regex += escapeRegex(char);
  }
  if (escape) throw new SnapshotError(`invalid ignore pattern '${line}': it ends with an escape character`);
  return regex;
}

export interface SnapshotFile {
  /** File whose bytes are uploaded (a symlink's target). */
  sourcePath: string;
  /** Path inside the snapshot, with '/' separators (a symlink keeps its own name). */
  relativePath: string;
  size: number;
  mtimeMs: number;
}

/** Python's default string order (code points), used by sorted() in azure-ai-ml. */
const byCodePoint = (a: string, b: string): number => {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

/**
 * The files an upload carries (_get_upload_files_from_folder / traverse_directory): os.walk with
 * followlinks, each file tested against the ignore rules; directories themselves are not tested.
 */
export function listSnapshotFiles(root: string, rules: IgnoreRules): SnapshotFile[] {
  const files: SnapshotFile[] = [];
  const visited = new Set<string>();
  const walk = (dir: string, relativeDir: string): void => {
    const real = fs.realpathSync(dir);
    if (visited.has(real)) return; // a symlink cycle; os.walk would recurse until the path is too long
    visited.add(real);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      const stat = fs.statSync(full, { throwIfNoEntry: false });
      if (!stat) continue; // a dangling symlink
      if (stat.isDirectory()) walk(full, relative);
      else if (!rules.isExcluded(full)) files.push({ sourcePath: fs.realpathSync(full), relativePath: relative, size: stat.size, mtimeMs: stat.mtimeMs });
    }
    visited.delete(real);
  };
  walk(path.resolve(root), '');
  return files.sort((a, b) => byCodePoint(a.relativePath.toLowerCase(), b.relativePath.toLowerCase()));
}

/** Bytes read from disk into a hash at a time (and hashed between two turns of the event loop beside an upload). */
const DISK_CHUNK_BYTES = 256 * 1024;

/**
 * Reads files in chunks of one buffer, allocated once per hashing pass and reused for every chunk of every
 * file (each chunk is valid until the next is read). Hashing never holds a file in memory: a file over 2 GiB
 * (more than fs.readFileSync returns) hashes like any other, and the upload reads the file again from the page
 * cache. Keeping the hashed bytes for the upload instead (one read) measured slower (bench/upload.ts, and in a
 * fresh process as a task runs): faulting in fresh memory for every byte cost more than the md5.
 */
function chunkedReader(): (file: string) => Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(DISK_CHUNK_BYTES);
  return function* read(file) {
    const fd = fs.openSync(file, 'r');
    try {
      for (let n = fs.readSync(fd, buffer, 0, buffer.length, null); n > 0; n = fs.readSync(fd, buffer, 0, buffer.length, null)) yield buffer.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  };
}

/**
 * get_object_hash: md5 seeded with a fixed string; for a folder, _get_dir_hash walks each directory's
 * entries sorted by lower-cased path, skipping excluded ones (files and folders alike), and feeds
 * each entry's name, then a file's bytes or a folder's entries recursively.
 * This md5 pass, before anything can go up, is most of what an upload costs beyond a plain storage SDK
 * upload of the same files (issue 10, bench/upload.ts). The sha256 content hash is 2-4x
 * cheaper on CPUs with SHA extensions and code needs it anyway, but it must not name the folder:
 * azure-ai-ml's _upload_to_datastore names LocalUpload/<get_object_hash> for code, models, data and
 * environment build contexts (only internal components pass their own _upload_hash), and any other name
 * would stop either tool reusing what the other uploaded.
 */
export function objectHash(localPath: string, rules: IgnoreRules, onFileHashed?: (file: string) => void): string {
  const hash = createHash('md5').update(OBJECT_HASH_SEED);
  const read = chunkedReader();
  const dirHash = (dir: string): void => {
    const entries = fs.readdirSync(dir).map((name) => path.join(dir, name));
    entries.sort((a, b) => byCodePoint(a.toLowerCase(), b.toLowerCase()));
    for (const entry of entries) {
      if (rules.isExcluded(entry)) continue;
      hash.update(path.basename(entry));
      const stat = fs.statSync(entry, { throwIfNoEntry: false });
      if (stat?.isFile()) {
        for (const chunk of read(entry)) hash.update(chunk);
        onFileHashed?.(entry);
      } else if (stat?.isDirectory()) dirHash(entry);
    }
  };
  if (fs.statSync(localPath).isDirectory()) dirHash(path.resolve(localPath));
  else for (const chunk of read(localPath)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * get_content_hash: sha256 of the file count, then "#<relative path>#<size>" for each file in
 * lower-cased path order, then every file's bytes in the same order.
 */
export function contentHash(files: readonly SnapshotFile[]): string {
  const hashing = contentHashing(files);
  for (let step = hashing.next(); !step.done; step = hashing.next());
  return hashing.digest();
}

/** get_content_hash a chunk of file content at a time (steps); digest() once done. */
function contentHashing(files: readonly SnapshotFile[]): Iterator<void> & { digest(): string } {
  const hash = createHash('sha256').update(String(files.length));
  for (const f of files) hash.update(`#${f.relativePath}#`).update(String(f.size));
  const read = chunkedReader();
  function* steps(): Generator<void> {
    for (const f of files) {
      for (const chunk of read(f.sourcePath)) {
        hash.update(chunk);
        yield;
      }
    }
  }
  return Object.assign(steps(), { digest: () => hash.digest('hex') });
}

/** contentHash, yielding to the event loop between chunks so uploads in flight keep moving; `stop` ends it early. */
async function contentHashInTurns(files: readonly SnapshotFile[], stop?: AbortSignal): Promise<string> {
  const hashing = contentHashing(files);
  try {
    while (!hashing.next().done) {
      await new Promise((resolve) => setImmediate(resolve));
      stop?.throwIfAborted();
    }
  } finally {
    hashing.return?.(); // closes the file being read when stopped
  }
  return hashing.digest();
}

export interface SnapshotBlob {
  sourcePath: string;
  blobName: string;
  size: number;
  /** The file's modification time when it was listed: an upload checks it did not change after hashing. */
  mtimeMs: number;
}

export interface Snapshot {
  localPath: string;
  isFile: boolean;
  /** The .amlignore/.gitignore that applied, if any. */
  ignoreFile?: string;
  objectHash: string;
  /** Computed on first read: only code versions carry it, so a model upload never spends the sha256 on it. */
  readonly contentHash: string;
  /**
   * Computes contentHash in slices between other work (a code upload runs it while its files upload, which
   * wait on the network); contentHash reads the result once it is done. `stop` ends it early (rejecting).
   */
  hashContentInTurns(stop?: AbortSignal): Promise<string>;
  /** LocalUpload/<object hash>/<folder or file name>: the datastore path the job refers to. */
  blobPrefix: string;
  blobs: SnapshotBlob[];
  /** The blob whose metadata says the upload completed (the first file by local path). */
  indicatorBlob: string;
  totalBytes: number;
}

function withLazyContentHash(snapshot: Omit<Snapshot, 'contentHash' | 'hashContentInTurns'>, files: readonly SnapshotFile[]): Snapshot {
  let hash: string | undefined;
  let hashing: Promise<string> | undefined;
  const hashContentInTurns = (stop?: AbortSignal) => (hashing ??= hash !== undefined ? Promise.resolve(hash) : contentHashInTurns(files, stop).then((digest) => (hash ??= digest)));
  Object.defineProperty(snapshot, 'hashContentInTurns', { value: hashContentInTurns });
  return Object.defineProperty(snapshot, 'contentHash', { enumerable: true, get: () => (hash ??= contentHash(files)) }) as Snapshot;
}

/** Everything needed to upload a local file or folder, or to recognise that it is already uploaded. */
export function prepareSnapshot(localPath: string, defaultIgnores: readonly string[] = []): Snapshot {
  const absolute = path.resolve(localPath);
  const stat = fs.statSync(absolute, { throwIfNoEntry: false });
  if (!stat || (!stat.isFile() && !stat.isDirectory())) throw new SnapshotError(`No such file or directory: ${absolute}`);
  const name = path.basename(fs.realpathSync(absolute));
  if (stat.isFile()) {
    const file = { sourcePath: fs.realpathSync(absolute), relativePath: name, size: stat.size, mtimeMs: stat.mtimeMs };
    const hash = objectHash(absolute, IgnoreRules.none(path.dirname(absolute)));
    const blobName = `${ARTIFACT_ORIGIN}/${hash}/${name}`;
    return withLazyContentHash({
      localPath: absolute, isFile: true, objectHash: hash, blobPrefix: blobName,
      blobs: [{ sourcePath: file.sourcePath, blobName, size: file.size, mtimeMs: file.mtimeMs }], indicatorBlob: blobName, totalBytes: file.size,
    }, [file]);
  }
  const rules = IgnoreRules.forDirectory(absolute, defaultIgnores);
  const files = listSnapshotFiles(absolute, rules);
  if (!files.length) throw new SnapshotError(`Directory ${absolute} is empty. path or local_path must be a non-empty directory.`);
  const listed = new Set(files.map((f) => f.relativePath));
  const hash = objectHash(absolute, rules, (file) => {
    // A file that appeared after the listing would be in the hash but never uploaded.
    const relative = path.relative(absolute, file).split(path.sep).join('/');
    if (!listed.has(relative)) throw new SnapshotError(`${file} appeared while ${absolute} was being hashed. Run the step again once nothing writes to the folder.`);
  });
  const blobPrefix = `${ARTIFACT_ORIGIN}/${hash}/${name}`;
  const blobs = files.map((f) => ({ sourcePath: f.sourcePath, blobName: `${blobPrefix}/${f.relativePath}`, size: f.size, mtimeMs: f.mtimeMs }));
  const first = [...blobs].sort((a, b) => byCodePoint(a.sourcePath, b.sourcePath) || byCodePoint(a.blobName, b.blobName))[0];
  return withLazyContentHash({
    localPath: absolute, isFile: false, ignoreFile: rules.file, objectHash: hash, blobPrefix,
    blobs, indicatorBlob: first.blobName, totalBytes: files.reduce((n, f) => n + f.size, 0),
  }, files);
}

/** Metadata set on the indicator blob once every blob is uploaded (_build_metadata_dict). */
export function uploadCompletedMetadata(assetName: string, assetVersion: string): Record<string, string> {
  return { ...UPLOAD_CONFIRMATION, name: assetName, version: assetVersion };
}

/** check_blob_exists: an upload counts as done when the indicator blob's metadata confirms it. */
export function isUploadCompleted(metadata: Record<string, string> | undefined): boolean {
  return metadata?.upload_status === UPLOAD_CONFIRMATION.upload_status;
}

/** SHORT_URI_FORMAT: how jobs refer to an uploaded input. */
export function datastoreUri(datastore: string, blobPath: string): string {
  return `azureml://datastores/${datastore}/paths/${blobPath}`;
}

/** Body of the anonymous code version (Code._to_rest_object) for an uploaded snapshot. */
export function codeVersionBody(snapshot: Snapshot, containerUrl: string): { properties: Record<string, unknown> } {
  // A code asset must point at a folder: for a single file, its parent (ArtifactStorageInfo.subdir_path).
  const blobFolder = snapshot.isFile ? snapshot.blobPrefix.slice(0, snapshot.blobPrefix.lastIndexOf('/')) : snapshot.blobPrefix;
  return {
    properties: {
      codeUri: `${containerUrl.replace(/\/$/, '')}/${blobFolder}`,
      isAnonymous: true,
      properties: { hash_sha256: snapshot.contentHash, hash_version: String(CONTENT_HASH_VERSION) },
    },
  };
}
