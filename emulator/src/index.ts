// Starts "Azure in a box": Entra ID, ARM for Azure ML, blob storage (Azurite) and the Azure ML
// data plane behind one loopback proxy, with state in a directory that survives restarts.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Clock, createAdminHandler } from './admin';
import { type ArmOptions, createArmHandler, seedMissingWorkspaces, seedState, setFamilyLimit, triggerDueSchedules } from './arm';
import { families } from './arm/vmSizes';
import { AZURITE_DIR, type AzuriteBlob, startAzuriteBlob } from './azurite';
import { createDatastoreContainers } from './blobContainers';
import { SERVED_HOSTNAMES, issueServerCertificate, loadOrCreateRootCa } from './ca';
import { type Cloud, loadOrCreateCloud, roleAssignmentsOf } from './cloud';
import { type ConnectionInfo, connectionInfo, writeConnectionFile } from './connection';
import type { HostResponse, ServiceContext } from './contract';
import { createDataplaneHandler, type DataplaneRoute } from './dataplane';
import { registryRoutes, seedRegistries, writeRegistryFiles } from './registries';
import { EntraId } from './entra';
import { FaultInjector } from './faults';
import { HostDispatcher, writeHostResponse } from './hosts';
import { imdsToken } from './imds';
import { MANAGED_IDENTITY_PATH, managedIdentityToken } from './managedIdentity';
import { createProxyServer } from './proxy';
import { RequestLog } from './requestLog';
import { listenPreferring, lockStateDir, previousPorts, savePorts } from './stateDir';
import { JsonFileStore } from './store';
import { JobStorage, LocalJobExecutor, attachExecutor, createBatchInvocationHandler, jobDataplaneRoutes } from './jobs';
import { scoringHostnames } from './hostnames';
import { DeploymentHost, ScoringRecords, createScoringHandler } from './serving';
import { storageAccountsOf } from './workspaceFacts';
import { TokenIssuer, createTokenVerifier } from './tokens';

export type { ConnectionInfo } from './connection';
export { clientEnvironment } from './connection';

export interface EmulatorOptions {
  /** Where CA, identities, state.json, Azurite's data and the request log live; a fresh temp dir when omitted. */
  stateDir?: string;
  /** Receives the emulator's diagnostic messages (handler crashes, ctx.log). */
  log?: (message: string) => void;
  /** Access token lifetime (Entra issues about an hour); short values let tests see expiry. */
  tokenLifetimeSeconds?: number;
  /** ARM options; without a jobExecutor, jobs run for real on this machine (src/jobs/). */
  arm?: ArmOptions;
  /** Routes of <region>.api.azureml.ms beyond /discovery (run history, MLflow). */
  dataplaneRoutes?: DataplaneRoute[];
  /** How late scored requests show in Azure Monitor metrics (Azure: one to three minutes; default 60 s). */
  metricsDelaySeconds?: number;
}

export interface RunningEmulator {
  connection: ConnectionInfo;
  connectionFile: string;
  stateDir: string;
  /** The context the service handlers see (store, clock, verifier), for in-process extensions and tests. */
  context: ServiceContext;
  /** Azurite's blob endpoint for the account, path-style on loopback (http://127.0.0.1:<port>/<account>), for in-process job execution. */
  azuriteBlobUrl: string;
  stop(): Promise<void>;
}

const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
const DEFAULT_METRICS_DELAY_SECONDS = 60;
const IDLE_CONNECTION_MS = 120_000;
/** How often due schedules are looked for besides before each ARM request. */
const SCHEDULE_CHECK_MS = 5000;

/**
 * The IMDS stand-in's address: a loopback address of its own (Linux routes all of 127.0.0.0/8 to
 * loopback) so that, like 169.254.169.254, it matches no proxy bypass entry written for 127.0.0.1 and
 * only a client that bypasses the proxy for IMDS reaches it. Where only 127.0.0.1 exists, that one.
 */
const IMDS_LOOPBACK_ADDRESSES = ['127.169.254.254', '127.0.0.1'];

/** Listens on the first of `addresses` this machine has. */
async function listenOnFirstAddress(server: http.Server, addresses: string[], preferredPort: number | undefined, onMoved: (message: string) => void): Promise<{ address: string; port: number }> {
  for (const address of addresses) {
    try {
      return { address, port: await listenPreferring(server, address, preferredPort, onMoved) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL' || address === addresses[addresses.length - 1]) throw e;
    }
  }
  throw new Error('no address to listen on');
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const stateDir = path.resolve(options.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-emulator-')));
  fs.mkdirSync(stateDir, { recursive: true });
  const releaseStateDir = lockStateDir(stateDir);
  let cloud: Cloud;
  try {
    cloud = loadOrCreateCloud(stateDir);
  } catch (e) {
    releaseStateDir();
    throw e;
  }
  // Azurite starts while the rest is prepared; it is stopped again if anything fails.
  const azuriteStarting = startAzuriteBlob({
    location: AZURITE_DIR(stateDir),
    accounts: storageAccountsOf(cloud.facts),
    logFile: path.join(stateDir, 'azurite.log'),
    onUnexpectedExit: options.log,
  });
  try {
    return await serve(options, stateDir, cloud, azuriteStarting, releaseStateDir);
  } catch (e) {
    await (await azuriteStarting.catch(() => undefined))?.stop();
    releaseStateDir();
    throw e;
  }
}

async function serve(options: EmulatorOptions, stateDir: string, cloud: Cloud, azuriteStarting: Promise<AzuriteBlob>, releaseStateDir: () => void): Promise<RunningEmulator> {
  const log = options.log ?? (() => undefined);
  const ca = loadOrCreateRootCa(stateDir);
  const serverCertificate = issueServerCertificate(ca, [...SERVED_HOSTNAMES, ...scoringHostnames(cloud.facts.location)]);
  const clock = new Clock();
  const store = new JsonFileStore(path.join(stateDir, 'state.json'));
  const requestLog = new RequestLog(path.join(stateDir, 'requests.log'), clock.now);
  const faults = new FaultInjector(requestLog, clock.now);
  const issuer = new TokenIssuer(cloud, clock.now, options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS);
  const roleAssignments = roleAssignmentsOf(cloud);
  const context: ServiceContext = {
    facts: cloud.facts,
    store,
    tokens: createTokenVerifier(cloud, clock.now),
    roleAssignments: () => roleAssignments,
    faults,
    now: clock.now,
    log,
  };
  if (store.isEmpty) {
    seedState(context);
    store.flush();
  } else seedMissingWorkspaces(context);
  seedRegistries(context);
  const azurite = await azuriteStarting;
  await createDatastoreContainers(context, azurite.port);
  await writeRegistryFiles(context, azurite.port);
  const azuriteBlobUrl = `http://127.0.0.1:${azurite.port}/${cloud.facts.storageAccountName}`;
  const jobStorage = new JobStorage(context, azuriteBlobUrl);
  const localJobs = options.arm?.jobExecutor ? undefined : new LocalJobExecutor();
  const deploymentHost = new DeploymentHost({ ctx: context, storage: jobStorage, workRoot: path.join(stateDir, 'deployments') });
  const scoringRecords = new ScoringRecords(path.join(stateDir, 'scoring.log'));
  let metricsDelayMs = (options.metricsDelaySeconds ?? DEFAULT_METRICS_DELAY_SECONDS) * 1000;
  const metrics = { records: () => scoringRecords.list(), delayMs: () => metricsDelayMs };
  const dataplaneRoutes = [...(options.dataplaneRoutes ?? []), ...jobDataplaneRoutes(context, jobStorage), ...registryRoutes(context)];
  const jobExecutor = options.arm?.jobExecutor ?? localJobs;
  // Batch endpoints and online endpoints share the scoring hosts: batch invocations POST to /jobs.
  const batchInvocations = createBatchInvocationHandler({ ctx: context, executor: () => jobExecutor });
  const onlineScoring = createScoringHandler({ ctx: context, host: deploymentHost, records: scoringRecords, faults });
  const dispatcher = new HostDispatcher({
    handlers: {
      login: new EntraId(cloud, issuer).handler,
      arm: createArmHandler(context, { ...options.arm, jobExecutor, deploymentRuntime: deploymentHost, metrics }),
      dataplane: createDataplaneHandler(context, dataplaneRoutes),
      scoring: async (req) => batchInvocations(req) ?? onlineScoring(req),
    },
    blobPort: azurite.port,
    storageAccountNames: storageAccountsOf(cloud.facts).map((a) => a.name),
    faults,
    log: requestLog,
    onError: log,
  });
  // Azure keeps idle connections for minutes and never cuts long uploads; Node's defaults are 5 s and 300 s.
  const serverTimeouts = { keepAliveTimeout: IDLE_CONNECTION_MS, requestTimeout: 0 };
  const tlsServer = https.createServer({ cert: serverCertificate.certPem, key: serverCertificate.keyPem, ...serverTimeouts }, dispatcher.handle);
  const identityEndpoint = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const response =
      url.pathname === MANAGED_IDENTITY_PATH && req.method === 'GET'
        ? managedIdentityToken(cloud, issuer, url, req.headers['x-identity-header'] as string | undefined)
        : { status: 404, body: { statusCode: 404, message: `The managed identity endpoint serves GET ${MANAGED_IDENTITY_PATH}.` } };
    answerLoopback(req, res, url, response);
  });
  const imds = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://169.254.169.254');
    answerLoopback(req, res, url, imdsToken(cloud, issuer, { method: req.method ?? 'GET', url, headers: req.headers }));
  });
  const answerLoopback = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, response: HostResponse) => {
    const requestId = randomUUID();
    req.resume();
    writeHostResponse(res, { ...response, headers: { ...response.headers, 'x-ms-request-id': requestId } });
    requestLog.append({ type: 'request', time: requestLog.time(), requestId, host: req.headers.host ?? '127.0.0.1', method: req.method ?? 'GET', path: url.pathname, status: response.status, durationMs: 0 });
  };
  const ports = previousPorts(stateDir);
  const onMoved = (message: string) => log(message);
  const imdsHost = await listenOnFirstAddress(imds, IMDS_LOOPBACK_ADDRESSES, ports.imds, onMoved);
  const proxy = createProxyServer({ serverOptions: serverTimeouts, tlsServer, dispatcher, storageAccountNames: storageAccountsOf(cloud.facts).map((a) => a.name), log: requestLog, linkLocalStandIn: imdsHost });
  const tunnels = new Set<Socket>();
  proxy.on('connection', (socket: Socket) => {
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
  });
  const setQuota = (location: string, family: string, limit: number): boolean => {
    const known = families().find((f) => f.toLowerCase() === family.toLowerCase());
    if (known) setFamilyLimit(context, location, known, limit);
    return known !== undefined;
  };
  const admin = http.createServer(createAdminHandler({ log: requestLog, faults, clock, store, setQuota, scoring: scoringRecords, setMetricsDelay: (seconds) => (metricsDelayMs = seconds * 1000) }));
  const [proxyPort, adminPort, identityPort] = await Promise.all([
    listenPreferring(proxy, '127.0.0.1', ports.proxy, onMoved),
    listenPreferring(admin, '127.0.0.1', ports.admin, onMoved),
    listenPreferring(identityEndpoint, '127.0.0.1', ports.identity, onMoved),
  ]);
  savePorts(stateDir, { proxy: proxyPort, admin: adminPort, identity: identityPort, imds: imdsHost.port });

  const connection = connectionInfo(
    cloud,
    {
      proxyUrl: `http://127.0.0.1:${proxyPort}`,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      managedIdentityEndpoint: `http://127.0.0.1:${identityPort}${MANAGED_IDENTITY_PATH}`,
      imdsAuthorityHost: `http://${imdsHost.address}:${imdsHost.port}`,
    },
    ca.certFile,
  );
  const connectionFile = path.join(stateDir, 'connection.json');
  writeConnectionFile(connectionFile, connection);
  if (localJobs) {
    // A job's code calls the data plane as the identity that submitted it (the managed identity otherwise).
    const issueToken = (job: { systemData?: { createdBy?: string } }) => {
      const identity = Object.values(cloud.identities).find((i) => i.clientId === job.systemData?.createdBy) ?? cloud.identities.managedIdentity;
      return issuer.issue(identity, 'https://ml.azure.com', '2').accessToken;
    };
    attachExecutor(localJobs, context, jobStorage, { proxyUrl: connection.proxyUrl, caCertFile: ca.certFile, issueToken }, { blobServiceUrl: azuriteBlobUrl, workRoot: path.join(stateDir, 'jobs') });
  }

  // Deployments a previous run left serving start again.
  deploymentHost.reconcile();
  // Schedules also come due while no client calls ARM (which looks for due schedules first, too).
  const scheduleTimer = setInterval(() => triggerDueSchedules(context, jobExecutor), SCHEDULE_CHECK_MS);
  scheduleTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(scheduleTimer);
      // Running jobs are cancelled first: their processes must not outlive the emulator.
      await localJobs?.stop();
      await deploymentHost.stop();
      for (const socket of tunnels) socket.destroy();
      await Promise.all([close(proxy), close(admin), close(identityEndpoint), close(imds)]);
      tlsServer.close();
      dispatcher.close();
      await azurite.stop();
      store.flush();
      await requestLog.close();
      releaseStateDir();
    })());
  return { connection, connectionFile, stateDir, context, azuriteBlobUrl, stop };
}
