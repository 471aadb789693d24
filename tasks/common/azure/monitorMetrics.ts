// Azure Monitor platform metrics of an ARM resource (GET <resource id>/providers/Microsoft.Insights/metrics),
// for every feature that judges a resource by its metrics (rollout analysis, gates). The answer's shape:
// value[] (one per metric) → timeseries[] (one per combination of the dimensions split by '*' in $filter, named
// in metadatavalues) → data[] (one point per interval, with the requested aggregation as a field).
import { armSend, type ArmContext } from "./arm";
import { ArmRequestError, armFailureFromResponse } from "./armErrors";

export const MONITOR_METRICS_API_VERSION = "2023-10-01";

export type MetricAggregation = "Total" | "Average" | "Count" | "Minimum" | "Maximum";

export interface MetricsRequest {
  resourceId: string;
  metricName: string;
  aggregation: MetricAggregation;
  fromMs: number;
  toMs: number;
  /** ISO 8601 duration; Azure Monitor's finest is PT1M. */
  interval?: string;
  /** e.g. "deployment eq '*' and statusCodeClass eq '*'" to split the series by those dimensions. */
  filter?: string;
}

export interface MetricPoint {
  timeMs: number;
  /** Undefined where the interval had no data. */
  value?: number;
}

export interface MetricSeries {
  /** Dimension name (lower case) → value. */
  dimensions: Record<string, string>;
  points: MetricPoint[];
}

interface MetricsResponse {
  value?: Array<{
    name?: { value?: string };
    timeseries?: Array<{
      metadatavalues?: Array<{ name?: { value?: string }; value?: string }>;
      data?: Array<{ timeStamp: string } & Record<string, unknown>>;
    }>;
  }>;
}

/** The series of one metric in an Azure Monitor answer. */
export function parseMetricSeries(body: unknown, metricName: string, aggregation: MetricAggregation): MetricSeries[] {
  const field = aggregation.toLowerCase();
  const metric = (body as MetricsResponse)?.value?.find((m) => m.name?.value?.toLowerCase() === metricName.toLowerCase());
  return (metric?.timeseries ?? []).map((series) => ({
    dimensions: Object.fromEntries((series.metadatavalues ?? []).map((d) => [(d.name?.value ?? "").toLowerCase(), d.value ?? ""])),
    points: (series.data ?? []).map((point) => ({ timeMs: Date.parse(point.timeStamp), value: typeof point[field] === "number" ? (point[field] as number) : undefined })),
  }));
}

export function metricsUrl(context: ArmContext, request: MetricsRequest): string {
  const url = new URL(`${request.resourceId.replace(/^\//, "")}/providers/Microsoft.Insights/metrics`, context.cloud.resourceManagerUrl);
  url.searchParams.set("api-version", MONITOR_METRICS_API_VERSION);
  url.searchParams.set("metricnames", request.metricName);
  url.searchParams.set("timespan", `${new Date(request.fromMs).toISOString()}/${new Date(request.toMs).toISOString()}`);
  url.searchParams.set("interval", request.interval ?? "PT1M");
  url.searchParams.set("aggregation", request.aggregation);
  if (request.filter) url.searchParams.set("$filter", request.filter);
  return url.href;
}

export async function readMetricSeries(context: ArmContext, request: MetricsRequest, signal?: AbortSignal): Promise<MetricSeries[]> {
  const { request: sent, response } = await armSend(context, metricsUrl(context, request), "GET", undefined, signal ?? context.signal);
  if (response.status >= 400) throw new ArmRequestError(armFailureFromResponse(response.status, response.bodyAsText ?? undefined, response.headers, sent));
  return parseMetricSeries(response.bodyAsText ? JSON.parse(response.bodyAsText) : {}, request.metricName, request.aggregation);
}
