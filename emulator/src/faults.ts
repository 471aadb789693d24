// Fault injection: faults registered through the admin API, matched by method, host and path
// pattern, for a number of requests or a time. Transport faults (status, reset, latency) are
// applied by the TLS layer before any handler, responseLost after it (the request takes effect, then
// the connection is reset instead of answered); semantic ones by the service handlers.
import { randomUUID } from 'node:crypto';
import type { FaultRegistry, ScoringFaultKind, SemanticFaultKind } from './contract';
import type { RequestLog } from './requestLog';

export const TRANSPORT_FAULT_KINDS = ['status', 'reset', 'latency', 'responseLost'] as const;
export const SEMANTIC_FAULT_KINDS: readonly SemanticFaultKind[] = ['lroFailed', 'computeStuckResizing', 'deploymentUnhealthy', 'deploymentErrors', 'deploymentLatency', 'jobPaused'];
export type TransportFaultKind = (typeof TRANSPORT_FAULT_KINDS)[number];
export type FaultKind = TransportFaultKind | SemanticFaultKind;

/** What POST /faults accepts. */
export interface FaultSpec {
  kind: FaultKind;
  /** Glob over the URL path (`*` within a segment, `**` across segments), or a regex when it starts with `^`. Case-insensitive. */
  pathPattern: string;
  method?: string;
  host?: string;
  /** kind "status": 429, 500 or 503. */
  status?: number;
  /** kind "status" with 429 or 503: the Retry-After header (seconds). */
  retryAfterSeconds?: number;
  /** kind "latency": delay before the handler runs; kind "deploymentLatency": added to each scoring request. */
  latencyMs?: number;
  /** kind "deploymentErrors": the share of scoring requests (0 to 1) answered with `status` (default 503). */
  errorRate?: number;
  /** How many matching requests it affects (default 1 unless durationSeconds is given). */
  count?: number;
  durationSeconds?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  createdAt: string;
  expiresAt?: string;
  /** Uses left; undefined for a time-bound fault (or a holding fault given neither count nor time). */
  remaining?: number;
  hits: number;
  /** A holding fault with a method: set off by a request with that method. */
  triggered?: boolean;
}

/** Faults that hold a resource in a state rather than shape one response; without count or time they last until deleted. */
const HOLDING_FAULT_KINDS: readonly FaultKind[] = ['computeStuckResizing', 'deploymentErrors', 'deploymentLatency', 'jobPaused'];

export class FaultSpecError extends Error {}

const ARM_HOST = 'management.azure.com';

const FAULT_STATUSES = [429, 500, 503];
const SPEC_FIELDS = ['kind', 'pathPattern', 'method', 'host', 'status', 'retryAfterSeconds', 'latencyMs', 'errorRate', 'count', 'durationSeconds'];

function compilePattern(pattern: string): RegExp {
  if (pattern.startsWith('^')) {
    try {
      return new RegExp(pattern, 'i');
    } catch (e) {
      throw new FaultSpecError(`pathPattern '${pattern}' is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  const source = pattern
    .split('**')
    .map((part) => part.split('*').map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i');
}

/** Validates a POST /faults body, naming the field at fault. */
export function parseFaultSpec(body: unknown): FaultSpec {
  if (typeof body !== 'object' || body === null) throw new FaultSpecError('the request body must be a JSON object');
  const spec = body as Record<string, unknown>;
  const unknown = Object.keys(spec).filter((name) => !SPEC_FIELDS.includes(name));
  if (unknown.length) throw new FaultSpecError(`unknown field(s) ${unknown.map((n) => `'${n}'`).join(', ')}; a fault has ${SPEC_FIELDS.join(', ')}`);
  const kinds: readonly string[] = [...TRANSPORT_FAULT_KINDS, ...SEMANTIC_FAULT_KINDS];
  if (typeof spec.kind !== 'string' || !kinds.includes(spec.kind)) throw new FaultSpecError(`'kind' must be one of ${kinds.join(', ')}`);
  if (typeof spec.pathPattern !== 'string' || !spec.pathPattern) throw new FaultSpecError("'pathPattern' is required: a glob such as '/subscriptions/**/computes/*' or a regex starting with '^'");
  compilePattern(spec.pathPattern);
  for (const name of ['method', 'host'] as const) {
    if (spec[name] !== undefined && typeof spec[name] !== 'string') throw new FaultSpecError(`'${name}' must be a string`);
  }
  for (const name of ['status', 'retryAfterSeconds', 'latencyMs', 'errorRate', 'count', 'durationSeconds'] as const) {
    const value = spec[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) throw new FaultSpecError(`'${name}' must be a non-negative number`);
  }
  if (spec.kind === 'status' && !FAULT_STATUSES.includes(spec.status as number)) throw new FaultSpecError(`kind 'status' needs 'status': one of ${FAULT_STATUSES.join(', ')}`);
  if (spec.kind === 'latency' && spec.latencyMs === undefined) throw new FaultSpecError("kind 'latency' needs 'latencyMs'");
  if (spec.kind === 'deploymentLatency' && spec.latencyMs === undefined) throw new FaultSpecError("kind 'deploymentLatency' needs 'latencyMs'");
  if (spec.kind === 'deploymentErrors' && (typeof spec.errorRate !== 'number' || spec.errorRate > 1)) throw new FaultSpecError("kind 'deploymentErrors' needs 'errorRate': the share of requests, from 0 to 1");
  if (spec.kind === 'deploymentErrors' && spec.status !== undefined && (!Number.isInteger(spec.status) || (spec.status as number) < 500 || (spec.status as number) > 599)) throw new FaultSpecError("kind 'deploymentErrors' takes a 5xx 'status'");
  return spec as unknown as FaultSpec;
}

export class FaultInjector implements FaultRegistry {
  private readonly faults: Array<{ fault: Fault; pattern: RegExp }> = [];

  constructor(
    private readonly log: RequestLog,
    private readonly now: () => number,
  ) {}

  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      ...spec,
      method: spec.method?.toUpperCase(),
      host: spec.host?.toLowerCase(),
      id: randomUUID(),
      createdAt: new Date(this.now()).toISOString(),
      expiresAt: spec.durationSeconds === undefined ? undefined : new Date(this.now() + spec.durationSeconds * 1000).toISOString(),
      remaining: spec.count ?? (spec.durationSeconds !== undefined || HOLDING_FAULT_KINDS.includes(spec.kind) ? undefined : 1),
      hits: 0,
    };
    this.faults.push({ fault, pattern: compilePattern(spec.pathPattern) });
    return fault;
  }

  list(): Fault[] {
    return this.faults.map(({ fault }) => ({ ...fault }));
  }

  remove(id: string): boolean {
    const index = this.faults.findIndex(({ fault }) => fault.id === id);
    if (index >= 0) this.faults.splice(index, 1);
    return index >= 0;
  }

  clear(): void {
    this.faults.length = 0;
  }

  private isActive(fault: Fault, now: number): boolean {
    return (fault.remaining === undefined || fault.remaining > 0) && (fault.expiresAt === undefined || Date.parse(fault.expiresAt) > now);
  }

  private logHit(fault: Fault, time: number, method: string, host: string, path: string): void {
    fault.hits++;
    this.log.append({ type: 'fault', time: new Date(time).toISOString(), id: fault.id, kind: fault.kind, method, host, path });
  }

  /** Consumes one use of the first active fault of `kinds` matching the request, logging the hit. */
  take(kinds: readonly FaultKind[], method: string, host: string, path: string): Fault | undefined {
    const now = this.now();
    const entry = this.faults.find(
      ({ fault, pattern }) =>
        kinds.includes(fault.kind) &&
        this.isActive(fault, now) &&
        (fault.method === undefined || fault.method === method.toUpperCase()) &&
        (fault.host === undefined || fault.host === host.toLowerCase()) &&
        pattern.test(path),
    );
    if (!entry) return undefined;
    const { fault } = entry;
    if (fault.remaining !== undefined) fault.remaining--;
    this.logHit(fault, now, method, host, path);
    return { ...fault };
  }

  takeTransport(method: string, host: string, path: string): Fault | undefined {
    return this.take(TRANSPORT_FAULT_KINDS, method, host, path);
  }

  takeSemantic(kind: SemanticFaultKind, method: string, path: string): boolean {
    return this.take([kind], method, ARM_HOST, path) !== undefined;
  }

  /** The active scoring fault of `kind` on the deployment whose id path is `resourcePath`, without using it up. */
  scoringFault(kind: ScoringFaultKind, resourcePath: string): Fault | undefined {
    const now = this.now();
    return this.faults.find(({ fault, pattern }) => fault.kind === kind && this.isActive(fault, now) && pattern.test(resourcePath))?.fault;
  }

  /** Logs that a scoring fault shaped a request. */
  scoringFaultHit(fault: Fault, host: string, path: string): void {
    this.logHit(fault, this.now(), 'POST', host, path);
  }

  holds(kind: SemanticFaultKind, resourcePath: string, method: string | undefined, observe: boolean): boolean {
    const now = this.now();
    const entry = this.faults.find(({ fault, pattern }) => fault.kind === kind && this.isActive(fault, now) && (fault.host === undefined || fault.host === ARM_HOST) && pattern.test(resourcePath));
    if (!entry) return false;
    const { fault } = entry;
    if (fault.method !== undefined && !fault.triggered) {
      if (method?.toUpperCase() !== fault.method) return false;
      fault.triggered = true;
      this.logHit(fault, now, fault.method, ARM_HOST, resourcePath);
    }
    if (observe && fault.remaining !== undefined) {
      fault.remaining--;
      this.logHit(fault, now, method ?? 'GET', ARM_HOST, resourcePath);
    }
    return true;
  }
}
