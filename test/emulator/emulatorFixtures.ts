// Helpers for tests of the running emulator: official clients in child processes set up as users
// set them up (HTTPS_PROXY, NODE_EXTRA_CA_CERTS), and raw HTTPS through the proxy with the CA.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { type RunningEmulator, startEmulator } from '../../emulator/src';
import { AdminClient } from '../../emulator/src/adminClient';
import type { ConnectionInfo } from '../../emulator/src/connection';
import type { Probe, ProbeResult } from './clientProbe';

const PROBE = path.join(__dirname, 'clientProbe.ts');

/**
 * Mocha hooks for one emulator shared by a test file: started before its tests, faults cleared
 * after each, stopped and its temporary state directory removed at the end.
 */
export function sharedEmulator(): { emulator(): RunningEmulator; admin(): AdminClient } {
  let emulator: RunningEmulator | undefined;
  let admin: AdminClient | undefined;
  before(async () => {
    emulator = await startEmulator();
    admin = new AdminClient(emulator.connection.adminUrl);
  });
  afterEach(() => admin?.clearFaults());
  after(async () => {
    await emulator?.stop();
    if (emulator) fs.rmSync(emulator.stateDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the shared emulator has not started');
    return value;
  };
  return { emulator: () => started(emulator), admin: () => started(admin) };
}

/** Runs the probes in one child process with the environment a user sets from connection.json. */
export function runProbes(emulator: RunningEmulator, probes: Probe[]): Promise<ProbeResult[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, HTTPS_PROXY: emulator.connection.proxyUrl, NODE_EXTRA_CA_CERTS: emulator.connection.caCertFile };
  for (const name of ['HTTP_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_CLIENT_ID', 'MSI_ENDPOINT']) delete env[name];
  env.EMULATOR_CONNECTION = emulator.connectionFile;
  env.STORAGE_ACCOUNT_KEY = emulator.context.facts.storageAccountKey;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--require', 'tsx/cjs', PROBE, JSON.stringify(probes)], { env, cwd: path.resolve(__dirname, '../..'), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`client probe failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as ProbeResult[]);
    });
  });
}

export function okValue(result: ProbeResult): any {
  if (!result.ok) throw new Error(`expected success, got ${result.error}`);
  return result.value;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

/** Opens a CONNECT tunnel through the emulator's proxy and speaks HTTPS over it, trusting only the emulator's CA. */
export function proxiedRequest(connection: ConnectionInfo, url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const target = new URL(url);
  const proxy = new URL(connection.proxyUrl);
  return new Promise((resolve, reject) => {
    const connect = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: `${target.hostname}:443` });
    connect.on('connect', (answer, socket) => {
      if (answer.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`CONNECT ${target.hostname} answered ${answer.statusCode}`));
        return;
      }
      const secure = tls.connect({ socket, servername: target.hostname, ca: fs.readFileSync(connection.caCertFile) });
      const request = http.request({ createConnection: () => secure, method: options.method ?? 'GET', path: `${target.pathname}${target.search}`, headers: { host: target.hostname, ...options.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          secure.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      });
      request.on('error', reject);
      request.end(options.body);
    });
    connect.on('error', reject);
    connect.end();
  });
}

/** A client-credentials token for the secret identity, straight from the token endpoint. */
export async function secretToken(connection: ConnectionInfo, scope: string, identity: 'secret' | 'reader' = 'secret'): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: connection[identity].clientId, client_secret: connection[identity].clientSecret, scope }).toString();
  const response = await proxiedRequest(connection, `https://login.microsoftonline.com/${connection.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (response.status !== 200) throw new Error(`token request answered ${response.status}: ${response.text}`);
  return response.json().access_token as string;
}

/**
 * One plain HTTP request to a loopback server (the proxy, or a loopback endpoint itself), with the
 * request line as given: an absolute URI or a CONNECT authority through the proxy, a path otherwise.
 */
export function rawRequest(serverUrl: string, options: http.RequestOptions): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const server = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: server.hostname, port: server.port, ...options }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('connect', (res, socket, head: Buffer) => {
      let text = head.toString();
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
