// A fake ServiceContext for driving the ARM handler directly: in-memory store, a token verifier
// that accepts "Bearer <principal JSON>", configurable role assignments and semantic faults, and a
// clock the test moves.
import type { HostRequest, HostResponse, Principal, RoleAssignment, SemanticFaultKind, ServiceContext, Store, TokenCheck } from '../../emulator/src/contract';
import { type ArmOptions, createArmHandler, seedState } from '../../emulator/src/arm';

export const FACTS = {
  tenantId: '72f988bf-0000-0000-0000-000000000001',
  subscriptionId: '00000000-1111-2222-3333-444444444444',
  resourceGroupName: 'rg-mlops',
  workspaceName: 'mlw-demo',
  location: 'eastus',
  storageAccountName: 'devstoreaccount1',
  storageAccountKey: 'test-account-key==',
};

export const SUB = `/subscriptions/${FACTS.subscriptionId}`;
export const RG = `${SUB}/resourceGroups/${FACTS.resourceGroupName}`;
export const WS = `${RG}/providers/Microsoft.MachineLearningServices/workspaces/${FACTS.workspaceName}`;

export const CONTRIBUTOR: Principal = { objectId: 'oid-contributor', appId: 'app-contributor', tenantId: FACTS.tenantId, audience: 'https://management.azure.com' };
export const READER: Principal = { objectId: 'oid-reader', appId: 'app-reader', tenantId: FACTS.tenantId, audience: 'https://management.azure.com' };
export const DATA_SCIENTIST: Principal = { objectId: 'oid-ds', appId: 'app-ds', tenantId: FACTS.tenantId, audience: 'https://management.azure.com' };

/** The Authorization header the fake verifier accepts for a principal. */
export function bearer(principal: Principal, overrides: { aud?: string; expired?: boolean } = {}): string {
  return `Bearer ${Buffer.from(JSON.stringify({ ...principal, audience: overrides.aud ?? principal.audience, expired: overrides.expired ?? false })).toString('base64url')}`;
}

class MemoryStore implements Store {
  private readonly collections = new Map<string, Map<string, string>>();
  private collection(name: string): Map<string, string> {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new Map()));
    return c;
  }
  get<T>(collection: string, key: string): T | undefined {
    const raw = this.collection(collection).get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  put<T>(collection: string, key: string, value: T): void {
    this.collection(collection).set(key, JSON.stringify(value));
  }
  delete(collection: string, key: string): boolean {
    return this.collection(collection).delete(key);
  }
  list<T>(collection: string): Array<{ key: string; value: T }> {
    return [...this.collection(collection).entries()].map(([key, raw]) => ({ key, value: JSON.parse(raw) as T }));
  }
}

interface FakeFault {
  kind: SemanticFaultKind;
  method: string;
  path: RegExp;
  remaining: number;
  triggered?: boolean;
}

export interface ArmHarness {
  ctx: ServiceContext;
  /** Sends one request; `body` objects are sent as JSON. */
  send(method: string, path: string, options?: { body?: unknown; rawBody?: string; principal?: Principal | null; apiVersion?: string | null; headers?: Record<string, string>; authorization?: string }): Promise<HostResponse & { json: any }>;
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** Injects a semantic fault for `count` matching requests. */
  fault(kind: SemanticFaultKind, method: string, path: RegExp, count?: number): void;
  faultsLeft(): number;
  logs: string[];
}

export function createHarness(options: ArmOptions & { realClock?: boolean } = {}): ArmHarness {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const faults: FakeFault[] = [];
  const logs: string[] = [];
  const assignments: RoleAssignment[] = [
    { principalId: CONTRIBUTOR.objectId, role: 'Contributor', scope: SUB },
    { principalId: READER.objectId, role: 'Reader', scope: RG },
    { principalId: DATA_SCIENTIST.objectId, role: 'AzureML Data Scientist', scope: WS },
  ];
  const ctx: ServiceContext = {
    facts: FACTS,
    store: new MemoryStore(),
    tokens: {
      verify(authorization, audiences): TokenCheck {
        const wwwAuthenticate = `Bearer authorization_uri="https://login.microsoftonline.com/${FACTS.tenantId}", error="invalid_token"`;
        if (!authorization?.startsWith('Bearer ')) {
          return { ok: false, status: 401, code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing.", wwwAuthenticate };
        }
        const claims = JSON.parse(Buffer.from(authorization.slice(7), 'base64url').toString()) as Principal & { expired: boolean };
        if (claims.expired) return { ok: false, status: 401, code: 'ExpiredAuthenticationToken', message: 'The access token expiry UTC time is earlier than current UTC time.', wwwAuthenticate };
        if (!audiences.includes(claims.audience.replace(/\/$/, ''))) {
          return { ok: false, status: 401, code: 'InvalidAuthenticationTokenAudience', message: `The access token has been obtained for wrong audience or resource '${claims.audience}'.`, wwwAuthenticate };
        }
        return { ok: true, principal: { objectId: claims.objectId, appId: claims.appId, tenantId: claims.tenantId, audience: claims.audience } };
      },
    },
    roleAssignments: () => assignments,
    faults: {
      takeSemantic(kind, method, path) {
        const fault = faults.find((f) => f.kind === kind && f.method === method.toUpperCase() && f.path.test(path) && f.remaining > 0);
        if (!fault) return false;
        fault.remaining--;
        return true;
      },
      holds(kind, resourcePath, method, observe) {
        const fault = faults.find((f) => f.kind === kind && f.path.test(resourcePath) && f.remaining > 0 && (f.triggered || f.method === method?.toUpperCase()));
        if (!fault) return false;
        fault.triggered = true;
        if (observe) fault.remaining--;
        return true;
      },
    },
    now: () => (options.realClock ? Date.now() : clock),
    log: (message) => logs.push(message),
  };
  seedState(ctx);
  const handler = createArmHandler(ctx, options);
  return {
    ctx,
    logs,
    advance: (ms) => void (clock += ms),
    fault: (kind, method, path, count = 1) => void faults.push({ kind, method, path, remaining: count }),
    faultsLeft: () => faults.reduce((n, f) => n + f.remaining, 0),
    async send(method, path, opts = {}) {
      const url = new URL(`https://management.azure.com${path}`);
      const apiVersion = opts.apiVersion === undefined ? '2022-10-01' : opts.apiVersion;
      if (apiVersion !== null && !url.searchParams.has('api-version')) url.searchParams.set('api-version', apiVersion);
      const principal = opts.principal === undefined ? CONTRIBUTOR : opts.principal;
      const headers: Record<string, string> = { ...opts.headers };
      const authorization = opts.authorization ?? (principal ? bearer(principal) : undefined);
      if (authorization) headers.authorization = authorization;
      const req: HostRequest = { method, url, headers, body: Buffer.from(opts.rawBody ?? (opts.body === undefined ? '' : JSON.stringify(opts.body))), requestId: 'req-1' };
      const response = await handler(req);
      return { ...response, json: response.body };
    },
  };
}

/** Follows an Azure-AsyncOperation URL as a poller would, moving the clock between polls. */
export async function pollToEnd(h: ArmHarness, response: HostResponse): Promise<{ status: string; error?: { code: string; message: string } }> {
  const url = new URL(response.headers?.['Azure-AsyncOperation'] ?? '');
  for (let i = 0; i < 10; i++) {
    const poll = await h.send('GET', `${url.pathname}${url.search}`, { apiVersion: null });
    if (poll.json.status !== 'InProgress') return poll.json;
    h.advance(Number(poll.headers?.['Retry-After'] ?? 1) * 1000);
  }
  throw new Error('operation did not finish');
}
