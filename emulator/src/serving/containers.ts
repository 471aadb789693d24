// Online deployments run for real: each one's "containers" are a storage initializer (the code
// snapshot and the model downloaded from blob storage, as Azure lays them out) and an inference
// server (inference_server.py running the user's score.py) in its own process group on loopback.
// The host follows the stored deployments (reconcile() after every ARM request): it starts the
// containers of a deployment being provisioned, restarts them when what they run changes, and stops
// them when the deployment is deleted or failed, or the emulator stops. Provisioning waits for the
// DeploymentContainers record it writes, and getLogs reads the log files it names.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServiceContext } from '../contract';
import { CONTAINER_CRASHED, CONTAINERS, type ContainerType, type DeploymentContainers, containersOf, isCrashMarked } from '../arm/deployments';
import type { ArmErrorDetail } from '../arm/errors';
import { type ArmResource, getResource } from '../arm/resources';
import { dataAddress, downloadCodeVersion } from '../jobs/commandRun';
import { hostVariables } from '../jobs/environment';
import { JobInputError, type JobStorage } from '../jobs/storage';

export const INFERENCE_SERVER_SCRIPT = path.join(__dirname, 'inference_server.py');

export interface DeploymentHostOptions {
  ctx: ServiceContext;
  storage: JobStorage;
  /** Parent of the deployments' folders: <workspace>/<endpoint>/<deployment>/{code,azureml-models,logs}. */
  workRoot: string;
  /** Between SIGTERM and SIGKILL when a container stops. */
  killGraceMs?: number;
}

interface Container {
  deploymentId: string;
  spec: string;
  /** Its own folder (code, model, logs): a restarted deployment's new container starts beside the old one. */
  root: string;
  logFiles: Record<ContainerType, string>;
  child?: ChildProcess;
  /** Loopback port of the inference server once it listens. */
  port?: number;
  exit?: string;
  stopping: boolean;
  /** Settles when the container has ended (or never got a process). */
  done: Promise<void>;
}

/** Where a scoring request goes: the inference server's port, or why there is none. */
export type ScoringTarget = { port: number } | { unavailable: string };

const DEFAULT_KILL_GRACE_MS = 2000;
/** How long a retired container may finish the requests it has, as a load balancer drains connections. */
const DRAIN_MS = 2000;
/** What a container crashed by the deploymentUnhealthy fault logs. */
const CRASH_REASON = 'the container was OOMKilled (exit code 137): injected deploymentUnhealthy fault';
const LIVE_STATES = ['Creating', 'Updating', 'Succeeded'];

function endpointIdOf(deployment: ArmResource): string {
  return deployment.id.slice(0, deployment.id.toLowerCase().lastIndexOf('/deployments/'));
}

function workspaceIdOf(deployment: ArmResource): string {
  return deployment.id.slice(0, deployment.id.toLowerCase().lastIndexOf('/onlineendpoints/'));
}

/** What the containers run: they restart when this changes (a sku or tag change does not restart them). */
function specOf(deployment: ArmResource): string {
  const p = deployment.properties;
  return JSON.stringify({ model: p.model ?? null, code: p.codeConfiguration ?? null, env: p.environmentId ?? null, vars: p.environmentVariables ?? {}, crash: isCrashMarked(deployment) });
}

function armIdOf(reference: string): string {
  return reference.replace(/^azureml:/i, '');
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is already gone.
  }
}

export class DeploymentHost {
  /** Each deployment's latest container, by lower-cased deployment id. */
  private readonly containers = new Map<string, Container>();
  /** A changed deployment's previous container, serving until the new one is up (a rolling update). */
  private readonly retiring = new Map<string, Container>();
  /** Retired containers finishing the requests they were given, stopped after DRAIN_MS. */
  private readonly draining = new Map<Container, NodeJS.Timeout>();
  private generation = 0;

  constructor(private readonly options: DeploymentHostOptions) {}

  /** Brings the running containers in line with the stored deployments. */
  reconcile(): void {
    const { ctx } = this.options;
    const live = new Set<string>();
    for (const { key, value: deployment } of ctx.store.list<ArmResource>('arm.deployments')) {
      const endpoint = getResource(ctx, 'endpoints', endpointIdOf(deployment));
      if (!LIVE_STATES.includes(deployment.properties.provisioningState) || !endpoint || endpoint.properties.provisioningState === 'Deleting') continue;
      live.add(key);
      const spec = specOf(deployment);
      const current = this.containers.get(key);
      const provisioning = deployment.properties.provisioningState !== 'Succeeded';
      if (!current || current.spec !== spec || (provisioning && containersOf(ctx, deployment.id)?.state === 'Failed')) this.start(deployment, spec);
    }
    for (const { key } of ctx.store.list<DeploymentContainers>(CONTAINERS)) if (!getResource(ctx, 'deployments', key)) ctx.store.delete(CONTAINERS, key);
    for (const [key, container] of [...this.containers, ...this.retiring]) {
      if (live.has(key)) continue;
      const deployment = getResource(ctx, 'deployments', container.deploymentId);
      this.stopContainer(container, deployment && isCrashMarked(deployment) ? 'the container crashed (injected deploymentUnhealthy fault)' : 'the deployment was deleted or failed');
    }
  }

  /** Where a deployment's scoring requests go. */
  target(deploymentId: string): ScoringTarget {
    const key = deploymentId.toLowerCase();
    const container = this.containers.get(key);
    if (!container) return { unavailable: 'the deployment has no running container' };
    if (container.port !== undefined && !container.exit) return { port: container.port };
    const previous = this.retiring.get(key);
    if (previous?.port !== undefined && !previous.exit) return { port: previous.port };
    return { unavailable: container.exit ?? 'the inference server is still starting' };
  }

  /** Stops every container and waits until their processes are gone. */
  async stop(): Promise<void> {
    const all = [...this.containers.values(), ...this.retiring.values(), ...this.draining.keys()];
    for (const container of all) this.stopContainer(container, 'the emulator is stopping');
    await Promise.all(all.map((c) => c.done));
  }

  private stopContainer(container: Container, reason: string): void {
    const key = container.deploymentId.toLowerCase();
    if (this.containers.get(key) === container) this.containers.delete(key);
    if (this.retiring.get(key) === container) this.retiring.delete(key);
    clearTimeout(this.draining.get(container));
    this.draining.delete(container);
    if (container.stopping) return;
    container.stopping = true;
    this.appendLog(container, 'InferenceServer', `Stopping the container: ${reason}.`);
    if (container.child && container.child.exitCode === null && container.child.signalCode === null) {
      const child = container.child;
      signalGroup(child, 'SIGTERM');
      const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
      void container.done.then(() => clearTimeout(killer));
    }
  }

  private start(deployment: ArmResource, spec: string): void {
    const key = deployment.id.toLowerCase();
    const previous = this.containers.get(key);
    const deploymentDir = path.join(this.options.workRoot, path.basename(workspaceIdOf(deployment)), path.basename(endpointIdOf(deployment)), deployment.name);
    if (previous) {
      this.containers.delete(key);
      const older = this.retiring.get(key);
      if (older) this.stopContainer(older, 'the deployment changed again');
      // A serving container keeps answering until the new one is up; a broken or starting one goes now.
      if (previous.port !== undefined && !previous.exit && !previous.stopping) this.retiring.set(key, previous);
      else this.stopContainer(previous, 'the deployment changed');
    } else {
      // Folders a previous run of the emulator left.
      fs.rmSync(deploymentDir, { recursive: true, force: true });
    }
    const root = path.join(deploymentDir, String(++this.generation));
    const logFiles: Record<ContainerType, string> = { StorageInitializer: path.join(root, 'logs', 'storage-initializer.log'), InferenceServer: path.join(root, 'logs', 'inference-server.log') };
    let settle!: () => void;
    const container: Container = { deploymentId: deployment.id, spec, root, logFiles, stopping: false, done: new Promise<void>((resolve) => (settle = resolve)) };
    this.containers.set(key, container);
    // A superseded container's folder goes once it has stopped; the latest one's stays for its logs.
    void container.done.then(() => {
      const latest = this.containers.get(key);
      if (latest && latest !== container) fs.rmSync(root, { recursive: true, force: true });
    });
    this.report(container, 'Starting');
    void (async () => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(logFiles.InferenceServer), { recursive: true });
      for (const file of Object.values(logFiles)) fs.writeFileSync(file, '');
      if (container.stopping) return settle();
      if (!deployment.properties.codeConfiguration) {
        this.serveWithoutScoringScript(deployment, container);
        return settle();
      }
      const prepared = await this.initializeStorage(deployment, root, container);
      if (!prepared || container.stopping) return settle();
      this.launch(deployment, container, prepared, settle);
    })().catch((e: unknown) => {
      this.options.ctx.log(`deployment ${deployment.name}: the emulator could not start its containers: ${(e as Error).stack ?? String(e)}`);
      this.fail(container, { code: 'InternalServerError', message: `The emulator could not start the deployment's containers: ${(e as Error).message}` });
      settle();
    });
  }

  /** The storage initializer: code into <root>/code, the model into AZUREML_MODEL_DIR (<root>/azureml-models/<name>/<version>/<model folder or file>). */
  private async initializeStorage(deployment: ArmResource, root: string, container: Container): Promise<{ codeDir: string; scoringScript: string; modelDir?: string } | undefined> {
    const { ctx, storage } = this.options;
    const note = (line: string) => this.appendLog(container, 'StorageInitializer', line);
    const workspaceId = workspaceIdOf(deployment);
    const codeConfiguration = deployment.properties.codeConfiguration;
    try {
      if (!codeConfiguration?.codeId || !codeConfiguration.scoringScript) throw new JobInputError('The deployment\'s code_configuration needs both code and scoring_script.');
      const codeDir = path.join(root, 'code');
      note(`Downloading code ${codeConfiguration.codeId}`);
      note(`Code downloaded from ${await downloadCodeVersion(ctx, storage, workspaceId, codeConfiguration.codeId, codeDir)}`);
      let modelDir: string | undefined;
      if (typeof deployment.properties.model === 'string' && deployment.properties.model) {
        const modelId = armIdOf(deployment.properties.model);
        const [name, version] = /\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(modelId)?.slice(1) ?? [path.basename(modelId), '1'];
        modelDir = path.join(root, 'azureml-models', name, version);
        const address = dataAddress(ctx, modelId);
        const location = storage.resolve(workspaceId, address);
        note(`Downloading model ${deployment.properties.model} from ${address}`);
        await storage.download(location, path.join(modelDir, path.posix.basename(location.path) || name));
        note(`Model downloaded to ${modelDir}`);
      }
      return { codeDir, scoringScript: codeConfiguration.scoringScript, modelDir };
    } catch (e) {
      if (!(e instanceof JobInputError)) throw e;
      note(`Error: ${e.message}`);
      this.fail(container, { code: 'UserError', message: `The storage initializer failed: ${e.message} See the StorageInitializer container logs.` });
      return undefined;
    }
  }

  /**
   * No code_configuration: a no-code (MLflow) deployment or a custom container, which the emulator
   * does not run. It provisions (or crashes under the fault) and its scoring requests get a 502.
   */
  private serveWithoutScoringScript(deployment: ArmResource, container: Container): void {
    this.appendLog(container, 'StorageInitializer', `Model ${deployment.properties.model ?? '(none)'}: not downloaded (the deployment has no scoring script to load it).`);
    if (isCrashMarked(deployment)) {
      this.appendLog(container, 'InferenceServer', `Exception in worker process: ${CRASH_REASON}`);
      this.appendLog(container, 'InferenceServer', 'Worker exiting');
      this.fail(container, CONTAINER_CRASHED);
      return;
    }
    container.exit = 'the deployment has no code_configuration: the emulator runs scoring scripts only, not no-code (MLflow) deployments or custom containers';
    this.appendLog(container, 'InferenceServer', 'The emulator serves deployments through their scoring script (code_configuration) only.');
    this.appendLog(container, 'InferenceServer', `Scoring requests to this deployment get a 502: ${container.exit}.`);
    this.report(container, 'Running');
  }

  private launch(deployment: ArmResource, container: Container, prepared: { codeDir: string; scoringScript: string; modelDir?: string }, settle: () => void): void {
    const env: NodeJS.ProcessEnv = {
      ...hostVariables(),
      AML_APP_ROOT: prepared.codeDir,
      AZUREML_ENTRY_SCRIPT: prepared.scoringScript,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...(prepared.modelDir ? { AZUREML_MODEL_DIR: prepared.modelDir } : {}),
      ...(isCrashMarked(deployment) ? { AZUREML_EMULATOR_CRASH: CRASH_REASON } : {}),
    };
    for (const [name, value] of Object.entries(deployment.properties.environmentVariables ?? {})) env[name] = String(value);
    const child = spawn('python3', [INFERENCE_SERVER_SCRIPT], { cwd: prepared.codeDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    container.child = child;
    let pending = '';
    const onOutput = (chunk: Buffer) => {
      fs.appendFileSync(container.logFiles.InferenceServer, chunk);
      pending += chunk.toString('utf8');
      const listening = /Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(pending);
      if (listening && container.port === undefined) {
        container.port = Number(listening[1]);
        pending = '';
        this.report(container, 'Running');
      } else if (pending.length > 4096) pending = pending.slice(-256);
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.once('error', (e) => this.appendLog(container, 'InferenceServer', `Could not start python3: ${e.message}`));
    child.once('close', (code, signal) => {
      // Whatever the script left running in its group goes with it, as the container's would.
      signalGroup(child, 'SIGKILL');
      container.exit = `the inference server exited (${signal ?? `code ${code}`})`;
      if (!container.stopping) {
        this.appendLog(container, 'InferenceServer', `Container exited: ${container.exit}.`);
        if (container.port === undefined) this.fail(container, CONTAINER_CRASHED);
      }
      settle();
    });
  }

  private appendLog(container: Container, type: ContainerType, line: string): void {
    try {
      fs.appendFileSync(container.logFiles[type], `${new Date(this.options.ctx.now()).toISOString()} | ${line}\n`);
    } catch {
      // The folder is being replaced by a restart.
    }
  }

  private fail(container: Container, error: ArmErrorDetail): void {
    this.report(container, 'Failed', error);
  }

  /** Writes the record ARM reads, unless a newer container of the deployment replaced this one; the new one up or failed retires the old. */
  private report(container: Container, state: DeploymentContainers['state'], error?: ArmErrorDetail): void {
    const key = container.deploymentId.toLowerCase();
    if (this.containers.get(key) !== container) return;
    const previous = this.retiring.get(key);
    if (previous && state === 'Failed') this.stopContainer(previous, 'the updated deployment failed');
    if (previous && state === 'Running') {
      // New requests go to the new container; the old one finishes what it has, then stops.
      this.retiring.delete(key);
      this.draining.set(previous, setTimeout(() => this.stopContainer(previous, 'the updated deployment is up'), DRAIN_MS));
    }
    const record: DeploymentContainers = { spec: container.spec, state, ...(error ? { error } : {}), logFiles: container.logFiles };
    this.options.ctx.store.put(CONTAINERS, key, record);
  }
}
