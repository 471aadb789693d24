// The REST model of Microsoft.MachineLearningServices 2022-10-01, as generated into the official
// JavaScript SDK (@azure/arm-machinelearning), plus the Spark job model (sparkJob.ts). The package does not export its mappers from the
// CommonJS entry point, so they are loaded from its ES module build (plain data, no imports).
import { sparkModels } from './sparkJob';

export interface MapperConstraints {
  Pattern?: RegExp;
  MinLength?: number;
  MaxLength?: number;
  InclusiveMinimum?: number;
  InclusiveMaximum?: number;
  ExclusiveMinimum?: number;
  ExclusiveMaximum?: number;
  MinItems?: number;
  MaxItems?: number;
}

export interface MapperType {
  name: string;
  className?: string;
  uberParent?: string;
  polymorphicDiscriminator?: { serializedName: string; clientName: string };
  modelProperties?: Record<string, Mapper>;
  allowedValues?: string[];
  element?: Mapper;
  value?: Mapper;
}

export interface Mapper {
  serializedName?: string;
  required?: boolean;
  readOnly?: boolean;
  nullable?: boolean;
  constraints?: MapperConstraints;
  type: MapperType;
}

type MapperModule = Record<string, Mapper> & { discriminators: Record<string, Mapper> };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generated = require('@azure/arm-machinelearning/dist-esm/src/models/mappers.js') as MapperModule;
// Where the SDK's model differs from the service's, corrected once (the module object is shared):
// Spark jobs are newer than it, and AutoML lost required properties.
if (!generated.SparkJob) {
  const spark = sparkModels(generated.JobBaseProperties, generated.CommandJob);
  Object.assign(generated, spark.models);
  Object.assign(generated.discriminators, spark.discriminators);
  requireAutoMlProperties();
}

/**
 * The JavaScript generator dropped `required` from the AutoML properties it models through mixins;
 * the REST spec (and the Python SDK generated from it) requires them: an AutoML job's taskDetails,
 * every task's trainingData, and the image tasks' limitSettings.
 */
function requireAutoMlProperties(): void {
  const require = (properties: Record<string, Mapper> | undefined, name: string) => {
    if (properties?.[name]) properties[name] = { ...properties[name], required: true };
  };
  require(generated.AutoMLJob.type.modelProperties, 'taskDetails');
  for (const [key, task] of Object.entries(generated.discriminators)) {
    if (!/^(TableVertical|ImageClassificationBase|ImageObjectDetectionBase|NlpVertical)\./.test(key)) continue;
    require(task.type.modelProperties, 'trainingData');
    if (key.startsWith('Image')) require(task.type.modelProperties, 'limitSettings');
  }
}

/** The composite mapper of a model class, e.g. "ComputeResource". */
export function modelMapper(className: string): Mapper {
  const mapper = generated[className];
  if (!mapper || className === 'discriminators') throw new Error(`No REST model named ${className}`);
  return mapper;
}

/**
 * Bases whose concrete models the generator registered under other names: the SDK models asset
 * inputs/outputs and AutoML tasks through mixins, so "uri_file" is filed under AssetJobInput and
 * "Classification" under TableVertical while the wire property is typed JobInput / AutoMLVertical.
 */
const registeredUnder: Record<string, string[]> = {
  JobInput: ['AssetJobInput'],
  JobOutput: ['AssetJobOutput'],
  AutoMLVertical: ['TableVertical', 'ImageClassificationBase', 'ImageObjectDetectionBase', 'NlpVertical'],
};

/** Concrete subtypes a polymorphic model accepts, by discriminator value; undefined when not polymorphic. */
export function subtypesOf(mapper: Mapper): Map<string, Mapper> | undefined {
  const className = mapper.type.className ?? '';
  if (!mapper.type.polymorphicDiscriminator) return undefined;
  const prefixes = [className, ...(registeredUnder[className] ?? [])].map((name) => `${name}.`);
  const subtypes = new Map<string, Mapper>();
  for (const [key, sub] of Object.entries(generated.discriminators)) {
    const prefix = prefixes.find((p) => key.startsWith(p));
    if (prefix) subtypes.set(key.slice(prefix.length), sub);
  }
  return subtypes.size > 0 ? subtypes : undefined;
}
