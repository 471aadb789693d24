// The value sets of AutoML settings, as the REST API names them (azure-ai-ml 1.4.0's
// _restclient/v2022_10_01_preview enums and constants/_job/automl.py). A YAML file writes them in
// snake_case ("auc_weighted", "light_gbm"): azure-ai-ml compares camel_to_snake() of both sides.

export const CLASSIFICATION_METRICS = ['AUCWeighted', 'Accuracy', 'NormMacroRecall', 'AveragePrecisionScoreWeighted', 'PrecisionScoreWeighted'] as const;
export const REGRESSION_METRICS = ['SpearmanCorrelation', 'NormalizedRootMeanSquaredError', 'R2Score', 'NormalizedMeanAbsoluteError'] as const;
export const MULTILABEL_METRICS = [...CLASSIFICATION_METRICS, 'IOU'] as const;
export const DETECTION_METRICS = ['MeanAveragePrecision'] as const;

export const LOG_VERBOSITY = ['NotSet', 'Debug', 'Info', 'Warning', 'Error', 'Critical'] as const;
export const BLOCKED_TRANSFORMERS = [
  'TextTargetEncoder', 'OneHotEncoder', 'CatTargetEncoder', 'TfIdf', 'WoETargetEncoder', 'LabelEncoder', 'WordEmbedding',
  'NaiveBayes', 'CountVectorizer', 'HashOneHotEncoder',
] as const;
/** Keys of featurization.transformer_params (AutoMLTransformerParameterKeys). */
export const TRANSFORMER_PARAMETER_KEYS = ['Imputer', 'TfIdf', 'HashOneHotEncoder'] as const;
export const CLASSIFICATION_MODELS = [
  'LogisticRegression', 'SGD', 'MultinomialNaiveBayes', 'BernoulliNaiveBayes', 'SVM', 'LinearSVM', 'KNN', 'DecisionTree',
  'RandomForest', 'ExtremeRandomTrees', 'LightGBM', 'GradientBoosting', 'XGBoostClassifier',
] as const;
export const REGRESSION_MODELS = [
  'ElasticNet', 'GradientBoosting', 'DecisionTree', 'KNN', 'LassoLars', 'SGD', 'RandomForest', 'ExtremeRandomTrees', 'LightGBM',
  'XGBoostRegressor',
] as const;
export const FORECASTING_MODELS = [
  'AutoArima', 'Prophet', 'Naive', 'SeasonalNaive', 'Average', 'SeasonalAverage', 'ExponentialSmoothing', 'Arimax', 'TCNForecaster',
  ...REGRESSION_MODELS,
] as const;
export const STACK_META_LEARNERS = [
  'None', 'LogisticRegression', 'LogisticRegressionCV', 'LightGBMClassifier', 'ElasticNet', 'ElasticNetCV', 'LightGBMRegressor',
  'LinearRegression',
] as const;

// Forecasting settings and featurization mode are matched lower-cased and sent as written (lower case).
export const FEATURIZATION_MODES = ['auto', 'off', 'custom'] as const;
export const FEATURE_LAGS = ['none', 'auto'] as const;
export const SHORT_SERIES_HANDLING = ['none', 'auto', 'pad', 'drop'] as const;
export const USE_STL = ['none', 'season', 'seasontrend'] as const;
export const TARGET_AGGREGATION = ['none', 'sum', 'max', 'min', 'mean'] as const;

export const IMAGE_LR_SCHEDULERS = ['None', 'WarmupCosine', 'Step'] as const;
export const IMAGE_OPTIMIZERS = ['None', 'Sgd', 'Adam', 'Adamw'] as const;
export const MODEL_SIZES = ['None', 'Small', 'Medium', 'Large', 'ExtraLarge'] as const;
export const VALIDATION_METRIC_TYPES = ['None', 'Coco', 'Voc', 'CocoVoc'] as const;
export const IMAGE_CLASSIFICATION_MODELS = [
  'mobilenetv2', 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnest50', 'resnest101', 'seresnext', 'vits16r224',
  'vitb16r224', 'vitl16r224',
] as const;
export const OBJECT_DETECTION_MODELS = [
  'yolov5', 'fasterrcnn_resnet18_fpn', 'fasterrcnn_resnet34_fpn', 'fasterrcnn_resnet50_fpn', 'fasterrcnn_resnet101_fpn',
  'fasterrcnn_resnet152_fpn', 'retinanet_resnet50_fpn',
] as const;
export const INSTANCE_SEGMENTATION_MODELS = [
  'maskrcnn_resnet18_fpn', 'maskrcnn_resnet34_fpn', 'maskrcnn_resnet50_fpn', 'maskrcnn_resnet101_fpn', 'maskrcnn_resnet152_fpn',
] as const;

export const NLP_LR_SCHEDULERS = ['None', 'Linear', 'Cosine', 'CosineWithRestarts', 'Polynomial', 'Constant', 'ConstantWithWarmup'] as const;
/** NLP model names are written with underscores or dashes and sent with dashes (snake_to_kebab). */
export const NLP_MODELS = [
  'bert-base-cased', 'bert-base-uncased', 'bert-base-multilingual-cased', 'bert-base-german-cased', 'bert-large-cased',
  'bert-large-uncased', 'distilbert-base-cased', 'distilbert-base-uncased', 'roberta-base', 'roberta-large', 'distilroberta-base',
  'xlm-roberta-base', 'xlm-roberta-large', 'xlnet-base-cased', 'xlnet-large-cased',
] as const;

/** azure-ai-ml's camel_to_snake (also PascalCase to snake): "AUCWeighted" → "auc_weighted". */
export function camelToSnake(text: string): string {
  return text
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** How a value set is matched (StringTransformedEnum's casing_transform) and what is sent. */
export type Casing = 'snake' | 'lower' | 'kebab';

export const CASINGS: Record<Casing, (text: string) => string> = {
  snake: camelToSnake,
  lower: (text) => text.toLowerCase(),
  kebab: (text) => text.replace(/_/g, '-'),
};
