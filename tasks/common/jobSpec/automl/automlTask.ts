// An AutoML job's task (`task:` and the settings of its vertical), read once into both forms
// azure-ai-ml sends: the REST `taskDetails` of a standalone job (<Task>Job._to_rest_object) and the
// schema dump a pipeline step carries (AutoMLNodeMixin).
import type { TranslationContext } from '../context';
import { inputUri } from '../inputsOutputs';
import { checkFields, oneOf } from '../schema';
import { translateEarlyTermination } from '../sweepJob';
import type { YNode } from '../yamlSource';
import { isBinding } from '../references';
import { LOG_VERBOSITY, TRANSFORMER_PARAMETER_KEYS, camelToSnake } from './enums';
import {
  FORECASTING,
  IMAGE_LIMITS,
  NLP_FEATURIZATION,
  NLP_LIMITS,
  STACK_ENSEMBLE,
  TABULAR_FEATURIZATION,
  TABULAR_LIMITS,
  trainingFields,
} from './fields';
import { readSearchSpace } from './searchSpace';
import { enumOf, matchEnum, readSettings, readValue, type Both, type ReadOptions, type Settings } from './settings';
import { TASKS, taskFields, type TaskKind } from './tasks';

export interface AutoMLTask {
  kind: TaskKind;
  /** The REST taskDetails. */
  rest: Record<string, unknown>;
  /** The pipeline step's fields (without type, name, compute, outputs...). */
  node: Record<string, unknown>;
}

export interface TaskScope {
  ctx: TranslationContext;
  baseDir: string;
  /** In a pipeline step: data are ${{parent...}} bindings, and any field may be one. */
  inPipeline: boolean;
}

/** The task kind named by `task:` (its exact snake_case name). */
export function taskKind(root: YNode, what: string): [string, TaskKind] {
  // AutoMLJob._load_from_dict picks the job class by the exact snake_case name.
  const taskNode = root.require('task', what);
  const name = taskNode.str('task');
  if (!(name in TASKS)) taskNode.fail(`unsupported AutoML task '${name}'; allowed: ${Object.keys(TASKS).join(', ')}`);
  return [name, TASKS[name]];
}

export function readAutoMLTask(root: YNode, scope: TaskScope, what: string): AutoMLTask {
  const [task, kind] = taskKind(root, what);
  checkFields(root, taskFields(kind), `AutoML ${task} ${what}`);
  const options: ReadOptions = { bindings: scope.inPipeline };
  const rest: Record<string, unknown> = { taskType: kind.taskType };
  const node: Record<string, unknown> = { task };
  const put = (restKey: string, nodeKey: string, both: Both | undefined): void => {
    if (!both) return;
    if (both.rest !== undefined) rest[restKey] = both.rest;
    if (both.node !== undefined) node[nodeKey] = both.node;
  };
  const value = (key: string, k: Parameters<typeof readValue>[1]) => {
    const v = root.get(key);
    return v && !v.isNull ? readValue(v, k, key, options) : undefined;
  };

  // log_verbosity loads as Info when absent; NLP steps dump it only when given.
  const verbosity = value('log_verbosity', enumOf(LOG_VERBOSITY)) ?? { rest: 'Info', node: kind.vertical === 'nlp' && scope.inPipeline ? undefined : 'info' };
  put('logVerbosity', 'log_verbosity', verbosity);
  const metric = value('primary_metric', enumOf(kind.metrics)) ?? { rest: kind.defaultMetric, node: camelToSnake(kind.defaultMetric) };
  put('primaryMetric', 'primary_metric', kind.metricSent ? metric : { rest: undefined, node: metric.node });

  if (kind.targetRequired) root.require('target_column_name', `an AutoML ${task} job`);
  put('targetColumnName', 'target_column_name', value('target_column_name', 'str'));
  put('trainingData', 'training_data', data(root.require('training_data', `an AutoML ${task} job`), scope));
  for (const [key, restKey] of [['validation_data', 'validationData'], ['test_data', 'testData']] as const) {
    const v = root.get(key);
    if (!v || v.isNull) continue;
    if (kind.vertical === 'image' && key === 'test_data') {
      // The image task models of the 2022-10 API have no test data; azure-ai-ml drops it silently.
      scope.ctx.warn(`${v.where}: test_data of an AutoML image task is not sent: the Azure ML API this task uses (2022-10-01) has no test data for image tasks, and az ml drops it too`);
      continue;
    }
    put(restKey, key, data(v, scope));
  }
  for (const [key, restKey] of [['validation_data_size', 'validationDataSize'], ['test_data_size', 'testDataSize']] as const) {
    if (kind.vertical === 'image' && key === 'test_data_size') continue;
    put(restKey, key, value(key, 'float'));
  }

  const settings = (key: string, read: (n: YNode) => Settings): Settings | undefined => {
    const v = root.get(key);
    return v && !v.isNull ? read(v) : undefined;
  };
  const nested = (restKey: string, nodeKey: string, s: Settings | undefined): void => {
    if (s) put(restKey, nodeKey, { rest: s.rest, node: s.node });
  };
  if (kind.vertical === 'tabular') {
    put('positiveLabel', 'positive_label', value('positive_label', 'str'));
    put('weightColumnName', 'weight_column_name', value('weight_column_name', 'str'));
    put('cvSplitColumnNames', 'cv_split_column_names', value('cv_split_column_names', 'strList'));
    put('nCrossValidations', 'n_cross_validations', autoOrValue(root.get('n_cross_validations'), 'n_cross_validations', options));
    const limits = settings('limits', (n) => readSettings(n, TABULAR_LIMITS, 'limits', options));
    // TableVerticalLimitSettings: the sweep counts are sent as 0 whenever limits are.
    if (limits) put('limitSettings', 'limits', { rest: { ...limits.rest, sweepConcurrentTrials: 0, sweepTrials: 0 }, node: limits.node });
    nested('trainingSettings', 'training', settings('training', (n) => tabularTraining(n, kind, options)));
    nested('featurizationSettings', 'featurization', settings('featurization', (n) => tabularFeaturization(n, options)));
    if (task === 'forecasting') nested('forecastingSettings', 'forecasting', settings('forecasting', (n) => forecasting(n, options)));
  } else {
    // Image and NLP jobs always carry limits (ImageLimitSettings() / NlpLimitSettings(max_trials=1, max_nodes=1)).
    const limitsNode = root.get('limits');
    const given = limitsNode && !limitsNode.isNull ? readSettings(limitsNode, kind.vertical === 'image' ? IMAGE_LIMITS : NLP_LIMITS, 'limits', options) : { rest: {}, node: {} };
    const defaults = kind.vertical === 'nlp' ? { rest: { maxNodes: 1, maxTrials: 1 }, node: { max_nodes: 1, max_trials: 1 } } : { rest: {}, node: {} };
    put('limitSettings', 'limits', { rest: { ...defaults.rest, ...given.rest }, node: { ...defaults.node, ...given.node } });
    const fields = kind.modelFields!;
    const [fixedRest, fixedNode] = kind.vertical === 'image' ? ['modelSettings', 'training_parameters'] : ['fixedParameters', 'training_parameters'];
    nested(fixedRest, fixedNode, settings('training_parameters', (n) => readSettings(n, fields.fixed, 'training_parameters', options)));
    const space = root.get('search_space');
    if (space && !space.isNull) {
      const s = readSearchSpace(space, fields.search, 'search_space');
      put('searchSpace', 'search_space', { rest: s.rest, node: kind.vertical === 'image' ? s.nodeStrings : s.nodeDicts });
    }
    nested('sweepSettings', 'sweep', settings('sweep', sweepSettings));
    if (kind.vertical === 'nlp') nested('featurizationSettings', 'featurization', settings('featurization', (n) => readSettings(n, NLP_FEATURIZATION, 'featurization', options)));
  }
  return { kind, rest, node };
}

/** training_data/validation_data/test_data: an mltable input (MLTableInputSchema), or a binding in a pipeline. */
function data(node: YNode, scope: TaskScope): Both {
  const what = node.path;
  if (scope.inPipeline) {
    const text = node.scalar;
    if (!isBinding(text)) {
      node.fail(`${what} of an AutoML step must be a binding such as \${{parent.inputs.training_data}}: declare the mltable as a pipeline input`);
    }
    return { rest: text, node: text };
  }
  if (node.kind !== 'mapping') node.fail(`${what} must be a mapping with type: mltable and path`);
  checkFields(node, ['type', 'path', 'mode', 'description'], what);
  oneOf(node.require('type', what), ['mltable'], `type of ${what}`);
  const pathNode = node.require('path', what);
  // MLTableJobInput is built from the path alone (AutoMLVertical._resolve_data_inputs).
  const uri = inputUri(pathNode.str(`path of ${what}`), 'mltable', pathNode, { ctx: scope.ctx, baseDir: scope.baseDir, style: 'job' });
  return { rest: { jobInputType: 'mltable', uri }, node: undefined };
}

/** `auto` or a number: {mode: Auto} or {mode: Custom, value} (NCrossValidations, ForecastHorizon, ...). */
function autoOrValue(node: YNode | undefined, what: string, options: ReadOptions, list = false): Both | undefined {
  if (!node || node.isNull) return undefined;
  if (options.bindings && isBinding(node.scalar)) return { rest: node.scalar, node: node.scalar };
  if (node.kind === 'string') {
    oneOf(node, ['auto'], what);
    return { rest: { mode: 'Auto' }, node: 'auto' };
  }
  if (list && node.kind === 'sequence') {
    const values = node.items(what).map((item, i) => item.int(`${what}[${i}]`));
    return { rest: { mode: 'Custom', values }, node: values };
  }
  const n = node.int(what);
  return { rest: list ? { mode: 'Custom', values: [n] } : { mode: 'Custom', value: n }, node: n };
}

function tabularTraining(node: YNode, kind: TaskKind, options: ReadOptions): Settings {
  const fields = trainingFields(kind.models!);
  const out = readSettings(node, [...fields, { yaml: 'stack_ensemble_settings', rest: 'stackEnsembleSettings', kind: 'any' }], 'training', options);
  const stack = node.get('stack_ensemble_settings');
  if (stack && !stack.isNull) {
    // azure-ai-ml 1.4.0 cannot send these (its StackEnsembleSettings does not serialise); the REST model can.
    const s = readSettings(stack, STACK_ENSEMBLE, 'training.stack_ensemble_settings', options);
    out.rest.stackEnsembleSettings = s.rest;
    out.node.stack_ensemble_settings = s.node;
  }
  return out;
}

function tabularFeaturization(node: YNode, options: ReadOptions): Settings {
  const out = readSettings(node, [...TABULAR_FEATURIZATION, { yaml: 'transformer_params', rest: 'transformerParams', kind: 'any' }], 'featurization', options);
  // TabularFeaturizationSettings._to_rest_object always sends transformerParams.
  const rest: Record<string, unknown> = {};
  const dumped: Record<string, unknown> = {};
  for (const [key, list, keyNode] of node.get('transformer_params')?.entries('featurization.transformer_params') ?? []) {
    const name = matchEnum(keyNode, { values: TRANSFORMER_PARAMETER_KEYS, casing: 'snake' }, 'featurization.transformer_params key');
    const transformers = list.items(`featurization.transformer_params.${key}`).map((t, i) => {
      const at = `featurization.transformer_params.${key}[${i}]`;
      checkFields(t, ['fields', 'parameters'], at);
      const entry: Record<string, unknown> = {};
      if (t.has('fields')) entry.fields = t.require('fields', '').items(`${at}.fields`).map((f) => f.str(`${at}.fields`));
      if (t.has('parameters')) {
        entry.parameters = Object.fromEntries(
          t.require('parameters', '').entries(`${at}.parameters`).map(([k, v]) => [k, v.isNull ? null : v.kind === 'number' ? v.num(k) : v.str(`${at}.parameters.${k}`)]),
        );
      }
      return entry;
    });
    rest[name.rest as string] = transformers;
    dumped[name.node as string] = transformers;
  }
  out.rest.transformerParams = rest;
  if (node.has('transformer_params')) out.node.transformer_params = dumped;
  else delete out.node.transformer_params;
  return out;
}

function forecasting(node: YNode, options: ReadOptions): Settings {
  const special = ['forecast_horizon', 'target_lags', 'target_rolling_window_size', 'seasonality', 'time_series_id_column_names'];
  const out = readSettings(node, [...FORECASTING, ...special.map((yaml) => ({ yaml, rest: yaml, kind: 'any' as const }))], 'forecasting', options);
  for (const key of special) {
    delete out.rest[key];
    delete out.node[key];
  }
  const set = (yaml: string, restKey: string, both: Both | undefined): void => {
    if (!both) return;
    out.rest[restKey] = both.rest;
    out.node[yaml] = both.node;
  };
  set('forecast_horizon', 'forecastHorizon', autoOrValue(node.get('forecast_horizon'), 'forecasting.forecast_horizon', options));
  set('target_lags', 'targetLags', autoOrValue(node.get('target_lags'), 'forecasting.target_lags', options, true));
  set('target_rolling_window_size', 'targetRollingWindowSize', autoOrValue(node.get('target_rolling_window_size'), 'forecasting.target_rolling_window_size', options));
  set('seasonality', 'seasonality', autoOrValue(node.get('seasonality'), 'forecasting.seasonality', options));
  const ids = node.get('time_series_id_column_names');
  if (ids && !ids.isNull) {
    const what = 'forecasting.time_series_id_column_names';
    const names = ids.kind === 'sequence' ? ids.items(what).map((i) => i.str(what)) : ids.str(what);
    set('time_series_id_column_names', 'timeSeriesIdColumnNames', { rest: Array.isArray(names) ? names : [names], node: names });
  }
  return out;
}

const SAMPLING = ['random', 'grid', 'bayesian'];

/** ImageSweepSettings / NlpSweepSettings: the sampling algorithm's name and an early termination policy. */
function sweepSettings(node: YNode): Settings {
  checkFields(node, ['sampling_algorithm', 'early_termination'], 'sweep');
  const out: Settings = { rest: {}, node: {} };
  const sampling = node.get('sampling_algorithm');
  if (sampling && !sampling.isNull) {
    let typeNode = sampling;
    if (sampling.kind === 'mapping') {
      // The REST model takes the algorithm's name only; azure-ai-ml 1.4.0 sends a mapping as an object's repr.
      checkFields(sampling, ['type'], 'sweep.sampling_algorithm (AutoML sweeps take no seed or rule)');
      typeNode = sampling.require('type', 'sweep.sampling_algorithm');
    }
    const name = oneOf(typeNode, SAMPLING, 'sweep.sampling_algorithm');
    out.rest.samplingAlgorithm = name;
    out.node.sampling_algorithm = name;
  }
  const early = node.get('early_termination');
  if (early && !early.isNull) {
    const policy = translateEarlyTermination(early, 0);
    out.rest.earlyTermination = policy;
    const { policyType, ...fields } = policy;
    out.node.early_termination = { type: camelToSnake(String(policyType)), ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [camelToSnake(k), v])) };
  }
  return out;
}
