// Entry point: an `az ml job create -f job.yml [--set ...]` file → the JobBase request body
// (api-version 2022-10-01) plus the work that must happen before it can be sent.
//
// Translation reads only YAML: the job file, component files and conda files it names. Local
// `code` folders and local inputs are not touched here; they become upload tokens in the body,
// and the upload step (which hashes, uploads and registers them, see snapshot.ts) reports a
// missing or empty path with the YAML position recorded in the pending item. That keeps dryRun
// and the corpus test independent of folders that only exist on the user's machine.
import * as path from 'node:path';
import { translateAutoMLJob } from './automl/automlJob';
import { translateCommandJob } from './commandJob';
import {
  TranslationContext,
  type BuildEnvironmentTemplate,
  type ComponentTemplate,
  type EnvironmentVersionToCreate,
  type PendingItem,
} from './context';
import { JOB_NAME } from '../workspace/inputRules';
import { translateMetadata, type JobMetadataOptions } from './jobCommon';
import { applyOverrides, parseOverrides, type Override } from './overrides';
import { translatePipelineJob } from './pipelineJob';
import type { WorkspaceScope } from './references';
import { oneOf } from './schema';
import { translateSparkJob } from './sparkJob';
import { translateSweepJob } from './sweepJob';
import { loadYamlFile, parseYaml, type YamlSource } from './yamlSource';

export type JobType = 'command' | 'sweep' | 'pipeline' | 'spark' | 'automl';
const JOB_TYPES: readonly JobType[] = ['command', 'sweep', 'pipeline', 'spark', 'automl'];

export interface TranslateOptions extends JobMetadataOptions {
  scope: WorkspaceScope;
  /** --set style overrides: parsed, or multiline "path=value" text. */
  overrides?: Override[] | string;
}

export interface JobTranslation {
  jobType: JobType;
  /** `name:` from the YAML, if given (the task otherwise names the job). */
  name?: string;
  /** The JobBase body; may hold <pending:...> tokens until finalizeTranslation() resolves them. */
  body: { properties: Record<string, unknown> };
  /** Uploads and @latest lookups to do before submission. */
  pending: PendingItem[];
  /** Anonymous environments to create (known now: image/conda based). */
  environments: EnvironmentVersionToCreate[];
  /** Anonymous environments whose version depends on a build-context upload. */
  buildEnvironments: BuildEnvironmentTemplate[];
  /** Anonymous components the pipeline steps run. */
  components: ComponentTemplate[];
  warnings: string[];
}

export function translateJobFile(file: string, options: TranslateOptions): JobTranslation {
  return translateJobSource(loadYamlFile(path.resolve(file)), options);
}

export function translateJobText(text: string, file: string, options: TranslateOptions): JobTranslation {
  return translateJobSource(parseYaml(text, path.resolve(file)), options);
}

export function translateJobSource(source: YamlSource, options: TranslateOptions): JobTranslation {
  const overrides = typeof options.overrides === 'string' ? parseOverrides(options.overrides) : (options.overrides ?? []);
  const root = source.root();
  if (root.kind !== 'mapping') root.fail(`a job file must be a mapping of fields, not ${root.kind}`);
  const schema = root.get('$schema');
  if (schema && !schema.isNull && !isJobSchema(schema.str('$schema'))) {
    schema.fail(`this file follows ${schema.str('$schema').split('/').pop()}, not a job schema; a job file uses commandJob, sweepJob, pipelineJob, sparkJob or autoMLJob.schema.json (components are referenced from a pipeline step with component: ./file.yml)`);
  }
  applyOverrides(source, overrides);

  const typeNode = root.get('type');
  const type: JobType = typeNode && !typeNode.isNull ? unsupportedTypeCheck(typeNode) : 'command';
  const ctx = new TranslationContext(options.scope);
  const baseDir = path.dirname(source.file);
  const translators = { command: translateCommandJob, sweep: translateSweepJob, pipeline: translatePipelineJob, spark: translateSparkJob, automl: translateAutoMLJob };
  const specific = translators[type](root, ctx, baseDir);

  let name: string | undefined;
  if (root.has('name')) {
    const nameNode = root.require('name', 'job');
    name = nameNode.str('name');
    if (!JOB_NAME.test(name)) nameNode.fail(`job name '${name}' is invalid: letters, digits, '-' and '_', starting with a letter or digit, at most 255`);
  }
  const metadata = translateMetadata(root, { ...options, jobName: options.jobName ?? name });
  // RestSparkJob is built without the job's properties (SparkJob._to_rest_object does not pass them).
  if (type === 'spark') delete metadata.properties;
  return {
    jobType: type,
    name,
    body: { properties: { ...metadata, ...specific } },
    pending: ctx.pending,
    environments: ctx.environments,
    buildEnvironments: ctx.buildEnvironments,
    components: ctx.components,
    warnings: ctx.warnings,
  };
}

/** $schema URLs of job files end in <kind>Job.schema.json (commandJob, sweepJob, pipelineJob, autoMLJob...). */
export function isJobSchema(url: string): boolean {
  return /job\.schema\.json$/i.test(url.trim());
}

function unsupportedTypeCheck(node: Parameters<typeof oneOf>[0]): JobType {
  const value = node.str('type');
  if (!JOB_TYPES.includes(value.toLowerCase() as JobType)) {
    node.fail(`job type '${value}' is not supported by this task; supported: ${JOB_TYPES.join(', ')}`);
  }
  return oneOf(node, JOB_TYPES, 'job type');
}
