import * as assert from 'node:assert/strict';
import { translateYaml, translationError, WS } from './helpers';

const SWEEP = `
type: sweep
trial:
  code: src
  command: python main.py --data \${{inputs.iris}} --lr \${{search_space.lr}} --boost \${{search_space.boosting}}
  environment: azureml:lightgbm:4
  resources:
    instance_count: 1
inputs:
  iris:
    type: uri_file
    path: https://example.blob.core.windows.net/iris.csv
compute: azureml:cpu-cluster
sampling_algorithm:
  type: random
  seed: 42
  rule: sobol
search_space:
  lr:
    type: loguniform
    min_value: -6
    max_value: -1
  boosting:
    type: choice
    values: [gbdt, dart]
  depth:
    type: quniform
    min_value: 2
    max_value: 10
    q: 1
  noise:
    type: normal
    mu: 0
    sigma: 0.5
  leaves:
    type: randint
    upper: 64
objective:
  goal: maximize
  primary_metric: accuracy
limits:
  max_total_trials: 20
  max_concurrent_trials: 4
  timeout: 7200
  trial_timeout: 600
early_termination:
  type: bandit
  slack_factor: 0.1
  evaluation_interval: 2
`;

describe('jobSpec: sweep job', () => {
  it('translates trial, search space, sampling, objective, limits and early termination', () => {
    const t = translateYaml(SWEEP, { jobName: 'sweep-1' });
    assert.equal(t.jobType, 'sweep');
    const p = t.body.properties;
    assert.deepEqual(p.trial, {
      command: 'python main.py --data ${{inputs.iris}} --lr ${{search_space.lr}} --boost ${{search_space.boosting}}',
      codeId: t.pending[0].token,
      environmentId: `${WS}/environments/lightgbm/versions/4`,
      environmentVariables: {},
      resources: { instanceCount: 1, properties: {} },
    });
    assert.deepEqual(p.searchSpace, {
      lr: ['loguniform', [-6, -1]],
      boosting: ['choice', [['gbdt', 'dart']]],
      depth: ['quniform', [2, 10, 1]],
      noise: ['normal', [0, 0.5]],
      leaves: ['randint', [64]],
    });
    assert.deepEqual(p.samplingAlgorithm, { samplingAlgorithmType: 'Random', rule: 'Sobol', seed: 42 });
    assert.deepEqual(p.objective, { goal: 'maximize', primaryMetric: 'accuracy' });
    assert.deepEqual(p.limits, { jobLimitsType: 'Sweep', maxConcurrentTrials: 4, maxTotalTrials: 20, timeout: 'PT2H', trialTimeout: 'PT10M' });
    assert.deepEqual(p.earlyTermination, { policyType: 'Bandit', delayEvaluation: 0, evaluationInterval: 2, slackAmount: 0, slackFactor: 0.1 });
    assert.deepEqual(p.inputs, { iris: { jobInputType: 'uri_file', uri: 'https://example.blob.core.windows.net/iris.csv' } });
    assert.equal(p.computeId, `${WS}/computes/cpu-cluster`);
    assert.equal(p.jobType, 'Sweep');
    assert.equal(p.displayName, 'sweep-1');
  });

  it('accepts the short sampling form and the median stopping and truncation policies with their defaults', () => {
    const base = SWEEP.replace(/sampling_algorithm:\n(  .*\n)+/, 'sampling_algorithm: grid\n').replace(/early_termination:\n(  .*\n)+/, '');
    assert.deepEqual(translateYaml(base).body.properties.samplingAlgorithm, { samplingAlgorithmType: 'Grid' });
    const policy = (yaml: string) => translateYaml(`${base}early_termination:\n${yaml}`).body.properties.earlyTermination;
    assert.deepEqual(policy('  type: median_stopping\n'), { policyType: 'MedianStopping', delayEvaluation: 0, evaluationInterval: 1 });
    assert.deepEqual(policy('  type: truncation_selection\n  truncation_percentage: 20\n'), {
      policyType: 'TruncationSelection',
      delayEvaluation: 0,
      evaluationInterval: 0,
      truncationPercentage: 20,
    });
  });

  it('refuses a search-space reference the search space does not define', () => {
    const message = translationError(SWEEP.replace('${{search_space.boosting}}', '${{search_space.boost}}'));
    assert.match(message, /^job\.yml:5:12: the command references \$\{\{search_space\.boost\}\} but search_space has no 'boost'; defined: lr, boosting, depth, noise, leaves$/);
  });

  it('refuses unknown distribution parameters with what is allowed', () => {
    const message = translationError(SWEEP.replace('    mu: 0\n', '    mean: 0\n'));
    assert.equal(message, "job.yml:33:5: unknown field 'mean' in search_space.noise (normal); allowed: type, mu, sigma");
  });
});
