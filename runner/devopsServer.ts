// The little of Azure DevOps a job talks to, served on loopback: the OIDC token endpoint behind
// System.OidcRequestUri, which @azure/identity's AzurePipelinesCredential calls for workload
// identity federation: POST <uri>?api-version=7.1&serviceConnectionId=<id> with
// "Authorization: Bearer <System.AccessToken>" → {"oidcToken": "<JWT>"}. The JWT is signed with
// the emulator's federation issuer key so its Entra ID accepts it as Azure DevOps' token.
// And the plan events endpoint server tasks with WaitForCompletion are completed through:
// POST {PlanUrl}/{ProjectId}/_apis/distributedtask/hubs/{HubName}/plans/{PlanId}/events?api-version=2.0-preview.1
// with {"name":"TaskCompleted","taskId":"<TaskInstanceId>","jobId":"<JobId>","result":"succeeded"|"failed"}
// and the AuthToken the request carried (Bearer, or Basic with an empty user, as clients send it).
import { createSign, randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LoopbackCertificate } from './loopbackTls';
import type { FederationIssuer } from './serviceConnection';

export const ORGANIZATION = 'local';
/** OIDC tokens from Azure DevOps are short-lived; the task must ask again when it needs one. */
const TOKEN_LIFETIME_SECONDS = 600;

export interface DevOpsServer {
  /** System.TeamFoundationCollectionUri, with a trailing slash. */
  collectionUri: string;
  oidcRequestUri(projectId: string, planId: string, jobId: string): string;
  /** Service connections (ids) whose federated tokens the server may mint. */
  allowFederation(endpointId: string): void;
  /** Resolves with the TaskCompleted event's result for a server task instance (also one that came early). */
  taskCompleted(taskInstanceId: string): { result: Promise<TaskEvent>; dispose(): void };
  stop(): Promise<void>;
}

/** A plan event as a service posts it. */
export interface TaskEvent {
  name: string;
  taskId: string;
  jobId?: string;
  result?: string;
}

const PLAN_EVENTS = /^\/[^/]+\/[^/]+\/_apis\/distributedtask\/hubs\/[^/]+\/plans\/[^/]+\/events$/i;

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export function signJwt(claims: Record<string, unknown>, issuer: Pick<FederationIssuer, 'signingKeyPem' | 'keyId'>): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: issuer.keyId }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(issuer.signingKeyPem);
  return `${header}.${payload}.${base64url(signature)}`;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface DevOpsServerOptions {
  accessToken: string;
  tls: LoopbackCertificate;
  federation?: FederationIssuer;
  /** Each token minted, so the runner masks it like every other credential. */
  onTokenIssued?: (token: string) => void;
  now?: () => number;
}

export async function startDevOpsServer(options: DevOpsServerOptions): Promise<DevOpsServer> {
  const allowed = new Set<string>();
  const now = options.now ?? Date.now;
  const completed = new Map<string, TaskEvent>();
  const waiting = new Map<string, (event: TaskEvent) => void>();
  const authorized = (header: string | undefined) =>
    header === `Bearer ${options.accessToken}` || header === `Basic ${Buffer.from(`:${options.accessToken}`).toString('base64')}`;
  const server = https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    // {PlanUrl}/{ProjectId}: PlanUrl ends with a slash, and clients join with another.
    const pathname = url.pathname.replace(/\/{2,}/g, '/');
    if (PLAN_EVENTS.test(pathname)) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST') return send(res, 405, { message: 'Use POST' });
        if (!authorized(req.headers.authorization)) return send(res, 401, { message: 'TF400813: The user is not authorized to access this resource (the AuthToken of the task is missing or wrong).' });
        if (!url.searchParams.get('api-version')) return send(res, 400, { message: 'No api-version was supplied for the POST request.' });
        let event: TaskEvent;
        try {
          event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TaskEvent;
        } catch {
          return send(res, 400, { message: 'The request body is not a JSON task event.' });
        }
        if (!event || typeof event.name !== 'string' || typeof event.taskId !== 'string') return send(res, 400, { message: "A task event needs 'name' and 'taskId'." });
        if (event.name === 'TaskCompleted') {
          const key = event.taskId.toLowerCase();
          const waiter = waiting.get(key);
          if (waiter) waiter(event);
          else completed.set(key, event);
        }
        send(res, 200, {});
      });
      return;
    }
    req.resume();
    if (!/\/_apis\/distributedtask\/hubs\/build\/plans\/[^/]+\/jobs\/[^/]+\/oidctoken$/i.test(url.pathname)) {
      send(res, 404, { message: `The local runner serves only the OIDC token endpoint, not ${url.pathname}` });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { message: 'Use POST' });
      return;
    }
    if (req.headers.authorization !== `Bearer ${options.accessToken}`) {
      send(res, 401, { message: 'TF400813: The user is not authorized to access this resource (System.AccessToken missing or wrong).' });
      return;
    }
    if (!url.searchParams.get('api-version')) {
      send(res, 400, { message: 'No api-version was supplied for the POST request.' });
      return;
    }
    const connectionId = url.searchParams.get('serviceConnectionId') ?? '';
    if (!options.federation || !allowed.has(connectionId.toLowerCase())) {
      send(res, 400, { message: `Service connection '${connectionId}' does not use workload identity federation or is not used by this job.` });
      return;
    }
    const issuedAt = Math.floor(now() / 1000);
    const f = options.federation;
    const oidcToken = signJwt({ iss: f.issuer, sub: f.subject, aud: f.audience, iat: issuedAt, nbf: issuedAt, exp: issuedAt + TOKEN_LIFETIME_SECONDS, jti: randomUUID() }, f);
    options.onTokenIssued?.(oidcToken);
    send(res, 200, { oidcToken });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const collectionUri = `https://127.0.0.1:${port}/${ORGANIZATION}/`;
  return {
    collectionUri,
    oidcRequestUri: (projectId, planId, jobId) => `${collectionUri}${projectId}/_apis/distributedtask/hubs/build/plans/${planId}/jobs/${jobId}/oidctoken`,
    allowFederation: (id) => allowed.add(id.toLowerCase()),
    taskCompleted: (taskInstanceId) => {
      const key = taskInstanceId.toLowerCase();
      const result = new Promise<TaskEvent>((resolve) => {
        const early = completed.get(key);
        if (early) {
          completed.delete(key);
          resolve(early);
        } else {
          waiting.set(key, (event) => {
            waiting.delete(key);
            resolve(event);
          });
        }
      });
      return { result, dispose: () => waiting.delete(key) };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
