// The REST model of Microsoft.MachineLearningServices 2022-10-01, as generated into the official
// JavaScript SDK (@azure/arm-machinelearning). The package does not export its mappers from the
// CommonJS entry point, so they are loaded from its ES module build (plain data, no imports).
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
