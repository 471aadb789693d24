// The settings each AutoML vertical takes (azure-ai-ml 1.4.0's _schema/automl/**), each with its
// REST name (the 2022-10-01-preview models' attribute maps).
import * as E from './enums';
import { enumListOf, enumOf, field, type Field } from './settings';

/** Limits every vertical has; the tabular and NLP ones add their own. */
export const IMAGE_LIMITS: readonly Field[] = [
  field('max_concurrent_trials', 'maxConcurrentTrials', 'int'),
  field('max_trials', 'maxTrials', 'int'),
  field('timeout_minutes', 'timeout', 'minutes'),
];
const TRIAL_TIMEOUT = field('trial_timeout_minutes', 'trialTimeout', 'minutes');

export const TABULAR_LIMITS: readonly Field[] = [
  ...IMAGE_LIMITS,
  TRIAL_TIMEOUT,
  field('enable_early_termination', 'enableEarlyTermination', 'bool'),
  field('exit_score', 'exitScore', 'float'),
  field('max_cores_per_trial', 'maxCoresPerTrial', 'int'),
];

export const NLP_LIMITS: readonly Field[] = [...IMAGE_LIMITS, TRIAL_TIMEOUT, field('max_nodes', 'maxNodes', 'int')];

export const STACK_ENSEMBLE: readonly Field[] = [
  field('stack_meta_learner_kwargs', 'stackMetaLearnerKWargs', 'any'),
  field('stack_meta_learner_train_percentage', 'stackMetaLearnerTrainPercentage', 'float'),
  field('stack_meta_learner_type', 'stackMetaLearnerType', enumOf(E.STACK_META_LEARNERS)),
];

/** TrainingSettingsSchema plus the task's allowed/blocked algorithms; stack_ensemble_settings is read apart. */
export function trainingFields(models: readonly string[]): readonly Field[] {
  return [
    field('enable_dnn_training', 'enableDnnTraining', 'bool'),
    field('enable_model_explainability', 'enableModelExplainability', 'bool'),
    field('enable_onnx_compatible_models', 'enableOnnxCompatibleModels', 'bool'),
    field('enable_stack_ensemble', 'enableStackEnsemble', 'bool'),
    field('enable_vote_ensemble', 'enableVoteEnsemble', 'bool'),
    field('ensemble_model_download_timeout_minutes', 'ensembleModelDownloadTimeout', 'minutes'),
    field('allowed_training_algorithms', 'allowedTrainingAlgorithms', enumListOf(models)),
    field('blocked_training_algorithms', 'blockedTrainingAlgorithms', enumListOf(models)),
  ];
}

/** TableFeaturizationSettingsSchema; transformer_params is read apart. */
export const TABULAR_FEATURIZATION: readonly Field[] = [
  field('dataset_language', 'datasetLanguage', 'str'),
  field('mode', 'mode', enumOf(E.FEATURIZATION_MODES, 'lower')),
  field('blocked_transformers', 'blockedTransformers', enumListOf(E.BLOCKED_TRANSFORMERS)),
  field('column_name_and_types', 'columnNameAndTypes', 'strMap'),
  field('enable_dnn_featurization', 'enableDnnFeaturization', 'bool'),
];

export const NLP_FEATURIZATION: readonly Field[] = [field('dataset_language', 'datasetLanguage', 'str')];

/** ForecastingSettingsSchema's plain fields; the auto-or-value ones are read apart. */
export const FORECASTING: readonly Field[] = [
  field('country_or_region_for_holidays', 'countryOrRegionForHolidays', 'str'),
  field('cv_step_size', 'cvStepSize', 'int'),
  field('time_column_name', 'timeColumnName', 'str'),
  field('frequency', 'frequency', 'str'),
  field('feature_lags', 'featureLags', enumOf(E.FEATURE_LAGS, 'lower')),
  field('short_series_handling_config', 'shortSeriesHandlingConfig', enumOf(E.SHORT_SERIES_HANDLING, 'lower')),
  field('use_stl', 'useStl', enumOf(E.USE_STL, 'lower')),
  field('target_aggregate_function', 'targetAggregateFunction', enumOf(E.TARGET_AGGREGATION, 'lower')),
];

/** Settings an image model takes, fixed (training_parameters) or searched (search_space). */
const IMAGE_COMMON: readonly Field[] = [
  field('ams_gradient', 'amsGradient', 'bool'),
  field('beta1', 'beta1', 'float'),
  field('beta2', 'beta2', 'float'),
  field('distributed', 'distributed', 'bool'),
  field('early_stopping', 'earlyStopping', 'bool'),
  field('early_stopping_delay', 'earlyStoppingDelay', 'int'),
  field('early_stopping_patience', 'earlyStoppingPatience', 'int'),
  field('evaluation_frequency', 'evaluationFrequency', 'int'),
  field('enable_onnx_normalization', 'enableOnnxNormalization', 'bool'),
  field('gradient_accumulation_step', 'gradientAccumulationStep', 'int'),
  field('layers_to_freeze', 'layersToFreeze', 'int'),
  field('learning_rate', 'learningRate', 'float'),
  field('learning_rate_scheduler', 'learningRateScheduler', enumOf(E.IMAGE_LR_SCHEDULERS)),
  field('momentum', 'momentum', 'float'),
  field('nesterov', 'nesterov', 'bool'),
  field('number_of_epochs', 'numberOfEpochs', 'int'),
  field('number_of_workers', 'numberOfWorkers', 'int'),
  field('optimizer', 'optimizer', enumOf(E.IMAGE_OPTIMIZERS)),
  field('random_seed', 'randomSeed', 'int'),
  field('step_lr_gamma', 'stepLRGamma', 'float'),
  field('step_lr_step_size', 'stepLRStepSize', 'int'),
  field('training_batch_size', 'trainingBatchSize', 'int'),
  field('validation_batch_size', 'validationBatchSize', 'int'),
  field('warmup_cosine_lr_cycles', 'warmupCosineLRCycles', 'float'),
  field('warmup_cosine_lr_warmup_epochs', 'warmupCosineLRWarmupEpochs', 'int'),
  field('weight_decay', 'weightDecay', 'float'),
];
/** Only as fixed settings (ImageModelSettingsSchema). */
const IMAGE_FIXED_ONLY: readonly Field[] = [
  field('advanced_settings', 'advancedSettings', 'str'),
  field('checkpoint_frequency', 'checkpointFrequency', 'int'),
  field('checkpoint_run_id', 'checkpointRunId', 'str'),
];
/** Only in search spaces (ImageModelDistributionSettingsSchema). */
const IMAGE_SEARCH_ONLY: readonly Field[] = [field('augmentations', 'augmentations', 'str')];

const CLASSIFICATION_MODEL: readonly Field[] = [
  field('model_name', 'modelName', enumOf(E.IMAGE_CLASSIFICATION_MODELS, 'lower')),
  field('training_crop_size', 'trainingCropSize', 'int'),
  field('validation_crop_size', 'validationCropSize', 'int'),
  field('validation_resize_size', 'validationResizeSize', 'int'),
  field('weighted_loss', 'weightedLoss', 'int'),
];
const DETECTION_MODEL: readonly Field[] = [
  field('box_detections_per_image', 'boxDetectionsPerImage', 'int'),
  field('box_score_threshold', 'boxScoreThreshold', 'float'),
  field('image_size', 'imageSize', 'int'),
  field('max_size', 'maxSize', 'int'),
  field('min_size', 'minSize', 'int'),
  field('model_size', 'modelSize', enumOf(E.MODEL_SIZES)),
  field('multi_scale', 'multiScale', 'bool'),
  field('nms_iou_threshold', 'nmsIouThreshold', 'float'),
  field('tile_grid_size', 'tileGridSize', 'str'),
  field('tile_overlap_ratio', 'tileOverlapRatio', 'float'),
  field('tile_predictions_nms_threshold', 'tilePredictionsNmsThreshold', 'float'),
  field('validation_iou_threshold', 'validationIouThreshold', 'float'),
  field('validation_metric_type', 'validationMetricType', enumOf(E.VALIDATION_METRIC_TYPES)),
];
const detectionModel = (models: readonly string[]): readonly Field[] => [field('model_name', 'modelName', enumOf(models, 'lower')), ...DETECTION_MODEL];

export interface ModelFields {
  fixed: readonly Field[];
  search: readonly Field[];
}

const imageModel = (specific: readonly Field[]): ModelFields => ({
  fixed: [...IMAGE_COMMON, ...IMAGE_FIXED_ONLY, ...specific],
  search: [...IMAGE_COMMON, ...IMAGE_SEARCH_ONLY, ...specific],
});
export const IMAGE_CLASSIFICATION_SETTINGS = imageModel(CLASSIFICATION_MODEL);
export const OBJECT_DETECTION_SETTINGS = imageModel(detectionModel(E.OBJECT_DETECTION_MODELS));
export const INSTANCE_SEGMENTATION_SETTINGS = imageModel(detectionModel(E.INSTANCE_SEGMENTATION_MODELS));

const NLP_PARAMETERS: readonly Field[] = [
  field('gradient_accumulation_steps', 'gradientAccumulationSteps', 'int'),
  field('learning_rate', 'learningRate', 'float'),
  field('learning_rate_scheduler', 'learningRateScheduler', enumOf(E.NLP_LR_SCHEDULERS)),
  field('model_name', 'modelName', enumOf(E.NLP_MODELS, 'kebab')),
  field('number_of_epochs', 'numberOfEpochs', 'int'),
  field('training_batch_size', 'trainingBatchSize', 'int'),
  field('validation_batch_size', 'validationBatchSize', 'int'),
  field('warmup_ratio', 'warmupRatio', 'float'),
  field('weight_decay', 'weightDecay', 'float'),
];
export const NLP_SETTINGS: ModelFields = { fixed: NLP_PARAMETERS, search: NLP_PARAMETERS };
