// A sweep job → RestSweepJob (SweepJob._to_rest_object and azure/ai/ml/sweep/*).
import {
  isoDuration,
  positive,
  translateCode,
  translateCommand,
  translateDistribution,
  translateEnvironmentVariables,
  translateResources,
} from './commandParts';
import type { TranslationContext } from './context';
import { translateEnvironment } from './environments';
import { translateInputs, translateOutputs } from './inputsOutputs';
import { translateRunSettings } from './jobCommon';
import { FIELDS, checkFields, oneOf } from './schema';
import type { YNode } from './yamlSource';

/** Parameters of each search-space distribution, in the order the REST list carries them. */
export const DISTRIBUTION_PARAMETERS: Record<string, string[]> = {
  choice: ['values'],
  randint: ['upper'],
  uniform: ['min_value', 'max_value'],
  loguniform: ['min_value', 'max_value'],
  quniform: ['min_value', 'max_value', 'q'],
  qloguniform: ['min_value', 'max_value', 'q'],
  normal: ['mu', 'sigma'],
  lognormal: ['mu', 'sigma'],
  qnormal: ['mu', 'sigma', 'q'],
  qlognormal: ['mu', 'sigma', 'q'],
};

const SAMPLING: Record<string, string> = { random: 'Random', grid: 'Grid', bayesian: 'Bayesian' };

export function translateSweepJob(root: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  checkFields(root, FIELDS.sweepJob, 'sweep job');
  const io = { ctx, baseDir, style: 'job' as const };
  const inputs = translateInputs(root.get('inputs'), io);
  const outputs = translateOutputs(root.get('outputs'), io);
  const searchSpace = translateSearchSpace(root.require('search_space', 'sweep job'));
  const trialNode = root.require('trial', 'sweep job');
  checkFields(trialNode, FIELDS.sweepTrial, 'sweep trial');

  const trial: Record<string, unknown> = {
    command: translateCommand(trialNode.require('command', 'sweep trial'), ctx, {
      inputs: Object.keys(inputs),
      search_space: Object.keys(searchSpace),
    }),
  };
  if (trialNode.has('code')) trial.codeId = translateCode(trialNode.require('code', ''), ctx, baseDir);
  trial.environmentId = translateEnvironment(trialNode.require('environment', 'sweep trial'), ctx, baseDir);
  trial.environmentVariables = translateEnvironmentVariables(trialNode.get('environment_variables'));
  if (trialNode.has('distribution')) trial.distribution = translateDistribution(trialNode.require('distribution', ''));
  if (trialNode.has('resources')) trial.resources = translateResources(trialNode.require('resources', ''));

  const properties: Record<string, unknown> = {
    jobType: 'Sweep',
    trial,
    searchSpace,
    samplingAlgorithm: translateSampling(root.require('sampling_algorithm', 'sweep job')),
    objective: translateObjective(root.require('objective', 'sweep job')),
    inputs,
    outputs,
    ...translateRunSettings(root, ctx),
  };
  if (root.has('limits')) properties.limits = translateSweepLimits(root.require('limits', ''));
  if (root.has('early_termination')) properties.earlyTermination = translateEarlyTermination(root.require('early_termination', ''));
  return properties;
}

export function translateSearchSpace(node: YNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, dist, key] of node.entries('search_space')) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) key.fail(`search_space name '${name}' is invalid: use letters, digits and underscores`);
    out[name] = translateDistributionSpec(dist, `search_space.${name}`);
  }
  if (!Object.keys(out).length) node.fail('search_space needs at least one parameter');
  return out;
}

/** ["uniform", [0.1, 1.0]], ["choice", [[...values]]]: the list form the REST API takes. */
function translateDistributionSpec(node: YNode, what: string): unknown[] {
  const type = oneOf(node.require('type', what), Object.keys(DISTRIBUTION_PARAMETERS), `${what} type`);
  const parameters = DISTRIBUTION_PARAMETERS[type];
  checkFields(node, ['type', ...parameters], `${what} (${type})`);
  if (type === 'choice') {
    const values = node.require('values', what).items(`${what}.values`);
    if (!values.length) node.fail(`${what}.values must not be empty`);
    return ['choice', [values.map((v) => (v.kind === 'mapping' ? choiceMapping(v, what) : v.toJS()))]];
  }
  return [type, parameters.map((p) => node.require(p, `${what} (${type})`).num(`${what}.${p}`))];
}

/** A choice value may be a mapping of nested distributions (a conditional search space). */
function choiceMapping(node: YNode, what: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of node.entries(what)) {
    out[key] = value.kind === 'mapping' && value.has('type') ? translateDistributionSpec(value, `${what}.${key}`) : value.toJS();
  }
  return out;
}

export function translateSampling(node: YNode): Record<string, unknown> {
  if (node.kind !== 'mapping') return { samplingAlgorithmType: SAMPLING[oneOf(node, Object.keys(SAMPLING), 'sampling_algorithm')] };
  checkFields(node, FIELDS.samplingAlgorithm, 'sampling_algorithm');
  const type = oneOf(node.require('type', 'sampling_algorithm'), Object.keys(SAMPLING), 'sampling_algorithm type');
  const out: Record<string, unknown> = { samplingAlgorithmType: SAMPLING[type] };
  if ((node.has('seed') || node.has('rule')) && type !== 'random') node.fail('seed and rule apply to random sampling only');
  if (node.has('rule')) out.rule = oneOf(node.require('rule', ''), ['random', 'sobol'], 'sampling rule') === 'sobol' ? 'Sobol' : 'Random';
  if (node.has('seed')) out.seed = node.require('seed', '').int('sampling seed');
  return out;
}

export function translateObjective(node: YNode): Record<string, unknown> {
  checkFields(node, FIELDS.objective, 'objective');
  // Objective.__init__ lower-cases the goal and sends it so; the service's Goal enum is modelAsString.
  const goal = oneOf(node.require('goal', 'objective'), ['minimize', 'maximize'], 'objective goal');
  return { goal, primaryMetric: node.require('primary_metric', 'objective').str('primary_metric') };
}

export function translateSweepLimits(node: YNode): Record<string, unknown> {
  checkFields(node, FIELDS.sweepLimits, 'sweep limits');
  const out: Record<string, unknown> = { jobLimitsType: 'Sweep' };
  if (node.has('max_concurrent_trials')) out.maxConcurrentTrials = node.require('max_concurrent_trials', '').int('limits.max_concurrent_trials');
  if (node.has('max_total_trials')) out.maxTotalTrials = node.require('max_total_trials', '').int('limits.max_total_trials');
  if (node.has('timeout')) out.timeout = isoDuration(positive(node.require('timeout', ''), 'limits.timeout'));
  if (node.has('trial_timeout')) out.trialTimeout = isoDuration(positive(node.require('trial_timeout', ''), 'limits.trial_timeout'));
  return out;
}

type PolicyField = [rest: string, fallback: number, kind: 'int' | 'num'];
/** delay_evaluation and evaluation_interval, which every policy has (interval defaulting as given). */
const evaluation = (interval: number): Record<string, PolicyField> => ({
  delay_evaluation: ['delayEvaluation', 0, 'int'],
  evaluation_interval: ['evaluationInterval', interval, 'int'],
});

/**
 * Policies with the defaults azure-ai-ml's BanditPolicy/MedianStoppingPolicy/TruncationSelectionPolicy apply.
 * A sweep job's median stopping policy evaluates every interval (1); AutoML's sweep settings keep the
 * entity's 0 (`medianInterval`).
 */
const policies = (medianInterval: number): Record<string, { rest: string; fields: Record<string, PolicyField> }> => ({
  bandit: {
    rest: 'Bandit',
    fields: { ...evaluation(0), slack_amount: ['slackAmount', 0, 'num'], slack_factor: ['slackFactor', 0, 'num'] },
  },
  median_stopping: { rest: 'MedianStopping', fields: evaluation(medianInterval) },
  truncation_selection: {
    rest: 'TruncationSelection',
    fields: { ...evaluation(0), truncation_percentage: ['truncationPercentage', 0, 'int'] },
  },
});

export function translateEarlyTermination(node: YNode, medianInterval = 1): Record<string, unknown> {
  const POLICIES = policies(medianInterval);
  const type = oneOf(node.require('type', 'early_termination'), Object.keys(POLICIES), 'early_termination type');
  const policy = POLICIES[type];
  checkFields(node, ['type', ...Object.keys(policy.fields)], `${type} policy`);
  const out: Record<string, unknown> = { policyType: policy.rest };
  for (const [field, [rest, fallback, kind]] of Object.entries(policy.fields)) {
    const value = node.get(field);
    out[rest] = value && !value.isNull ? (kind === 'int' ? value.int(`early_termination.${field}`) : value.num(`early_termination.${field}`)) : fallback;
  }
  return out;
}
