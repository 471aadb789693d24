// HTTP as the Azure DevOps server sends a server task's requests: to the real public hostnames,
// through the emulator's loopback proxy (trusting its CA) when the target is the emulator.
import * as fs from 'node:fs';
import * as https from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { AzureTarget } from '../serviceConnection';

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface HttpCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Sends one request; rejects only when no answer came (connection refused, TLS, aborted). */
export function sendRequest(call: HttpCall, target: AzureTarget, signal?: AbortSignal): Promise<HttpAnswer> {
  const url = new URL(call.url);
  if (url.protocol !== 'https:') return Promise.reject(new Error(`${call.url}: server tasks call HTTPS endpoints only`));
  const ca = target.proxy ? fs.readFileSync(target.proxy.caCertFile, 'utf8') : undefined;
  const agent = target.proxy ? new HttpsProxyAgent(target.proxy.url, { ca }) : undefined;
  const body = call.body ?? '';
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: call.method, headers: { ...call.headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, agent, ca, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body || undefined);
  });
}
