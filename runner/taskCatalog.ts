// Packaged tasks, found the way the agent finds them: by task.json `name` and `version.Major`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';

export interface TaskInputDefinition {
  name: string;
  type: string;
  defaultValue?: string;
  aliases?: string[];
}

export interface TaskDefinition {
  id: string;
  name: string;
  friendlyName: string;
  description: string;
  author: string;
  version: { Major: number; Minor: number; Patch: number };
  instanceNameFormat?: string;
  inputs: TaskInputDefinition[];
  /** task.json outputVariables: set by the task, they become <step name>.<variable> like isOutput. */
  outputVariables: string[];
  /** Folder holding task.json and the bundle. */
  directory: string;
  /** The Node handler's script, absolute. */
  target: string;
  /** The handler chosen (Node20_1, Node24 ...); '' for a server task. */
  handler: string;
  /** task.json runsOn (default Agent): Server and ServerGate tasks run in agentless jobs and gates. */
  runsOn: string[];
  /** A server task's execution.HttpRequest, as written (values hold macros and {{ }} templates). */
  httpRequest?: HttpRequestExecution;
}

/** execution.HttpRequest of a server task (the authoring guide's Execute, Cancel and Events sections). */
export interface HttpRequestExecution {
  Execute: Record<string, string>;
  Cancel?: Record<string, string>;
  Events?: Record<string, { Timeout?: string }>;
}

/** Handlers the runner can run with this Node, most suitable first (it runs on Node 20). */
const NODE_HANDLERS = ['Node20_1', 'Node24', 'Node16', 'Node10', 'Node'];

export class TaskCatalog {
  private cache?: TaskDefinition[];

  constructor(readonly directory: string) {}

  private load(): TaskDefinition[] {
    if (this.cache) return this.cache;
    const found: TaskDefinition[] = [];
    const folders = fs.existsSync(this.directory) ? fs.readdirSync(this.directory, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
    for (const folder of folders) {
      const directory = path.join(this.directory, folder.name);
      const file = path.join(directory, 'task.json');
      if (!fs.existsSync(file)) continue;
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
      } catch (err) {
        throw new UserError(`${file} is not valid JSON: ${(err as Error).message}`);
      }
      const execution = (json.execution ?? {}) as Record<string, { target?: string }>;
      const httpRequest = (json.execution as Record<string, unknown> | undefined)?.HttpRequest as HttpRequestExecution | undefined;
      const handler = NODE_HANDLERS.find((h) => execution[h]?.target);
      const version = (json.version ?? {}) as TaskDefinition['version'];
      found.push({
        id: String(json.id ?? ''),
        name: String(json.name ?? folder.name),
        friendlyName: String(json.friendlyName ?? json.name ?? folder.name),
        description: String(json.description ?? ''),
        author: String(json.author ?? ''),
        version: { Major: Number(version.Major ?? 0), Minor: Number(version.Minor ?? 0), Patch: Number(version.Patch ?? 0) },
        instanceNameFormat: typeof json.instanceNameFormat === 'string' ? json.instanceNameFormat : undefined,
        inputs: ((json.inputs ?? []) as TaskInputDefinition[]).map((i) => ({ ...i, defaultValue: i.defaultValue === undefined ? undefined : String(i.defaultValue) })),
        outputVariables: ((json.outputVariables ?? []) as Array<{ name?: string }>).map((o) => String(o.name ?? '')).filter(Boolean),
        directory,
        handler: handler ?? '',
        target: handler ? path.resolve(directory, execution[handler].target!) : '',
        runsOn: Array.isArray(json.runsOn) ? (json.runsOn as unknown[]).map(String) : ['Agent'],
        ...(httpRequest?.Execute ? { httpRequest } : {}),
      });
    }
    this.cache = found;
    return found;
  }

  /** The task for `Name@Major`; a clear error naming what exists otherwise. */
  find(name: string, major: number): TaskDefinition {
    const all = this.load();
    const matches = all.filter((t) => t.name.toLowerCase() === name.toLowerCase() || t.id.toLowerCase() === name.toLowerCase());
    const task = matches.find((t) => t.version.Major === major);
    if (!task) {
      const available = all.map((t) => `${t.name}@${t.version.Major}`).join(', ') || 'none';
      const hint = fs.existsSync(this.directory) ? '' : ' (run `npm run build` to create the task bundles)';
      throw new UserError(`task ${name}@${major} was not found in ${this.directory}${hint}; available: ${available}`);
    }
    if (!task.handler && !task.httpRequest) throw new UserError(`task ${name}@${major} (${task.directory}) has no Node handler (${NODE_HANDLERS.join(', ')}) nor HttpRequest execution the runner can run`);
    return task;
  }
}
