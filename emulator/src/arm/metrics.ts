// Azure Monitor metrics of online endpoints (GET <endpoint or deployment id>/providers/
// Microsoft.Insights/metrics), computed from the record of scored requests: RequestsPerMinute (by
// deployment, statusCode, statusCodeClass) and RequestLatency, RequestLatency_P50/P90/P95/P99 (by
// deployment), with timespan, interval, aggregation and $filter, in Azure Monitor's response shape.
// Data arrives late, as in Azure: requests younger than the metrics delay are not counted yet.
import type { HostResponse, ServiceContext } from '../contract';
import { ArmError } from './errors';
import { ENDPOINT } from './endpoints';
import { findResource, jsonResponse } from './resources';
import type { ArmCall, Route } from './router';

/** One scored request, as the serving front end records it. */
export interface RequestRecord {
  time: string;
  endpointId: string;
  deployment: string;
  statusCode: number;
  latencyMs: number;
}

export interface MetricsSource {
  records(): RequestRecord[];
  /** How late requests show in the metrics (Azure Monitor: one to three minutes). */
  delayMs(): number;
}

type Aggregation = 'average' | 'count' | 'minimum' | 'maximum' | 'total';

interface MetricDefinition {
  name: string;
  localizedName: string;
  description: string;
  unit: string;
  dimensions: string[];
  defaultAggregation: Aggregation;
  /** Per-minute samples of a bin's records: one value per minute that has data. */
  sample(records: RequestRecord[]): number | undefined;
}

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const latency = (suffix: string, p: number | undefined): MetricDefinition => ({
  name: `RequestLatency${suffix}`,
  localizedName: `Request Latency${suffix.replace('_', ' ')}`,
  description: p === undefined ? 'The average complete interval of time taken for a request to be responded in milliseconds' : `Request latency percentile ${p}, in milliseconds`,
  unit: 'MilliSeconds',
  dimensions: ['deployment'],
  defaultAggregation: 'average',
  sample: (records) => {
    const values = records.map((r) => r.latencyMs);
    if (values.length === 0) return undefined;
    return p === undefined ? values.reduce((a, b) => a + b, 0) / values.length : percentile(values, p);
  },
});

const METRICS: MetricDefinition[] = [
  {
    name: 'RequestsPerMinute',
    localizedName: 'Requests Per Minute',
    description: 'The number of requests sent to online endpoint within a minute',
    unit: 'Count',
    dimensions: ['deployment', 'statusCode', 'statusCodeClass'],
    defaultAggregation: 'average',
    sample: (records) => records.length,
  },
  latency('', undefined),
  latency('_P50', 50),
  latency('_P90', 90),
  latency('_P95', 95),
  latency('_P99', 99),
];

const DIMENSION_VALUES: Record<string, (r: RequestRecord) => string> = {
  deployment: (r) => r.deployment,
  statuscode: (r) => String(r.statusCode),
  statuscodeclass: (r) => `${String(r.statusCode)[0]}xx`,
};

const MINUTE_MS = 60_000;

/** ISO 8601 durations Azure Monitor takes (PT1M, PT1H, P1D...). */
function durationMs(value: string, parameter: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value);
  if (!match || value.toUpperCase() === 'P' || value.toUpperCase() === 'PT') throw badRequest(`Invalid ${parameter} '${value}': expected an ISO 8601 duration such as PT1M or PT1H.`);
  return ((Number(match[1] ?? 0) * 24 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * MINUTE_MS + Number(match[4] ?? 0) * 1000;
}

function badRequest(message: string): ArmError {
  return new ArmError(400, 'BadRequest', message);
}

/** timespan: start/end, start/duration, or a duration ending now; the last hour by default. */
function timespanOf(value: string | null, now: number): { start: number; end: number } {
  if (!value) return { start: now - 60 * MINUTE_MS, end: now };
  const [first, second] = value.split('/');
  const time = (text: string) => {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw badRequest(`Invalid timespan '${value}': expected <start>/<end> in ISO 8601.`);
    return ms;
  };
  if (second === undefined) return { start: now - durationMs(first, 'timespan'), end: now };
  const start = time(first);
  const end = /^P/i.test(second) ? start + durationMs(second, 'timespan') : time(second);
  if (end <= start) throw badRequest(`Invalid timespan '${value}': the end must be after the start.`);
  return { start, end };
}

/** $filter: clauses joined by `and`, each `dim eq 'value'` ('*' splits by the dimension) or several joined by `or`. */
function filterOf(value: string | null): Map<string, string[]> {
  const filter = new Map<string, string[]>();
  if (!value) return filter;
  for (const clause of value.split(/\s+and\s+/i)) {
    for (const part of clause.replace(/^\s*\(|\)\s*$/g, '').split(/\s+or\s+/i)) {
      const match = /^\s*([A-Za-z]+)\s+eq\s+'([^']*)'\s*$/i.exec(part);
      if (!match) throw badRequest(`The $filter '${value}' is not supported: use <dimension> eq '<value>' clauses joined by 'and' or 'or' ('*' splits by the dimension).`);
      const dimension = match[1].toLowerCase();
      filter.set(dimension, [...(filter.get(dimension) ?? []), match[2]]);
    }
  }
  return filter;
}

function aggregationsOf(value: string | null, metric: MetricDefinition): Aggregation[] {
  if (!value) return [metric.defaultAggregation];
  return value.split(',').map((a) => {
    const name = a.trim().toLowerCase();
    if (!['average', 'count', 'minimum', 'maximum', 'total'].includes(name)) throw badRequest(`Invalid aggregation '${a}': use Average, Count, Minimum, Maximum or Total.`);
    return name as Aggregation;
  });
}

function aggregate(samples: number[], minutes: number, aggregations: Aggregation[], perMinute: boolean): Record<string, number> {
  const point: Record<string, number> = {};
  // A per-minute count has a sample (zero included) for every minute; a latency only for minutes with requests.
  const values = perMinute ? [...samples, ...Array<number>(Math.max(0, minutes - samples.length)).fill(0)] : samples;
  for (const aggregation of aggregations) {
    if (aggregation === 'count') point.count = values.length;
    else if (aggregation === 'total') point.total = values.reduce((a, b) => a + b, 0);
    else if (values.length === 0) continue;
    else if (aggregation === 'average') point.average = values.reduce((a, b) => a + b, 0) / values.length;
    else if (aggregation === 'minimum') point.minimum = Math.min(...values);
    else point.maximum = Math.max(...values);
  }
  return point;
}

function metricsResponse(call: ArmCall, source: MetricsSource, resourceId: string, deployment: string | undefined): HostResponse {
  const { ctx } = call;
  const params = call.req.url.searchParams;
  const now = ctx.now();
  const { start, end } = timespanOf(params.get('timespan'), now);
  const intervalParam = params.get('interval') ?? 'PT1M';
  const full = intervalParam.toUpperCase() === 'FULL';
  const intervalMs = full ? end - start : durationMs(intervalParam, 'interval');
  if (intervalMs < MINUTE_MS) throw badRequest(`Invalid interval '${intervalParam}': the smallest interval is PT1M.`);
  const names = (params.get('metricnames') ?? params.get('metricNames') ?? 'RequestsPerMinute').split(',').map((n) => n.trim());
  const filter = filterOf(params.get('$filter'));
  const visibleUntil = now - source.delayMs();
  const endpointId = deployment ? resourceId.slice(0, resourceId.toLowerCase().lastIndexOf('/deployments/')) : resourceId;
  const records = source.records().filter((r) => {
    const at = Date.parse(r.time);
    return r.endpointId.toLowerCase() === endpointId.toLowerCase() && (!deployment || r.deployment.toLowerCase() === deployment.toLowerCase()) && at >= start && at < end && at <= visibleUntil;
  });
  const binStart = full ? start : Math.floor(start / intervalMs) * intervalMs;
  const value = names.map((name) => {
    const metric = METRICS.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (!metric) throw badRequest(`Failed to find metric configuration for provider: Microsoft.MachineLearningServices, resource Type: workspaces/onlineEndpoints, metric: ${name}. Valid metrics: ${METRICS.map((m) => m.name).join(',')}`);
    const dimensions = deployment ? metric.dimensions.filter((d) => d !== 'deployment') : metric.dimensions;
    for (const dimension of filter.keys()) {
      if (!dimensions.some((d) => d.toLowerCase() === dimension)) throw badRequest(`Metric: ${metric.name} does not support requested dimension combination: ${[...filter.keys()].join(',')}, supported ones are: ${dimensions.join(',')}`);
    }
    const aggregations = aggregationsOf(params.get('aggregation'), metric);
    const matching = records.filter((r) => [...filter.entries()].every(([d, wanted]) => wanted.includes('*') || wanted.some((w) => w.toLowerCase() === DIMENSION_VALUES[d](r).toLowerCase())));
    const split = [...filter.keys()].filter((d) => filter.get(d)!.includes('*') || filter.get(d)!.length > 1);
    const series = new Map<string, RequestRecord[]>();
    for (const r of matching) {
      const key = JSON.stringify(split.map((d) => DIMENSION_VALUES[d](r)));
      series.set(key, [...(series.get(key) ?? []), r]);
    }
    if (split.length === 0 && series.size === 0) series.set('[]', []);
    const timeseries = [...series.entries()].map(([key, group]) => {
      const values = JSON.parse(key) as string[];
      const data = [];
      for (let t = binStart; t < end; t += intervalMs) {
        const binEnd = Math.min(t + intervalMs, end);
        const inBin = group.filter((r) => Date.parse(r.time) >= t && Date.parse(r.time) < binEnd);
        const samples: number[] = [];
        for (let m = t; m < binEnd; m += MINUTE_MS) {
          const sample = metric.sample(inBin.filter((r) => Date.parse(r.time) >= m && Date.parse(r.time) < m + MINUTE_MS));
          if (sample !== undefined && (metric.name !== 'RequestsPerMinute' || sample > 0)) samples.push(sample);
        }
        const minutes = Math.max(1, Math.round((binEnd - t) / MINUTE_MS));
        data.push({ timeStamp: new Date(t).toISOString().replace('.000Z', 'Z'), ...aggregate(samples, minutes, aggregations, metric.name === 'RequestsPerMinute') });
      }
      const canonical = (d: string) => dimensions.find((x) => x.toLowerCase() === d) ?? d;
      return { metadatavalues: split.map((d, i) => ({ name: { value: canonical(d), localizedValue: canonical(d) }, value: values[i] })), data };
    });
    return {
      id: `${resourceId}/providers/Microsoft.Insights/metrics/${metric.name}`,
      type: 'Microsoft.Insights/metrics',
      name: { value: metric.name, localizedValue: metric.localizedName },
      displayDescription: metric.description,
      unit: metric.unit,
      timeseries,
      errorCode: 'Success',
    };
  });
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return jsonResponse({
    cost: 0,
    timespan: `${iso(start)}/${iso(end)}`,
    interval: full ? intervalParam.toUpperCase() : intervalParam,
    namespace: deployment ? 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments' : 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
    resourceregion: ctx.facts.location,
    value,
  });
}

/** The metrics routes, on the endpoint and on each deployment; none without a source of records. */
export function metricRoutes(source: MetricsSource | undefined): Route[] {
  if (!source) return [];
  const metrics = '/providers/Microsoft.Insights/metrics';
  return [
    {
      method: 'GET',
      pattern: `${ENDPOINT}${metrics}`,
      provider: 'insights',
      resourceType: 'metrics',
      handle: (call) => metricsResponse(call, source, findEndpoint(call.ctx, call).id, undefined),
    },
    {
      method: 'GET',
      pattern: `${ENDPOINT}/deployments/{deploymentName}${metrics}`,
      provider: 'insights',
      resourceType: 'metrics',
      handle: (call) => {
        const deployment = findResource(call.ctx, 'deployments', `${findEndpoint(call.ctx, call).id}/deployments/${call.params.deploymentName}`);
        return metricsResponse(call, source, deployment.id, deployment.name);
      },
    },
  ];
}

function findEndpoint(ctx: ServiceContext, call: ArmCall) {
  return findResource(ctx, 'endpoints', `${call.workspace!.id}/onlineEndpoints/${call.params.endpointName}`);
}
