// The scoring front end of online endpoints (Azure ML's azureml-fe): requests to an endpoint's
// scoringUri or swaggerUri are authenticated by the endpoint's authMode (keys, aml_token or an
// Entra token), routed to a deployment by the endpoint's traffic weights or the
// azureml-model-deployment header, mirrored to the mirror deployment, passed to that deployment's
// inference server, and recorded. Status codes as Azure documents them: 401, 404 (no deployment to
// route to), 408 (request_timeout exceeded), 424 (the model answered non-200), 502 (the container
// is down).
import * as http from 'node:http';
import type { HostHandler, HostRequest, HostResponse, ServiceContext } from '../contract';
import { ENDPOINT_KEYS, ENDPOINT_TOKENS, type EndpointToken, tokenDigest } from '../arm/endpoints';
import { type ArmResource, listChildren } from '../arm/resources';
import type { FaultInjector } from '../faults';
import type { DeploymentHost } from './containers';
import type { ScoringRecords } from './records';
import { TrafficRouter } from './trafficRouter';

export interface ScoringOptions {
  ctx: ServiceContext;
  host: DeploymentHost;
  records: ScoringRecords;
  faults: FaultInjector;
}

/** The header that names the deployment to score with, and names who served in the answer. */
export const DEPLOYMENT_HEADER = 'azureml-model-deployment';
const AML_AUDIENCE = 'https://ml.azure.com';
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const NO_VALID_DEPLOYMENT =
  'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.';

type Route = 'score' | 'swagger';

interface Exchange {
  endpoint: ArmResource;
  route: Route;
  started: number;
}

function text(status: number, message: string, headers: Record<string, string> = {}): HostResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: Buffer.from(message) };
}

function firstHeader(req: HostRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The endpoint whose scoringUri or swaggerUri the request addresses. */
function addressedEndpoint(ctx: ServiceContext, url: URL): { endpoint: ArmResource; route: Route } | undefined {
  const host = url.hostname.toLowerCase();
  const requested = url.pathname.replace(/\/+$/, '').toLowerCase();
  for (const { value: endpoint } of ctx.store.list<ArmResource>('arm.endpoints')) {
    const scoring = typeof endpoint.properties.scoringUri === 'string' ? new URL(endpoint.properties.scoringUri) : undefined;
    if (!scoring || scoring.hostname.toLowerCase() !== host || endpoint.properties.provisioningState === 'Deleting') continue;
    const base = scoring.pathname.replace(/\/score$/, '').toLowerCase();
    if (requested === `${base}/score`) return { endpoint, route: 'score' };
    if (requested === `${base}/swagger.json`) return { endpoint, route: 'swagger' };
  }
  return undefined;
}

/** Undefined when the caller may score, else why not. */
function refusal(ctx: ServiceContext, endpoint: ArmResource, authorization: string | undefined): string | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return 'The request has no Authorization header with a Bearer key or token.';
  const mode = String(endpoint.properties.authMode ?? '').toLowerCase();
  if (mode === 'key') {
    const keys = ctx.store.get<{ primaryKey: string; secondaryKey: string }>(ENDPOINT_KEYS, endpoint.id.toLowerCase());
    return keys && (token === keys.primaryKey || token === keys.secondaryKey) ? undefined : 'The key is not one of the endpoint\'s keys.';
  }
  if (mode === 'amltoken') {
    const issued = ctx.store.get<EndpointToken>(ENDPOINT_TOKENS, tokenDigest(token));
    if (!issued || issued.endpointId.toLowerCase() !== endpoint.id.toLowerCase()) return 'The token was not issued for this endpoint.';
    return issued.expiryTimeUtc * 1000 > ctx.now() ? undefined : 'The token has expired; get a new one (getToken).';
  }
  const check = ctx.tokens.verify(authorization, [AML_AUDIENCE]);
  return check.ok ? undefined : check.message;
}

/** ISO 8601 seconds (PT5S, PT0.5S, PT1M) to milliseconds. */
export function durationMs(value: unknown, fallback: number): number {
  const match = /^PT(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(String(value ?? ''));
  if (!match || (!match[1] && !match[2])) return fallback;
  return (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One request to a deployment's inference server on loopback. */
function callInferenceServer(port: number, req: HostRequest, route: Route, timeoutMs: number): Promise<{ status: number; contentType: string; body: Buffer } | { failure: 'timeout' | 'down'; message: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-type': firstHeader(req, 'content-type') ?? 'application/json', 'content-length': req.body.length };
    const upstream = http.request({ host: '127.0.0.1', port, method: route === 'score' ? req.method : 'GET', path: route === 'score' ? '/score' : '/swagger.json', headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 502, contentType: String(answer.headers['content-type'] ?? 'application/json'), body: Buffer.concat(chunks) }));
      answer.on('error', (e) => resolve({ failure: 'down', message: e.message }));
    });
    upstream.setTimeout(timeoutMs, () => {
      upstream.destroy();
      resolve({ failure: 'timeout', message: `the model took longer than request_timeout (${timeoutMs} ms)` });
    });
    upstream.on('error', (e) => resolve({ failure: 'down', message: e.message }));
    upstream.end(route === 'score' ? req.body : undefined);
  });
}

export function createScoringHandler(options: ScoringOptions): HostHandler {
  const { ctx, host, records, faults } = options;
  const router = new TrafficRouter();

  const record = (exchange: Exchange, deployment: string, statusCode: number, mirrored = false) =>
    records.append({
      time: new Date(ctx.now()).toISOString(),
      endpointId: exchange.endpoint.id,
      endpoint: exchange.endpoint.name,
      deployment,
      statusCode,
      latencyMs: Date.now() - exchange.started,
      mirrored,
    });

  /** The answer of one deployment, with the injected faults that apply to it. */
  const serve = async (req: HostRequest, exchange: Exchange, deployment: ArmResource): Promise<HostResponse> => {
    const slow = faults.scoringFault('deploymentLatency', deployment.id);
    if (slow) {
      faults.scoringFaultHit(slow, req.url.hostname, req.url.pathname);
      await sleep(slow.latencyMs ?? 0);
    }
    const failing = faults.scoringFault('deploymentErrors', deployment.id);
    if (failing && router.takesShare(`fault:${failing.id}`, (failing.errorRate ?? 0) * 100)) {
      faults.scoringFaultHit(failing, req.url.hostname, req.url.pathname);
      return text(failing.status ?? 503, 'The deployment failed to answer (injected deploymentErrors fault).');
    }
    const target = host.target(deployment.id);
    if ('unavailable' in target) return text(502, `Deployment '${deployment.name}' could not answer: ${target.unavailable}. See its InferenceServer container logs.`);
    const timeoutMs = durationMs(deployment.properties.requestSettings?.requestTimeout, DEFAULT_REQUEST_TIMEOUT_MS);
    const answer = await callInferenceServer(target.port, req, exchange.route, timeoutMs);
    if ('failure' in answer) return answer.failure === 'timeout' ? text(408, `Request timed out: ${answer.message}.`) : text(502, `Deployment '${deployment.name}' could not answer: ${answer.message}.`);
    if (answer.status === 200) return { status: 200, headers: { 'content-type': answer.contentType }, body: answer.body };
    // The model container's own non-200 answer reaches the client as a 424 that names it.
    return { status: 424, headers: { 'content-type': answer.contentType, 'ms-azureml-model-error-statuscode': String(answer.status), 'ms-azureml-model-error-reason': 'model_error' }, body: answer.body };
  };

  /** A copy of the request for the mirror deployment; its answer is dropped. */
  const mirror = (req: HostRequest, exchange: Exchange, deployments: ArmResource[]) => {
    if (exchange.route !== 'score' || exchange.endpoint.properties.compute) return;
    for (const [name, percent] of Object.entries<number>(exchange.endpoint.properties.mirrorTraffic ?? {})) {
      const shadow = deployments.find((d) => d.name.toLowerCase() === name.toLowerCase());
      if (!shadow || !(percent > 0) || !router.takesShare(`mirror:${exchange.endpoint.id.toLowerCase()}`, percent)) continue;
      const copy: Exchange = { ...exchange, started: Date.now() };
      void serve(req, copy, shadow).then(
        (answer) => record(copy, shadow.name, answer.status, true),
        (e: unknown) => ctx.log(`mirrored request to ${shadow.name} failed: ${(e as Error).message}`),
      );
    }
  };

  return async (req) => {
    const addressed = addressedEndpoint(ctx, req.url);
    if (!addressed) return text(404, `No online endpoint answers at ${req.url.hostname}${req.url.pathname}. Use the endpoint's scoringUri or swaggerUri.`);
    const exchange: Exchange = { ...addressed, started: Date.now() };
    const { endpoint } = exchange;
    const requestHeaders = { 'x-request-id': req.requestId };
    const denied = refusal(ctx, endpoint, firstHeader(req, 'authorization'));
    if (denied) {
      record(exchange, '', 401);
      return text(401, `Unauthorized: ${denied}`, { ...requestHeaders, 'WWW-Authenticate': 'Bearer' });
    }
    const deployments = listChildren(ctx, 'deployments', endpoint.id, 'deployments');
    const named = firstHeader(req, DEPLOYMENT_HEADER);
    const name = named ?? router.pick(endpoint.id.toLowerCase(), endpoint.properties.traffic ?? {});
    const deployment = name === undefined ? undefined : deployments.find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!deployment) {
      record(exchange, '', 404);
      const message = named ? `Deployment '${named}' (header ${DEPLOYMENT_HEADER}) does not exist in endpoint '${endpoint.name}'.` : NO_VALID_DEPLOYMENT;
      return text(404, message, requestHeaders);
    }
    if (!named) mirror(req, exchange, deployments);
    const answer = await serve(req, exchange, deployment);
    record(exchange, deployment.name, answer.status);
    return { ...answer, headers: { ...answer.headers, ...requestHeaders, [DEPLOYMENT_HEADER]: deployment.name } };
  };
}
