// The admin API (plain HTTP on loopback, connection.json's adminUrl): the request log, fault
// injection, the emulator's clock and a dump of the stored state.
import type * as http from 'node:http';
import { type FaultInjector, FaultSpecError, parseFaultSpec } from './faults';
import { readBody, writeHostResponse } from './hosts';
import type { RequestLog } from './requestLog';
import type { ScoringQuery, ScoringRecord } from './serving';
import type { JsonFileStore } from './store';

/** The emulator's clock: real time plus an offset tests can advance. */
export class Clock {
  private offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface AdminDeps {
  log: RequestLog;
  faults: FaultInjector;
  clock: Clock;
  store: JsonFileStore;
  /** Sets a VM family's regional vCPU limit (simulates exhausted quota); false for a family the region lacks. */
  setQuota?: (location: string, family: string, limit: number) => boolean;
  /** The record of scored requests. */
  scoring?: { list(query: ScoringQuery): ScoringRecord[] };
  /** Sets how late scored requests show in Azure Monitor metrics. */
  setMetricsDelay?: (seconds: number) => void;
}

const ROUTES = [
  'GET /requests[?since=<ISO time>]',
  'GET /faults',
  'POST /faults {kind, pathPattern, method?, host?, status?, retryAfterSeconds?, latencyMs?, count?, durationSeconds?}',
  'DELETE /faults/<id>',
  'DELETE /faults',
  'GET /time',
  'POST /time/advance {seconds}',
  'PUT /quotas/<location>/<vmFamily> {limit}',
  'GET /state',
  'GET /scoring[?since=<ISO time>&endpoint=<name>&deployment=<name>]',
  'PUT /metrics/delay {seconds}',
];

function json(status: number, body?: unknown) {
  return { status, body };
}

function parseJson(body: Buffer): unknown {
  try {
    return body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw new FaultSpecError('the request body is not valid JSON');
  }
}

export function createAdminHandler(deps: AdminDeps): http.RequestListener {
  const route = async (method: string, url: URL, body: Buffer) => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET' && path === '/') return json(200, { routes: ROUTES });
    if (method === 'GET' && path === '/requests') {
      const since = url.searchParams.get('since');
      return json(200, { value: deps.log.list().filter((entry) => !since || entry.time >= since) });
    }
    if (method === 'GET' && path === '/faults') return json(200, { value: deps.faults.list() });
    if (method === 'POST' && path === '/faults') return json(201, deps.faults.add(parseFaultSpec(parseJson(body))));
    if (method === 'DELETE' && path === '/faults') {
      deps.faults.clear();
      return json(204);
    }
    const faultId = /^\/faults\/([^/]+)$/.exec(path)?.[1];
    if (method === 'DELETE' && faultId) {
      return deps.faults.remove(faultId) ? json(204) : json(404, { error: { code: 'NotFound', message: `No fault with id '${faultId}'.` } });
    }
    if (method === 'GET' && path === '/time') return json(200, { now: new Date(deps.clock.now()).toISOString() });
    if (method === 'POST' && path === '/time/advance') {
      const seconds = (parseJson(body) as { seconds?: unknown }).seconds;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new FaultSpecError("'seconds' must be a non-negative number");
      deps.clock.advance(seconds * 1000);
      return json(200, { now: new Date(deps.clock.now()).toISOString() });
    }
    const quota = /^\/quotas\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'PUT' && quota && deps.setQuota) {
      const limit = (parseJson(body) as { limit?: unknown }).limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new FaultSpecError("'limit' must be a non-negative whole number of vCPUs");
      const [location, family] = [decodeURIComponent(quota[1]), decodeURIComponent(quota[2])];
      if (!deps.setQuota(location, family, limit)) return json(404, { error: { code: 'NotFound', message: `No VM family '${family}' in this region; see GET /subscriptions/<id>/providers/Microsoft.MachineLearningServices/locations/${location}/vmSizes.` } });
      return json(200, { location, family, limit });
    }
    if (method === 'GET' && path === '/state') return json(200, deps.store.snapshot());
    if (method === 'PUT' && path === '/metrics/delay' && deps.setMetricsDelay) {
      const seconds = (parseJson(body) as { seconds?: unknown }).seconds;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new FaultSpecError("'seconds' must be a non-negative number");
      deps.setMetricsDelay(seconds);
      return json(200, { seconds });
    }
    if (method === 'GET' && path === '/scoring' && deps.scoring) {
      const query = (name: string) => url.searchParams.get(name) ?? undefined;
      return json(200, { value: deps.scoring.list({ since: query('since'), endpoint: query('endpoint'), deployment: query('deployment') }) });
    }
    return json(404, { error: { code: 'NotFound', message: `The admin API has no ${method} ${path}. Routes: ${ROUTES.join('; ')}` } });
  };
  return (req, res) => {
    void readBody(req)
      .then((body) => route(req.method ?? 'GET', new URL(req.url ?? '/', 'http://admin'), body))
      .catch((e: unknown) => {
        if (e instanceof FaultSpecError) return json(400, { error: { code: 'InvalidRequest', message: e.message } });
        return json(500, { error: { code: 'InternalServerError', message: (e as Error).message } });
      })
      .then((response) => writeHostResponse(res, response));
  };
}
