// `checkout: self` as an agent does it: the job's sources directory (Build.SourcesDirectory,
// <agent work>/1/s) starts empty and receives the repository's files; `checkout: none` leaves it
// empty. A local run has no server to clone from, so "the repository" is the working copy: the
// files git would commit (tracked, plus untracked ones that are not ignored), uncommitted edits
// included, so that a change can be rehearsed before it is pushed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Never copied when the working copy is not a git repository: no agent would find them in a clone. */
const NEVER_COPIED = new Set(['.git', 'node_modules']);

export class WorkingCopy {
  private fileList?: string[];

  constructor(
    readonly root: string,
    /** The runner's work folder, which may live inside the working copy: never copied into itself. */
    private readonly workFolder: string,
  ) {}

  /** Paths relative to the root, read once per run. */
  files(): string[] {
    if (!this.fileList) this.fileList = this.gitFiles() ?? this.walk('');
    return this.fileList;
  }

  /** Copies the working copy into `destination` (made empty first); returns how many files were copied. */
  checkout(destination: string): number {
    fs.rmSync(destination, { recursive: true, force: true });
    fs.mkdirSync(destination, { recursive: true });
    let copied = 0;
    for (const file of this.files()) {
      const from = path.join(this.root, file);
      if (this.insideWorkFolder(from) || !fs.existsSync(from)) continue; // deleted but still tracked
      const to = path.join(destination, file);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.cpSync(from, to, { preserveTimestamps: true, verbatimSymlinks: true });
      copied++;
    }
    return copied;
  }

  private insideWorkFolder(file: string): boolean {
    const relative = path.relative(path.resolve(this.workFolder), path.resolve(file));
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  }

  private gitFiles(): string[] | undefined {
    if (!fs.existsSync(path.join(this.root, '.git'))) return undefined;
    const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: this.root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0 || r.error) return undefined;
    return r.stdout.split('\0').filter(Boolean);
  }

  private walk(relative: string): string[] {
    const files: string[] = [];
    for (const entry of fs.readdirSync(path.join(this.root, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (NEVER_COPIED.has(entry.name) || this.insideWorkFolder(path.join(this.root, child))) continue;
      if (entry.isDirectory()) files.push(...this.walk(child));
      else files.push(child);
    }
    return files;
  }
}
