// The MLflow REST API as Azure ML serves it under https://<region>.api.azureml.ms/mlflow/v1.0/<workspace>/
// api/2.0/mlflow/...: the subset jobs and clients use. Every job is a run (run_id = job name) in the
// experiment it was submitted to; errors have MLflow's {error_code, message} shape.
import type { HostRequest, HostResponse, ServiceContext } from '../contract';
import type { Properties } from '../arm/resources';
import { type Experiment, type Metric, ensureExperiment, experimentById, experimentByName, experiments, latestMetrics, runData, updateRunData } from '../jobs/tracking';
import type { DataplaneRoute } from './index';
import { type RunView, allRuns, findRun } from './runHistory';
import { WORKSPACE_PATH, workspaceFromMatch } from './workspacePath';

class MlflowError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new MlflowError(400, 'INVALID_PARAMETER_VALUE', message);
const notFound = (message: string) => new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', message);

interface Call {
  req: HostRequest;
  workspaceId: string;
  query: URLSearchParams;
  body: Properties;
}

function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`Missing value for required parameter '${name}'.`);
  return value;
}

function mlflowStatus(jobStatus: string): string {
  if (jobStatus === 'Completed') return 'FINISHED';
  if (jobStatus === 'Failed') return 'FAILED';
  if (jobStatus === 'Canceled' || jobStatus === 'CancelRequested') return 'KILLED';
  if (jobStatus === 'Running' || jobStatus === 'Finalizing') return 'RUNNING';
  return 'SCHEDULED';
}

const millis = (iso: string | null | undefined) => (iso ? Date.parse(iso) : undefined);

function runOf(ctx: ServiceContext, call: Call, runId: string): RunView {
  const view = findRun(ctx, call.workspaceId, runId);
  if (!view) throw notFound(`Run with id=${runId} not found`);
  return view;
}

function mlflowRun(ctx: ServiceContext, workspaceId: string, view: RunView): Properties {
  const { job, record } = view;
  const p = job.properties;
  const experiment = ensureExperiment(ctx, workspaceId, p.experimentName ?? 'Default');
  const data = runData(ctx, workspaceId, job.name);
  const systemTags: Record<string, string> = { 'mlflow.runName': p.displayName ?? job.name, 'mlflow.user': job.systemData?.createdBy ?? '', 'mlflow.rootRunId': p.properties?.['azureml.rootRunId'] ?? job.name };
  if (record?.parentRunId) systemTags['mlflow.parentRunId'] = record.parentRunId;
  const tags = { ...systemTags, ...p.tags, ...data.tags };
  return {
    info: {
      run_id: job.name,
      run_uuid: job.name,
      run_name: p.displayName ?? job.name,
      experiment_id: experiment.experiment_id,
      user_id: job.systemData?.createdBy ?? '',
      status: mlflowStatus(p.status),
      start_time: millis(record?.startTimeUtc ?? record?.createdUtc ?? job.systemData?.createdAt),
      end_time: millis(record?.endTimeUtc),
      artifact_uri: `azureml://experiments/${experiment.name}/runs/${job.name}/artifacts`,
      lifecycle_stage: 'active',
    },
    data: {
      metrics: latestMetrics(data),
      params: Object.entries(data.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value: String(value) })),
    },
    inputs: {},
  };
}

function experimentOf(ctx: ServiceContext, call: Call): Experiment {
  const id = call.query.get('experiment_id') ?? call.body.experiment_id;
  const experiment = experimentById(ctx, call.workspaceId, required(id, 'experiment_id'));
  if (!experiment) throw notFound(`No Experiment with id=${id} exists`);
  return experiment;
}

function toMetric(raw: Properties, where: string): Metric {
  const key = required(raw.key, `${where}key`);
  const value = Number(raw.value);
  if (raw.value === undefined || raw.value === null || Number.isNaN(value)) throw invalid(`Missing or invalid value for parameter '${where}value' of metric '${key}'.`);
  return { key, value, timestamp: Number(raw.timestamp ?? Date.now()), step: Number(raw.step ?? 0) };
}

function logBatch(ctx: ServiceContext, call: Call, runId: string, metrics: Properties[], params: Properties[], tags: Properties[]): HostResponse {
  runOf(ctx, call, runId);
  const parsed = metrics.map((m, i) => toMetric(m, `metrics[${i}].`));
  updateRunData(ctx, call.workspaceId, runId, (data) => {
    data.metrics.push(...parsed);
    for (const param of params) {
      const key = required(param.key, 'params.key');
      const value = String(param.value ?? '');
      if (key in data.params && data.params[key] !== value) throw invalid(`Changing param values is not allowed. Param with key='${key}' was already logged with value='${data.params[key]}' for run ID='${runId}'. Attempted logging new value '${value}'.`);
      data.params[key] = value;
    }
    for (const tag of tags) data.tags[required(tag.key, 'tags.key')] = String(tag.value ?? '');
  });
  return { status: 200, body: {} };
}

// ---- runs/search filters: clauses joined by AND, as MLflow's search syntax writes them ----

interface Clause {
  kind: 'attributes' | 'metrics' | 'params' | 'tags';
  key: string;
  op: string;
  value: string | number;
}

const KIND_ALIASES: Record<string, Clause['kind']> = { attribute: 'attributes', attributes: 'attributes', attr: 'attributes', run: 'attributes', metric: 'metrics', metrics: 'metrics', param: 'params', params: 'params', parameter: 'params', tag: 'tags', tags: 'tags' };
const CLAUSE = /^\s*([a-z]+)\.(`[^`]+`|"[^"]+"|[\w.\-/]+)\s*(=|!=|>=|<=|>|<|like|ilike)\s*('[^']*'|"[^"]*"|-?\d+(?:\.\d+)?)\s*$/i;

function parseFilter(filter: string | undefined): Clause[] {
  if (!filter?.trim()) return [];
  return filter.split(/\s+and\s+/i).map((text) => {
    const m = CLAUSE.exec(text);
    const kind = m ? KIND_ALIASES[m[1].toLowerCase()] : undefined;
    if (!m || !kind) throw invalid(`Invalid filter '${text.trim()}'. Expected <attributes|metrics|params|tags>.<key> <comparator> <value>, clauses joined by AND.`);
    const rawValue = m[4];
    const value = /^['"]/.test(rawValue) ? rawValue.slice(1, -1) : Number(rawValue);
    return { kind, key: m[2].replace(/^[`"]|[`"]$/g, ''), op: m[3].toLowerCase(), value };
  });
}

function compare(actual: string | number | undefined, op: string, expected: string | number): boolean {
  if (actual === undefined) return false;
  if (op === 'like' || op === 'ilike') {
    const pattern = new RegExp(`^${String(expected).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, op === 'ilike' ? 'i' : '');
    return pattern.test(String(actual));
  }
  const [a, b] = typeof expected === 'number' ? [Number(actual), expected] : [String(actual), expected];
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}

function fieldOf(run: Properties, kind: Clause['kind'], key: string): string | number | undefined {
  if (kind === 'attributes') return run.info[key === 'run_name' ? 'run_name' : key];
  const list: Array<{ key: string; value: string | number }> = run.data[kind];
  return list.find((entry) => entry.key === key)?.value;
}

function sortRuns(runs: Properties[], orderBy: string[]): Properties[] {
  const orders = (orderBy.length > 0 ? orderBy : ['attributes.start_time DESC']).map((text) => {
    const m = /^\s*([a-z]+)\.(`[^`]+`|[\w.\-/]+)(?:\s+(asc|desc))?\s*$/i.exec(text);
    const kind = m ? KIND_ALIASES[m[1].toLowerCase()] : undefined;
    if (!m || !kind) throw invalid(`Invalid order_by clause '${text}'.`);
    return { kind, key: m[2].replace(/`/g, ''), descending: m[3]?.toLowerCase() === 'desc' };
  });
  return [...runs].sort((x, y) => {
    for (const order of orders) {
      const a = fieldOf(x, order.kind, order.key);
      const b = fieldOf(y, order.kind, order.key);
      if (a === b) continue;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      return (a < b ? -1 : 1) * (order.descending ? -1 : 1);
    }
    return 0;
  });
}

function searchRuns(ctx: ServiceContext, call: Call): HostResponse {
  const experimentIds: string[] = call.body.experiment_ids ?? [];
  const clauses = parseFilter(call.body.filter);
  const maxResults = Number(call.body.max_results ?? 1000);
  const offset = Number(call.body.page_token ?? 0) || 0;
  const matching = allRuns(ctx, call.workspaceId)
    .map((view) => mlflowRun(ctx, call.workspaceId, view))
    .filter((run) => experimentIds.length === 0 || experimentIds.includes(run.info.experiment_id))
    .filter((run) => clauses.every((c) => compare(fieldOf(run, c.kind, c.key), c.op, c.value)));
  const sorted = sortRuns(matching, call.body.order_by ?? []);
  const page = sorted.slice(offset, offset + maxResults);
  const next = offset + maxResults < sorted.length ? { next_page_token: String(offset + maxResults) } : {};
  return { status: 200, body: { runs: page, ...next } };
}

type Operation = (ctx: ServiceContext, call: Call) => HostResponse;

const OPERATIONS: Record<string, Operation> = {
  'GET experiments/get-by-name': (ctx, call) => {
    const name = required(call.query.get('experiment_name'), 'experiment_name');
    // Azure ML provisions the Default experiment on first use.
    const experiment = name === 'Default' ? ensureExperiment(ctx, call.workspaceId, name) : experimentByName(ctx, call.workspaceId, name);
    if (!experiment) throw notFound(`Could not find experiment with name ${name}`);
    return { status: 200, body: { experiment } };
  },
  'GET experiments/get': (ctx, call) => ({ status: 200, body: { experiment: experimentOf(ctx, call) } }),
  'POST experiments/create': (ctx, call) => {
    const name = required(call.body.name, 'name');
    if (experimentByName(ctx, call.workspaceId, name)) throw new MlflowError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    return { status: 200, body: { experiment_id: ensureExperiment(ctx, call.workspaceId, name).experiment_id } };
  },
  'POST experiments/search': (ctx, call) => ({ status: 200, body: { experiments: experiments(ctx, call.workspaceId) } }),
  'GET runs/get': (ctx, call) => {
    const runId = required(call.query.get('run_id') ?? call.query.get('run_uuid'), 'run_id');
    return { status: 200, body: { run: mlflowRun(ctx, call.workspaceId, runOf(ctx, call, runId)) } };
  },
  'POST runs/search': searchRuns,
  // mlflow.start_run() inside a job resumes MLFLOW_RUN_ID and reports RUNNING/FINISHED: the job's status stays the service's.
  'POST runs/update': (ctx, call) => {
    const runId = required(call.body.run_id ?? call.body.run_uuid, 'run_id');
    return { status: 200, body: { run_info: mlflowRun(ctx, call.workspaceId, runOf(ctx, call, runId)).info } };
  },
  'POST runs/log-metric': (ctx, call) => logBatch(ctx, call, required(call.body.run_id ?? call.body.run_uuid, 'run_id'), [call.body], [], []),
  'POST runs/log-parameter': (ctx, call) => logBatch(ctx, call, required(call.body.run_id ?? call.body.run_uuid, 'run_id'), [], [call.body], []),
  'POST runs/set-tag': (ctx, call) => logBatch(ctx, call, required(call.body.run_id ?? call.body.run_uuid, 'run_id'), [], [], [call.body]),
  'POST runs/log-batch': (ctx, call) => logBatch(ctx, call, required(call.body.run_id, 'run_id'), call.body.metrics ?? [], call.body.params ?? [], call.body.tags ?? []),
  'GET metrics/get-history': (ctx, call) => {
    const runId = required(call.query.get('run_id') ?? call.query.get('run_uuid'), 'run_id');
    const key = required(call.query.get('metric_key'), 'metric_key');
    runOf(ctx, call, runId);
    const metrics = runData(ctx, call.workspaceId, runId).metrics.filter((m) => m.key === key);
    return { status: 200, body: { metrics } };
  },
};

function parseBody(req: HostRequest): Properties {
  if (req.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Properties;
  } catch {
    // Reported below.
  }
  throw new MlflowError(400, 'MALFORMED_REQUEST', 'The request body is not a JSON object.');
}

export function mlflowRoutes(ctx: ServiceContext): DataplaneRoute[] {
  const path = new RegExp(`^/mlflow/v\\d+\\.\\d+${WORKSPACE_PATH}/api/2\\.0/mlflow/([a-z-]+/[a-z-]+)$`, 'i');
  const handle = async (req: HostRequest, match: RegExpExecArray): Promise<HostResponse> => {
    try {
      const workspaceId = workspaceFromMatch(ctx, match);
      if (!workspaceId) throw notFound(`Workspace '${match[3]}' was not found in resource group '${match[2]}'.`);
      const operation = OPERATIONS[`${req.method} ${match[4].toLowerCase()}`];
      if (!operation) throw new MlflowError(404, 'ENDPOINT_NOT_FOUND', `The emulator's MLflow API has no ${req.method} ${match[4]}.`);
      return operation(ctx, { req, workspaceId, query: req.url.searchParams, body: req.method === 'POST' ? parseBody(req) : {} });
    } catch (e) {
      if (e instanceof MlflowError) return { status: e.status, body: { error_code: e.errorCode, message: e.message } };
      throw e;
    }
  };
  return [
    { method: 'GET', path, handle },
    { method: 'POST', path, handle },
  ];
}
