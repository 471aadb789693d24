// One command job on the host, the way a compute node runs it: a fresh working directory holding the
// code snapshot, inputs downloaded, ${{inputs.x}} / ${{outputs.y}} substituted, `bash -c <command>`
// with Azure ML's environment, stdout and stderr live in user_logs/std_log.txt, and afterwards the
// outputs uploaded to the datastore (azureml/<job>/<output>/ on the default one unless the job says
// where) and ./outputs and ./logs to the run's artifacts.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServiceContext } from '../contract';
import { type ArmResource, type Properties, getResource } from '../arm/resources';
import type { ProcessGuard } from './processGuard';
import { inputTypeOf, outputTypeOf, substituteCommand } from './bindings';
import { type HostAccess, jobEnvironment } from './environment';
import { ARTIFACT_CONTAINER, JobInputError, type JobStorage, type LiveLog, runArtifactFolder } from './storage';

export const STD_LOG = 'user_logs/std_log.txt';

export interface CommandRunDeps {
  ctx: ServiceContext;
  storage: JobStorage;
  access: HostAccess;
  /** Parent of the jobs' working directories. */
  workRoot: string;
  /** How long a cancelled process has between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Ends the job process groups if the emulator dies without stopping them. */
  guard?: ProcessGuard;
}

/** A job prepared on the "node": its directories, resolved inputs and outputs, and the final command. */
export interface PreparedCommand {
  codeDir: string;
  command: string;
  env: NodeJS.ProcessEnv;
  /** Output name → local folder or file. */
  outputPaths: Record<string, string>;
}

const ASSET_URI_FIELDS = ['dataUri', 'modelUri', 'codeUri'];

function armIdOf(reference: string): string {
  return reference.replace(/^azureml:/i, '');
}

/** An input's data address: its uri, or the uri of the data/model asset version it names. */
export function dataAddress(ctx: ServiceContext, uri: string): string {
  const asset = /^(?:azureml:)?(\/subscriptions\/.+\/(?:data|models)\/[^/]+\/versions\/[^/]+)$/i.exec(uri);
  if (!asset) return uri;
  const version = getResource(ctx, 'assets', asset[1]);
  const address = ASSET_URI_FIELDS.map((f) => version?.properties[f]).find((v) => typeof v === 'string');
  if (!address) throw new JobInputError(`The asset '${uri}' was not found in the workspace.`);
  return address;
}

/** Downloads the code snapshot into `codeDir` (an empty directory when the job has no code). */
async function downloadCode(deps: CommandRunDeps, workspaceId: string, job: ArmResource, codeDir: string, log: LiveLog): Promise<void> {
  fs.mkdirSync(codeDir, { recursive: true });
  const codeId: unknown = job.properties.codeId;
  if (typeof codeId !== 'string' || !codeId) return;
  log.write(`Code snapshot: ${await downloadCodeVersion(deps.ctx, deps.storage, workspaceId, codeId, codeDir)}\n`);
}

/** Downloads a code version's snapshot (its codeUri) into `codeDir`, as a node or a container gets it; returns the codeUri. */
export async function downloadCodeVersion(ctx: ServiceContext, storage: JobStorage, workspaceId: string, codeId: string, codeDir: string): Promise<string> {
  fs.mkdirSync(codeDir, { recursive: true });
  const version = getResource(ctx, 'assets', armIdOf(codeId));
  const codeUri: unknown = version?.properties.codeUri;
  if (typeof codeUri !== 'string') throw new JobInputError(`The code version '${codeId}' was not found in the workspace, or it has no codeUri.`);
  const kind = await storage.download(storage.resolve(workspaceId, codeUri), codeDir).catch(async (e: unknown) => {
    if (e instanceof JobInputError) throw new JobInputError(`The code snapshot at ${codeUri} could not be downloaded: ${e.message}`);
    throw e;
  });
  if (kind === 'file') {
    // A single-file code snapshot: the file sits in the working directory under its own name.
    const name = path.basename(codeUri.split('?')[0]);
    const temp = `${codeDir}.file`;
    fs.renameSync(codeDir, temp);
    fs.mkdirSync(codeDir);
    fs.renameSync(temp, path.join(codeDir, name));
  }
  return codeUri;
}

async function resolveInputs(deps: CommandRunDeps, workspaceId: string, job: ArmResource, inputsDir: string, log: LiveLog): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const [name, input] of Object.entries<Properties>(job.properties.inputs ?? {})) {
    if (!input) continue;
    const type = inputTypeOf(input);
    if (type === 'literal') {
      values[name] = String(input.value ?? '');
      continue;
    }
    if (typeof input.uri !== 'string') throw new JobInputError(`Input '${name}' (${type}) has no uri.`);
    if (String(input.mode).toLowerCase() === 'direct') {
      // Direct: the job gets the address itself and reads the data on its own.
      values[name] = input.uri;
      continue;
    }
    const address = dataAddress(deps.ctx, input.uri);
    const location = deps.storage.resolve(workspaceId, address);
    const target = path.join(inputsDir, name, type === 'uri_file' ? path.posix.basename(location.path) || name : '');
    try {
      const kind = await deps.storage.download(location, target);
      values[name] = type === 'uri_file' && kind === 'folder' ? target : target.replace(/[/\\]$/, '');
    } catch (e) {
      if (e instanceof JobInputError) throw new JobInputError(`Input '${name}' (${input.uri}): ${e.message}`);
      throw e;
    }
    log.write(`Input '${name}': ${input.uri} -> ${values[name]}\n`);
  }
  return values;
}

function outputFolders(job: ArmResource, outputsDir: string): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, output] of Object.entries<Properties>(job.properties.outputs ?? {})) {
    if (!output) continue;
    const folder = path.join(outputsDir, name);
    fs.mkdirSync(folder, { recursive: true });
    paths[name] = outputTypeOf(output) === 'uri_file' ? path.join(folder, name) : folder;
  }
  return paths;
}

/** Describes what a real node would have pulled; the emulator runs on the host. */
function describeEnvironment(ctx: ServiceContext, job: ArmResource): string {
  const environmentId: string = job.properties.environmentId ?? '';
  const version = environmentId ? getResource(ctx, 'assets', armIdOf(environmentId)) : undefined;
  const image = version?.properties.image ?? version?.properties.build?.contextUri;
  const conda = version?.properties.condaFile ? ' with a conda file' : '';
  const what = version ? `${image ?? 'no image'}${conda}` : 'not stored in this workspace (curated or registry environment)';
  return `Environment: ${environmentId || '(none)'}: ${what}. The emulator records it and runs the command on the host (no container is pulled).\n`;
}

export async function prepareCommand(deps: CommandRunDeps, workspaceId: string, job: ArmResource, experimentId: string, log: LiveLog): Promise<PreparedCommand> {
  const root = path.join(deps.workRoot, job.name);
  fs.rmSync(root, { recursive: true, force: true });
  const codeDir = path.join(root, 'code');
  log.write(describeEnvironment(deps.ctx, job));
  await downloadCode(deps, workspaceId, job, codeDir, log);
  const inputs = await resolveInputs(deps, workspaceId, job, path.join(root, 'inputs'), log);
  const outputPaths = outputFolders(job, path.join(root, 'outputs'));
  const command = substituteCommand(String(job.properties.command ?? ''), { inputs, outputs: outputPaths });
  const env = jobEnvironment(deps.ctx, job, { workspaceId, experimentId, inputs, outputs: outputPaths, access: deps.access });
  return { codeDir, command, env, outputPaths };
}

export type ProcessOutcome = { exitCode: number | null; signal: NodeJS.Signals | null; canceled: boolean };

/** Runs the command in its own process group, streaming output to the log; the signal stops it (SIGTERM, then SIGKILL). */
export function runProcess(deps: CommandRunDeps, prepared: PreparedCommand, log: LiveLog, signal: AbortSignal): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', prepared.command], { cwd: prepared.codeDir, env: prepared.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) deps.guard?.track(child.pid);
    let canceled = false;
    let killer: NodeJS.Timeout | undefined;
    const signalGroup = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // The group is already gone.
      }
    };
    const stop = () => {
      canceled = true;
      log.write('\nCancellation requested: sending SIGTERM.\n');
      signalGroup('SIGTERM');
      killer = setTimeout(() => signalGroup('SIGKILL'), deps.killGraceMs);
    };
    child.stdout!.on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
    child.once('error', (e) => {
      log.write(`Could not start the process: ${e.message}\n`);
    });
    child.once('close', (exitCode, exitSignal) => {
      signal.removeEventListener('abort', stop);
      if (killer) clearTimeout(killer);
      // Whatever the command left running in its group goes with it, as the node's container would.
      signalGroup('SIGKILL');
      if (child.pid) deps.guard?.forget(child.pid);
      resolve({ exitCode, signal: exitSignal, canceled });
    });
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}

/** Uploads the outputs and artifacts; returns the job's outputs with the uri each one now has. */
export async function uploadOutputs(deps: CommandRunDeps, workspaceId: string, job: ArmResource, prepared: PreparedCommand, log: LiveLog): Promise<Properties> {
  const outputs: Properties = {};
  const datastore = deps.storage.defaultDatastore(workspaceId);
  for (const [name, output] of Object.entries<Properties>(job.properties.outputs ?? {})) {
    if (!output) continue;
    const uri = typeof output.uri === 'string' && output.uri ? output.uri : `azureml://datastores/${datastore.name}/paths/azureml/${job.name}/${name}/`;
    const location = deps.storage.resolve(workspaceId, uri);
    const local = prepared.outputPaths[name];
    const folder = fs.existsSync(local) && fs.statSync(local).isFile() ? path.dirname(local) : local;
    const count = await deps.storage.uploadFolder(folder, location);
    log.write(`Output '${name}': ${count} file(s) uploaded to ${uri}\n`);
    outputs[name] = { ...output, uri };
  }
  for (const folder of ['outputs', 'logs']) {
    await deps.storage.uploadFolder(path.join(prepared.codeDir, folder), { container: ARTIFACT_CONTAINER, path: `${runArtifactFolder(job.name)}/${folder}` });
  }
  return outputs;
}

export function describeExit(outcome: ProcessOutcome): string {
  return outcome.signal ? `the process was ended by ${outcome.signal}` : `the process exited with code ${outcome.exitCode}`;
}
