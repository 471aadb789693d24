// The loopback HTTP proxy users point HTTPS_PROXY at. CONNECT tunnels to an emulated host end in
// the in-process TLS server; absolute-URI requests for emulated hosts go straight to the
// dispatcher only over https (Azure serves none of them over plain http); loopback targets (the managed identity endpoint, a local OIDC issuer) are tunnelled
// as they are; every other host gets a 502 that names it.
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { IMDS_ADDRESS } from './imds';
import { isLoopback, refusalMessage, serviceOf, splitHostPort } from './hostnames';
import { type HostDispatcher, correlationIdOf } from './hosts';
import type { RequestLog } from './requestLog';

export interface ProxyOptions {
  serverOptions: http.ServerOptions;
  tlsServer: https.Server;
  dispatcher: HostDispatcher;
  storageAccountNames: readonly string[];
  log: RequestLog;
  /**
   * The IMDS stand-in (for 169.254.169.254). A proxy never reaches a VM's link-local instance metadata
   * service, so requests for it through the proxy are refused (and logged), as they fail behind a real proxy.
   */
  linkLocalStandIn?: { address: string; port: number };
}

export function createProxyServer(options: ProxyOptions): http.Server {
  const { serverOptions, tlsServer, dispatcher, storageAccountNames, log, linkLocalStandIn } = options;
  const isLinkLocal = (hostname: string, port: number) =>
    hostname === IMDS_ADDRESS || (linkLocalStandIn !== undefined && hostname === linkLocalStandIn.address && port === linkLocalStandIn.port);
  const refuseLinkLocal = (req: http.IncomingMessage, hostname: string, path: string) => ({ ids: answered(req, hostname, path, 502), text: linkLocalRefusal(hostname) });
  /** Logs a request the proxy answered itself; returns the ids its response carries, like Azure's front ends. */
  const answered = (req: http.IncomingMessage, hostname: string, path: string, status: number): Record<string, string> => {
    const requestId = randomUUID();
    log.append({ type: 'request', time: log.time(), requestId, host: hostname, method: req.method ?? 'GET', path, status, durationMs: 0 });
    return { 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': correlationIdOf(req.headers) };
  };
  const refuse = (req: http.IncomingMessage, hostname: string, path: string) => ({ ids: answered(req, hostname, path, 502), text: refusalMessage(hostname, storageAccountNames) });

  const server = http.createServer(serverOptions, (req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      const text = `This is the Azure ML emulator's proxy: set HTTPS_PROXY=http://${req.headers.host ?? '127.0.0.1'} and send requests for Azure hosts through it.\n`;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(text);
      return;
    }
    const service = serviceOf(target.hostname, storageAccountNames);
    if (service && target.protocol !== 'https:') {
      // Plain http to an Azure host: refused as Azure refuses it (storage: AccountRequiresHttps).
      const ids = answered(req, target.hostname, target.pathname, 400);
      const { contentType, text } = httpsRequired(service === 'blob', target.hostname);
      req.resume();
      res.writeHead(400, { ...ids, 'content-type': contentType, 'content-length': Buffer.byteLength(text) }).end(text);
    } else if (service) {
      req.url = `${target.pathname}${target.search}`;
      req.headers.host = target.hostname;
      dispatcher.handle(req, res);
    } else if (isLinkLocal(target.hostname, Number(target.port || 80))) {
      req.resume();
      const { ids, text } = refuseLinkLocal(req, target.hostname, target.pathname);
      res.writeHead(502, { ...ids, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    } else if (isLoopback(target.hostname)) {
      forwardToLoopback(req, res, target);
    } else {
      const { ids, text } = refuse(req, target.hostname, target.pathname);
      res.writeHead(502, { ...ids, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    }
  });

  server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const { hostname, port } = splitHostPort(req.url ?? '', 443);
    socket.on('error', () => socket.destroy());
    if (serviceOf(hostname, storageAccountNames) && port === 443) {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) socket.unshift(head);
      tlsServer.emit('connection', socket);
    } else if (isLinkLocal(hostname, port)) {
      endWith502(socket, refuseLinkLocal(req, hostname, ''));
    } else if (isLoopback(hostname)) {
      const upstream = net.connect(port, hostname, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    } else {
      endWith502(socket, refuse(req, hostname, ''));
    }
  });
  return server;
}

/** Answers a CONNECT the proxy refuses. */
function endWith502(socket: Duplex, { ids, text }: { ids: Record<string, string>; text: string }): void {
  const idLines = Object.entries(ids).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 502 Bad Gateway\r\n${idLines}content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

function linkLocalRefusal(hostname: string): string {
  return (
    `The Azure ML emulator's proxy cannot reach '${hostname}': it stands for the VM's instance metadata service (${IMDS_ADDRESS}), a link-local address` +
    ' that only the VM itself reaches. Managed identity requests must bypass the proxy.\n'
  );
}

function forwardToLoopback(req: http.IncomingMessage, res: http.ServerResponse, target: URL): void {
  const upstream = http.request({ host: target.hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (e) => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { 'content-type': 'text/plain' }).end(`The emulator's proxy could not reach ${target.host}: ${e.message}\n`);
  });
  req.pipe(upstream);
}

function httpsRequired(blob: boolean, hostname: string): { contentType: string; text: string } {
  if (blob) {
    return { contentType: 'application/xml', text: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AccountRequiresHttps</Code><Message>The account being accessed does not support http.</Message></Error>' };
  }
  return { contentType: 'text/plain; charset=utf-8', text: `${hostname} is served over HTTPS only: request https://${hostname}/... (through HTTPS_PROXY, which tunnels it with CONNECT).\n` };
}
