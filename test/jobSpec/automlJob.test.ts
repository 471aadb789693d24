import * as assert from 'node:assert/strict';
import { floatToStr } from '../../tasks/common/jobSpec/automl/searchSpace';
import { translateYaml, translationError, WS } from './helpers';

const DATA = 'training_data:\n  type: mltable\n  path: azureml:train:1\n';
const job = (body: string): string => `type: automl\ncompute: azureml:cpu\n${DATA}${body}`;
const taskDetails = (yaml: string): Record<string, unknown> => translateYaml(yaml).body.properties.taskDetails as Record<string, unknown>;

describe('jobSpec: AutoML job', () => {
  it('translates every task kind with its REST task type and the primary metric the schema defaults to', () => {
    const kinds: Array<[task: string, taskType: string, metric: string | undefined]> = [
      ['classification', 'Classification', 'AUCWeighted'],
      ['regression', 'Regression', 'NormalizedRootMeanSquaredError'],
      ['forecasting', 'Forecasting', 'NormalizedRootMeanSquaredError'],
      ['image_classification', 'ImageClassification', 'Accuracy'],
      ['image_classification_multilabel', 'ImageClassificationMultilabel', 'IOU'],
      ['image_object_detection', 'ImageObjectDetection', 'MeanAveragePrecision'],
      ['image_instance_segmentation', 'ImageInstanceSegmentation', 'MeanAveragePrecision'],
      ['text_classification', 'TextClassification', 'Accuracy'],
      // Read-only in the REST model: not sent.
      ['text_classification_multilabel', 'TextClassificationMultilabel', undefined],
      ['text_ner', 'TextNER', undefined],
    ];
    for (const [task, taskType, metric] of kinds) {
      const t = translateYaml(job(`task: ${task}\ntarget_column_name: y\n`));
      assert.equal(t.jobType, 'automl');
      const details = t.body.properties.taskDetails as Record<string, unknown>;
      assert.equal(t.body.properties.jobType, 'AutoML', task);
      assert.equal(details.taskType, taskType, task);
      assert.equal(details.primaryMetric, metric, task);
      assert.equal(details.logVerbosity, 'Info', task);
      assert.equal(t.body.properties.computeId, `${WS}/computes/cpu`);
      assert.deepEqual(details.trainingData, { jobInputType: 'mltable', uri: `${WS}/data/train/versions/1` });
    }
    // azure-ai-ml picks the job class by the exact snake_case name: "Unsupported task type: TextNER".
    assert.match(translationError(job('task: TextNER\n')), /^job\.yml:6:7: unsupported AutoML task 'TextNER'; allowed: classification, /);
  });

  it('matches metrics, algorithms and other value sets as azure-ai-ml does (snake_case in YAML, the REST name sent)', () => {
    const d = taskDetails(
      job(
        'task: classification\ntarget_column_name: y\nprimary_metric: AUC_weighted\nlog_verbosity: WARNING\n' +
          'training:\n  blocked_training_algorithms: [xg_boost_classifier, KNN]\n  ensemble_model_download_timeout_minutes: 90\n' +
          'featurization:\n  mode: Custom\n  blocked_transformers: [word_embedding]\n',
      ),
    );
    assert.equal(d.primaryMetric, 'AUCWeighted');
    assert.equal(d.logVerbosity, 'Warning');
    assert.deepEqual(d.trainingSettings, { blockedTrainingAlgorithms: ['XGBoostClassifier', 'KNN'], ensembleModelDownloadTimeout: 'PT1H30M' });
    assert.deepEqual(d.featurizationSettings, { mode: 'custom', blockedTransformers: ['WordEmbedding'], transformerParams: {} });
  });

  it('refuses values outside a task\'s set, naming the allowed ones at file:line:column', () => {
    assert.equal(
      translationError(job('task: regression\ntarget_column_name: y\nprimary_metric: accuracy\n')),
      "job.yml:8:17: invalid primary_metric 'accuracy'; allowed: spearman_correlation, normalized_root_mean_squared_error, r2_score, normalized_mean_absolute_error",
    );
    assert.equal(
      translationError(job('task: forecasting\ntarget_column_name: y\ntraining:\n  allowed_training_algorithms: [prophet, logistic_regression]\n')),
      "job.yml:9:42: invalid training.allowed_training_algorithms[1] 'logistic_regression'; allowed: auto_arima, prophet, naive, seasonal_naive, average, seasonal_average, exponential_smoothing, arimax, tcn_forecaster, elastic_net, gradient_boosting, decision_tree, knn, lasso_lars, sgd, random_forest, extreme_random_trees, light_gbm, xg_boost_regressor",
    );
    assert.equal(translationError(job('task: clasification\n')), "job.yml:6:7: unsupported AutoML task 'clasification'; allowed: classification, regression, forecasting, image_classification, image_classification_multilabel, image_object_detection, image_instance_segmentation, text_classification, text_classification_multilabel, text_ner");
    assert.match(translationError(job('task: classification\ntarget_column_name: y\nlimits:\n  max_trail: 3\n')), /^job\.yml:9:3: unknown field 'max_trail' in limits \(did you mean 'max_trials'\?\)/);
    assert.match(translationError(job('task: regression\ntarget_column_name: y\nsweep:\n  sampling_algorithm: random\n')), /^job\.yml:\d+:1: unknown field 'sweep' in AutoML regression job/);
  });

  it('requires the target column (but not for text_ner) and mltable training data', () => {
    assert.equal(translationError(job('task: image_classification\n')), "job.yml:1:1: missing required field 'target_column_name' in an AutoML image_classification job");
    assert.equal(taskDetails(job('task: text_ner\n')).targetColumnName, undefined);
    assert.equal(translationError('type: automl\ntask: text_ner\n'), "job.yml:1:1: missing required field 'training_data' in an AutoML text_ner job");
    assert.equal(
      translationError('type: automl\ntask: text_ner\ntraining_data:\n  type: uri_folder\n  path: ./data\n'),
      "job.yml:4:9: invalid type of training_data 'uri_folder'; allowed: mltable",
    );
  });

  it('uploads local mltable folders like other local inputs', () => {
    const t = translateYaml('type: automl\ntask: text_ner\ntraining_data:\n  type: mltable\n  path: ./train\n');
    const details = t.body.properties.taskDetails as Record<string, Record<string, unknown>>;
    const pending = t.pending.find((p) => p.token === details.trainingData.uri);
    assert.ok(pending && pending.kind === 'upload' && pending.inputType === 'mltable' && pending.localPath.endsWith('train'));
  });

  it('reads forecasting settings: auto or a value, single ids as a list', () => {
    const d = taskDetails(
      job('task: forecasting\ntarget_column_name: y\nn_cross_validations: auto\nforecasting:\n  time_column_name: t\n  time_series_id_column_names: store\n  forecast_horizon: 12\n  target_lags: 3\n  seasonality: Auto\n  use_stl: SeasonTrend\n'),
    );
    assert.deepEqual(d.nCrossValidations, { mode: 'Auto' });
    assert.deepEqual(d.forecastingSettings, {
      timeColumnName: 't',
      useStl: 'seasontrend',
      forecastHorizon: { mode: 'Custom', value: 12 },
      targetLags: { mode: 'Custom', values: [3] },
      seasonality: { mode: 'Auto' },
      timeSeriesIdColumnNames: ['store'],
    });
    assert.match(translationError(job('task: forecasting\ntarget_column_name: y\nforecasting:\n  forecast_horizon: soon\n')), /^job\.yml:9:21: invalid forecasting\.forecast_horizon 'soon'; allowed: auto/);
  });

  it('sends stack ensemble settings by the REST model (azure-ai-ml 1.4.0 cannot serialise them)', () => {
    const d = taskDetails(
      job('task: classification\ntarget_column_name: y\ntraining:\n  stack_ensemble_settings:\n    stack_meta_learner_type: light_gbm_classifier\n    stack_meta_learner_train_percentage: 0.3\n    stack_meta_learner_kwargs: {num_leaves: 8}\n'),
    );
    assert.deepEqual(d.trainingSettings, { stackEnsembleSettings: { stackMetaLearnerType: 'LightGBMClassifier', stackMetaLearnerTrainPercentage: 0.3, stackMetaLearnerKWargs: { num_leaves: 8 } } });
  });

  it('writes search spaces in the REST string notation, each value typed by its setting', () => {
    const d = taskDetails(
      job(
        'task: image_object_detection\ntarget_column_name: y\nsweep:\n  sampling_algorithm: Bayesian\n  early_termination:\n    type: median_stopping\n' +
          'search_space:\n  - learning_rate: 1\n    number_of_epochs: {type: choice, values: [5, 10]}\n    momentum: {type: choice, values: [1, 0.5]}\n' +
          '    weight_decay: {type: uniform, min_value: 0.00001, max_value: 1}\n    multi_scale: {type: choice, values: [yes, no]}\n    model_size: {type: choice, values: [ExtraLarge, small]}\n    model_name: yolov5\n',
      ),
    );
    assert.deepEqual(d.searchSpace, [
      {
        learningRate: '1.0',
        numberOfEpochs: 'choice(5,10)',
        momentum: 'choice(1.0,0.5)',
        weightDecay: 'uniform(0.00001,1)',
        multiScale: 'choice(True,False)',
        modelSize: "choice('extra_large','small')",
        modelName: 'yolov5',
      },
    ]);
    assert.deepEqual(d.sweepSettings, { samplingAlgorithm: 'bayesian', earlyTermination: { policyType: 'MedianStopping', delayEvaluation: 0, evaluationInterval: 0 } });
    assert.deepEqual(d.limitSettings, {});
  });

  it('refuses distributions a setting cannot take, and sampling seeds the REST model has no place for', () => {
    assert.match(
      translationError(job('task: image_classification\ntarget_column_name: y\nsearch_space:\n  - ams_gradient: {type: uniform, min_value: 0, max_value: 1}\n')),
      /^job\.yml:9:26: invalid search_space\[0\]\.ams_gradient distribution 'uniform'; allowed: choice$/,
    );
    assert.match(
      translationError(job('task: text_classification\ntarget_column_name: y\nsweep:\n  sampling_algorithm: {type: random, seed: 3}\n')),
      /unknown field 'seed' in sweep\.sampling_algorithm \(AutoML sweeps take no seed or rule\)/,
    );
    assert.match(
      translationError(job('task: text_classification\ntarget_column_name: y\ntraining_parameters:\n  model_name: Roberta_Base\n')),
      /^job\.yml:9:15: invalid training_parameters\.model_name 'Roberta_Base'; allowed: bert-base-cased, /,
    );
  });

  it('gives NLP jobs their default limits and warns that image tasks drop test data', () => {
    assert.deepEqual(taskDetails(job('task: text_ner\nlimits:\n  timeout_minutes: 15\n')).limitSettings, { maxNodes: 1, maxTrials: 1, timeout: 'PT15M' });
    const t = translateYaml(job('task: image_classification\ntarget_column_name: y\ntest_data:\n  type: mltable\n  path: azureml:test:1\n'));
    assert.equal((t.body.properties.taskDetails as Record<string, unknown>).testData, undefined);
    assert.match(t.warnings[0], /^.*job\.yml:9:3: test_data of an AutoML image task is not sent/);
  });

  it('writes floats without exponents, as float_to_str does', () => {
    assert.equal(floatToStr(0.000005), '0.000005');
    assert.equal(floatToStr(1.5e-7), '0.00000015');
    assert.equal(floatToStr(1e16), '10000000000000000');
    assert.equal(floatToStr(2.5e17), '250000000000000000');
    assert.equal(floatToStr(0.01), '0.01');
    assert.equal(floatToStr(3), '3.0');
  });
});

describe('jobSpec: AutoML and sweep steps', () => {
  const PIPELINE = 'type: pipeline\ninputs:\n  train:\n    type: mltable\n    path: azureml:train:1\njobs:\n';

  it('sends an AutoML step as the node schema dumps it', () => {
    const t = translateYaml(`${PIPELINE}  fit:\n    type: automl\n    task: text_ner\n    compute: azureml:gpu\n    training_data: \${{parent.inputs.train}}\n`);
    const node = (t.body.properties.jobs as Record<string, unknown>).fit;
    assert.deepEqual(node, {
      name: 'fit',
      type: 'automl',
      task: 'text_ner',
      primary_metric: 'accuracy',
      training_data: '${{parent.inputs.train}}',
      limits: { max_nodes: 1, max_trials: 1 },
      compute: 'azureml:gpu',
      tags: {},
      properties: {},
      outputs: {},
    });
  });

  it('refuses AutoML step data that is not a pipeline binding, and bindings to missing inputs', () => {
    assert.equal(
      translationError(`${PIPELINE}  fit:\n    type: automl\n    task: text_ner\n    training_data:\n      type: mltable\n      path: ./train\n`),
      'job.yml:11:7: jobs.fit.training_data of an AutoML step must be a binding such as ${{parent.inputs.training_data}}: declare the mltable as a pipeline input',
    );
    assert.match(
      translationError(`${PIPELINE}  fit:\n    type: automl\n    task: text_ner\n    training_data: \${{parent.inputs.trian}}\n`),
      /^job\.yml:10:20: step 'fit' training_data: the pipeline has no input 'trian'; defined: train/,
    );
  });

  it('sends a sweep step whose trial is a component file, its search space setting trial inputs', () => {
    const component =
      'type: command\nname: train\ninputs:\n  data: {type: uri_folder}\n  lr: {type: number}\ncommand: python t.py ${{inputs.data}} ${{inputs.lr}}\nenvironment: azureml:e:1\n';
    const t = translateYaml(
      `${PIPELINE}  tune:\n    type: sweep\n    trial: ./train.yml\n    inputs:\n      data: \${{parent.inputs.train}}\n    sampling_algorithm: random\n    search_space:\n      lr: {type: uniform, min_value: 0.01, max_value: 0.1}\n    objective: {goal: Maximize, primary_metric: acc}\n    limits: {max_total_trials: 4, timeout: 600}\n    early_termination: {type: bandit, slack_factor: 0.1}\n`,
      {},
      { 'train.yml': component },
    );
    const node = (t.body.properties.jobs as Record<string, Record<string, unknown>>).tune;
    assert.equal(t.components.length, 1);
    assert.deepEqual(node.trial, { componentId: t.components[0].token });
    assert.equal(node.componentId, undefined);
    assert.deepEqual(node.search_space, { lr: { type: 'uniform', min_value: 0.01, max_value: 0.1 } });
    assert.deepEqual(node.limits, { max_total_trials: 4, timeout: 600 });
    assert.deepEqual(node.early_termination, { policy_type: 'Bandit', delay_evaluation: 0, evaluation_interval: 0, slack_factor: 0.1 });
    assert.deepEqual(node.inputs, { data: { job_input_type: 'literal', value: '${{parent.inputs.train}}' } });
  });

  it('refuses a sweep step without a trial, or with a search space azure-ai-ml would refuse', () => {
    assert.match(translationError(`${PIPELINE}  tune:\n    type: sweep\n    objective: {goal: maximize, primary_metric: a}\n`), /^job\.yml:8:5: step 'tune' is a sweep step: it needs a trial/);
    assert.match(
      translationError(`${PIPELINE}  tune:\n    type: sweep\n    trial: azureml:train:1\n    sampling_algorithm: random\n    objective: {goal: maximize, primary_metric: a}\n    search_space:\n      lr: {type: uniform, min_value: 0.1}\n`),
      /missing required field 'max_value' in search_space\.lr \(uniform\)/,
    );
  });
});
