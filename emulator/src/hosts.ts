// Serves the emulated Azure hosts: one dispatcher behind the TLS server (and the proxy's
// absolute-URI requests). It stamps request ids, applies transport faults before any handler,
// hands buffered requests to the service handlers (or streams blob traffic to Azurite) and logs
// every request.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as http from 'node:http';
import type { HostHandler, HostResponse } from './contract';
import type { Fault, FaultInjector } from './faults';
import { type ServiceName, serviceOf, splitHostPort } from './hostnames';
import { decodeJwt } from './jwt';
import type { RequestLog } from './requestLog';

export interface HostServices {
  handlers: Record<Exclude<ServiceName, 'blob'>, HostHandler>;
  /** Loopback port of Azurite's blob service. */
  blobPort: number;
  /** The emulated storage accounts (<account>.blob.core.windows.net). */
  storageAccountNames: readonly string[];
  faults: FaultInjector;
  log: RequestLog;
  /** Reports handler crashes (never shown to clients beyond a 500). */
  onError(message: string): void;
}

interface Exchange {
  service: ServiceName | undefined;
  host: string;
  path: string;
  requestId: string;
  started: number;
  fault?: Fault;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The correlation id Azure returns: the client's correlation or request id, else a new one. */
export function correlationIdOf(headers: IncomingMessage['headers']): string {
  return firstHeader(headers['x-ms-correlation-request-id']) ?? firstHeader(headers['x-ms-client-request-id']) ?? randomUUID();
}

/** Who called, read from the bearer token without checking it (for the log only). */
function callerOf(req: IncomingMessage): string | undefined {
  const token = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
  const claims = token ? decodeJwt(token)?.claims : undefined;
  return claims?.oid ? `${String(claims.oid)} (${String(claims.appid)})` : undefined;
}

function errorBody(service: ServiceName | undefined, code: string, message: string, requestId: string): { contentType: string; text: string } {
  if (service === 'blob') {
    return { contentType: 'application/xml', text: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>` };
  }
  return { contentType: 'application/json; charset=utf-8', text: JSON.stringify({ error: { code, message } }) };
}

const FAULT_STATUS_CODES: Record<number, [string, string]> = {
  429: ['TooManyRequests', 'The request is being throttled (injected fault). Retry after the number of seconds in Retry-After.'],
  500: ['InternalServerError', 'The server encountered an internal error (injected fault). Please retry the request.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable (injected fault). Please retry the request.'],
};

export class HostDispatcher {
  /**
   * Its own agent, so stop() can close the connections Azurite would wait for. No keep-alive: Azurite drops
   * idle connections after 5 s, and a request handled right after the event loop was busy could be written
   * to one it had already closed (EPIPE, which Azure's front ends never cause); a loopback connect is cheap.
   */
  private readonly blobAgent = new http.Agent({ keepAlive: false });

  constructor(private readonly services: HostServices) {}

  close(): void {
    this.blobAgent.destroy();
  }

  /** Serves one request addressed to an emulated host. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const { hostname } = splitHostPort(req.headers.host ?? '', 443);
    const url = new URL(req.url ?? '/', `https://${hostname}`);
    const exchange: Exchange = { service: serviceOf(hostname, this.services.storageAccountNames), host: hostname, path: url.pathname, requestId: randomUUID(), started: this.services.log.now() };
    this.stampIds(req, res, exchange.requestId);
    res.on('finish', () => this.logExchange(req, res.statusCode, exchange));
    res.on('close', () => {
      if (!res.writableFinished) this.logExchange(req, 0, exchange);
    });
    void this.serve(req, res, url, exchange).catch((e: unknown) => {
      this.services.onError(`${req.method} https://${hostname}${url.pathname} failed: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) this.sendError(res, exchange, 500, 'InternalServerError', `The emulator failed to handle the request: ${(e as Error).message}`);
      else res.destroy();
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL, exchange: Exchange): Promise<void> {
    if (!exchange.service) {
      this.sendError(res, exchange, 404, 'HostNotFound', `The emulator does not serve '${exchange.host}'.`);
      return;
    }
    exchange.fault = this.services.faults.takeTransport(req.method ?? 'GET', exchange.host, url.pathname);
    if (exchange.fault && (await this.applyTransportFault(req, res, exchange, exchange.fault))) return;
    if (exchange.service === 'blob') {
      this.forwardToAzurite(req, res, exchange);
      return;
    }
    const body = await readBody(req);
    const handler = this.services.handlers[exchange.service];
    const response = await handler({ method: req.method ?? 'GET', url, headers: req.headers, body, requestId: exchange.requestId });
    if (exchange.fault?.kind === 'responseLost') {
      // Processed, but the client never sees the answer: the connection drops, as when a network path fails mid-response.
      req.socket.destroy();
      return;
    }
    writeHostResponse(res, response);
  }

  /** Returns true when the fault produced the response (status, reset); latency and responseLost let it through. */
  private async applyTransportFault(req: IncomingMessage, res: ServerResponse, exchange: Exchange, fault: Fault): Promise<boolean> {
    if (fault.kind === 'responseLost') return false;
    if (fault.kind === 'latency') {
      await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      return false;
    }
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return true;
    }
    const status = fault.status ?? 503;
    if (fault.retryAfterSeconds !== undefined || status === 429) res.setHeader('Retry-After', String(fault.retryAfterSeconds ?? 1));
    const [code, message] = FAULT_STATUS_CODES[status];
    // The request body is drained so a keep-alive connection stays usable.
    req.resume();
    this.sendError(res, exchange, status, exchange.service === 'blob' && status !== 429 ? 'ServerBusy' : code, message);
    return true;
  }

  private forwardToAzurite(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    // The production-style Host header stays: Azurite takes the account from it.
    const upstream = http.request({ agent: this.blobAgent, host: '127.0.0.1', port: this.services.blobPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (exchange.fault?.kind === 'responseLost') {
        answer.resume().once('end', () => req.socket.destroy());
        return;
      }
      const headers = { ...answer.headers };
      if (!headers['x-ms-request-id']) headers['x-ms-request-id'] = exchange.requestId;
      else exchange.requestId = String(headers['x-ms-request-id']);
      res.writeHead(answer.statusCode ?? 502, { ...res.getHeaders(), ...headers });
      answer.pipe(res);
    });
    upstream.on('error', (e) => {
      if (!res.headersSent) this.sendError(res, exchange, 502, 'ServerBusy', `Azurite did not answer: ${e.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  }

  private stampIds(req: IncomingMessage, res: ServerResponse, requestId: string): void {
    res.setHeader('x-ms-request-id', requestId);
    res.setHeader('x-ms-correlation-request-id', correlationIdOf(req.headers));
    const clientRequestId = firstHeader(req.headers['x-ms-client-request-id']) ?? firstHeader(req.headers['client-request-id']);
    if (clientRequestId) res.setHeader(req.headers['x-ms-client-request-id'] ? 'x-ms-client-request-id' : 'client-request-id', clientRequestId);
  }

  private sendError(res: ServerResponse, exchange: Exchange, status: number, code: string, message: string): void {
    const { contentType, text } = errorBody(exchange.service, code, message, exchange.requestId);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private logExchange(req: IncomingMessage, status: number, exchange: Exchange): void {
    this.services.log.append({
      type: 'request',
      time: new Date(exchange.started).toISOString(),
      requestId: exchange.requestId,
      host: exchange.host,
      method: req.method ?? 'GET',
      path: exchange.path,
      status,
      durationMs: this.services.log.now() - exchange.started,
      principal: callerOf(req),
      fault: exchange.fault ? { id: exchange.fault.id, kind: exchange.fault.kind } : undefined,
    });
  }
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes a handler's response; headers the handler sets win over the stamped ids. */
export function writeHostResponse(res: ServerResponse, response: HostResponse): void {
  const isRaw = Buffer.isBuffer(response.body);
  const body = response.body === undefined ? Buffer.alloc(0) : isRaw ? (response.body as Buffer) : Buffer.from(JSON.stringify(response.body));
  const headers: Record<string, string | number> = { ...response.headers };
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (!hasContentType && response.body !== undefined && !isRaw) headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = body.length;
  res.writeHead(response.status, headers);
  res.end(body);
}
