// The ten AutoML task kinds az ml v2 defines, with their primary metrics (allowed values and the
// default the schema loads) and the settings each takes.
import * as E from './enums';
import { IMAGE_CLASSIFICATION_SETTINGS, INSTANCE_SEGMENTATION_SETTINGS, NLP_SETTINGS, OBJECT_DETECTION_SETTINGS, type ModelFields } from './fields';

export type Vertical = 'tabular' | 'image' | 'nlp';

export interface TaskKind {
  /** TaskType, the REST discriminator of taskDetails. */
  taskType: string;
  vertical: Vertical;
  metrics: readonly string[];
  defaultMetric: string;
  /** TextClassificationMultilabel and TextNer model primaryMetric as read-only: it is not sent. */
  metricSent: boolean;
  targetRequired: boolean;
  /** Tabular: the algorithms training.allowed/blocked_training_algorithms name. */
  models?: readonly string[];
  /** Image and NLP: training_parameters and search_space settings. */
  modelFields?: ModelFields;
  /** Fields only this task adds to its vertical's. */
  extraFields?: readonly string[];
}

const tabular = (taskType: string, metrics: readonly string[], defaultMetric: string, models: readonly string[], extraFields: string[]): TaskKind => ({
  taskType, vertical: 'tabular', metrics, defaultMetric, metricSent: true, targetRequired: true, models, extraFields,
});
const image = (taskType: string, metrics: readonly string[], defaultMetric: string, modelFields: ModelFields): TaskKind => ({
  taskType, vertical: 'image', metrics, defaultMetric, metricSent: true, targetRequired: true, modelFields,
});
const nlp = (taskType: string, metrics: readonly string[], metricSent: boolean, targetRequired: boolean): TaskKind => ({
  taskType, vertical: 'nlp', metrics, defaultMetric: 'Accuracy', metricSent, targetRequired, modelFields: NLP_SETTINGS,
});

/** By the `task:` value (TaskType in snake_case). */
export const TASKS: Record<string, TaskKind> = {
  classification: tabular('Classification', E.CLASSIFICATION_METRICS, 'AUCWeighted', E.CLASSIFICATION_MODELS, ['positive_label']),
  regression: tabular('Regression', E.REGRESSION_METRICS, 'NormalizedRootMeanSquaredError', E.REGRESSION_MODELS, []),
  forecasting: tabular('Forecasting', E.REGRESSION_METRICS, 'NormalizedRootMeanSquaredError', E.FORECASTING_MODELS, ['forecasting']),
  image_classification: image('ImageClassification', E.CLASSIFICATION_METRICS, 'Accuracy', IMAGE_CLASSIFICATION_SETTINGS),
  image_classification_multilabel: image('ImageClassificationMultilabel', E.MULTILABEL_METRICS, 'IOU', IMAGE_CLASSIFICATION_SETTINGS),
  image_object_detection: image('ImageObjectDetection', E.DETECTION_METRICS, 'MeanAveragePrecision', OBJECT_DETECTION_SETTINGS),
  image_instance_segmentation: image('ImageInstanceSegmentation', E.DETECTION_METRICS, 'MeanAveragePrecision', INSTANCE_SEGMENTATION_SETTINGS),
  text_classification: nlp('TextClassification', E.CLASSIFICATION_METRICS, true, true),
  text_classification_multilabel: nlp('TextClassificationMultilabel', ['Accuracy'], false, true),
  text_ner: nlp('TextNER', ['Accuracy'], false, false),
};

/** Fields of every AutoML job (AutoMLJobSchema, AutoMLVerticalSchema) and of each vertical. */
const COMMON = [
  '$schema', 'type', 'name', 'display_name', 'description', 'tags', 'properties', 'experiment_name', 'compute', 'identity', 'services',
  'outputs', 'environment_id', 'environment_variables', 'resources', 'task', 'log_verbosity', 'training_data', 'primary_metric',
  'target_column_name',
];
const VERTICAL_FIELDS: Record<Vertical, string[]> = {
  tabular: [
    'limits', 'featurization', 'training', 'validation_data', 'validation_data_size', 'test_data', 'test_data_size',
    'cv_split_column_names', 'n_cross_validations', 'weight_column_name',
  ],
  image: ['limits', 'sweep', 'training_parameters', 'search_space', 'validation_data', 'validation_data_size', 'test_data', 'test_data_size'],
  nlp: ['limits', 'sweep', 'training_parameters', 'search_space', 'featurization', 'validation_data'],
};

export function taskFields(kind: TaskKind): string[] {
  return [...COMMON, ...VERTICAL_FIELDS[kind.vertical], ...(kind.extraFields ?? [])];
}
