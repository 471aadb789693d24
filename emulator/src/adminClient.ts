// A small client of the admin API for tests and scripts.
import type { Fault, FaultSpec } from './faults';
import type { LogEntry } from './requestLog';
import type { ScoringQuery, ScoringRecord } from './serving';

export class AdminClient {
  constructor(private readonly adminUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.adminUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`admin API ${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async requests(since?: string): Promise<LogEntry[]> {
    const query = since ? `?since=${encodeURIComponent(since)}` : '';
    return (await this.call<{ value: LogEntry[] }>('GET', `/requests${query}`)).value;
  }

  addFault(spec: FaultSpec): Promise<Fault> {
    return this.call('POST', '/faults', spec);
  }

  async faults(): Promise<Fault[]> {
    return (await this.call<{ value: Fault[] }>('GET', '/faults')).value;
  }

  removeFault(id: string): Promise<void> {
    return this.call('DELETE', `/faults/${encodeURIComponent(id)}`);
  }

  clearFaults(): Promise<void> {
    return this.call('DELETE', '/faults');
  }

  /** The emulator clock's time (ISO), the one request log entries carry. */
  async now(): Promise<string> {
    return (await this.call<{ now: string }>('GET', '/time')).now;
  }

  advanceTime(seconds: number): Promise<{ now: string }> {
    return this.call('POST', '/time/advance', { seconds });
  }

  /** Sets a VM family's regional vCPU limit: 0 (or the cores in use) simulates exhausted quota. */
  setQuota(location: string, family: string, limit: number): Promise<{ location: string; family: string; limit: number }> {
    return this.call('PUT', `/quotas/${encodeURIComponent(location)}/${encodeURIComponent(family)}`, { limit });
  }

  /** The record of scored requests, filtered by time (emulator clock), endpoint and deployment. */
  async scoring(query: ScoringQuery = {}): Promise<ScoringRecord[]> {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined) as Array<[string, string]>).toString();
    return (await this.call<{ value: ScoringRecord[] }>('GET', `/scoring${params ? `?${params}` : ''}`)).value;
  }

  /** How late scored requests show in Azure Monitor metrics. */
  setMetricsDelay(seconds: number): Promise<{ seconds: number }> {
    return this.call('PUT', '/metrics/delay', { seconds });
  }

  state(): Promise<Record<string, Record<string, unknown>>> {
    return this.call('GET', '/state');
  }
}
