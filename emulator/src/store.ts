// The document store behind ServiceContext.store: JSON in <stateDir>/state.json, written
// atomically (temp file + rename) shortly after each change and flushed on stop.
import * as fs from 'node:fs';
import type { Store } from './contract';

type Collections = Record<string, Record<string, unknown>>;

const WRITE_DELAY_MS = 100;

export class JsonFileStore implements Store {
  private readonly data: Collections;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {
    this.data = fs.existsSync(file) ? readJsonFile<Collections>(file) : {};
  }

  /** True when the file did not exist: the caller seeds it. */
  get isEmpty(): boolean {
    return Object.keys(this.data).length === 0;
  }

  get<T>(collection: string, key: string): T | undefined {
    const value = this.data[collection]?.[key];
    // Copies keep callers from changing stored documents without put().
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  put<T>(collection: string, key: string, value: T): void {
    (this.data[collection] ??= {})[key] = structuredClone(value);
    this.changed();
  }

  delete(collection: string, key: string): boolean {
    const docs = this.data[collection];
    if (!docs || !(key in docs)) return false;
    delete docs[key];
    this.changed();
    return true;
  }

  list<T>(collection: string): Array<{ key: string; value: T }> {
    return Object.entries(this.data[collection] ?? {}).map(([key, value]) => ({ key, value: structuredClone(value) as T }));
  }

  /** Everything, for the admin API's state dump. */
  snapshot(): Collections {
    return structuredClone(this.data);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(this.data, null, 1));
    fs.renameSync(temp, this.file);
  }

  private changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), WRITE_DELAY_MS);
    this.timer.unref();
  }
}

/** Parses a state file, naming it when it is damaged. */
export function readJsonFile<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}). Repair it, or start with a fresh --state-dir.`);
  }
}
