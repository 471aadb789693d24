// `az ml schedule create -f schedule.yml` without the CLI: a job schedule's YAML (azure-ai-ml
// _schema/schedule/schedule.py) → the Schedule request body (workspaces/schedules, api-version 2023-04-01) as
// azure-ai-ml 1.4.0's JobSchedule._to_rest_object builds it. create_job is a job file (optionally a mapping
// `job: ./file.yml` plus fields merged over the file, as azure-ai-ml's merge_dict does), a job written inline,
// or an existing job (`azureml:<job name>`), whose definition the service copies. The job's own translation
// (pending uploads, anonymous environments and components) is carried along, so finalizeTranslation()
// resolves the schedule body exactly as it resolves a job's.
import * as path from 'node:path';
import { isMap, isScalar, visit, type Node, type YAMLMap } from 'yaml';
import { JOB_NAME } from '../workspace/inputRules';
import type { EnvironmentVersionToCreate, PendingItem } from './context';
import type { TranslationParts } from './finalize';
import { isArmId, workspaceArmId, type WorkspaceScope } from './references';
import { checkFields } from './schema';
import { translateTrigger, type ScheduleTrigger } from './scheduleTrigger';
import { translateJobSource, type JobTranslation, type JobType } from './translate';
import { loadYamlFile, type YamlSource, type YNode } from './yamlSource';

/** ScheduleSchema's fields (ResourceSchema's name, description, tags; properties as later azure-ai-ml accepts). */
const SCHEDULE_FIELDS = ['$schema', 'name', 'display_name', 'description', 'tags', 'properties', 'trigger', 'create_job'];
/** The job types a schedule's create_job takes (PipelineCreateJobSchema, CommandCreateJobSchema, SparkCreateJobSchema). */
const SCHEDULED_JOB_TYPES: readonly JobType[] = ['pipeline', 'command', 'spark'];

export interface ScheduleTranslation extends TranslationParts {
  name: string;
  /** The Schedule body; its action.jobDefinition may hold <pending:...> tokens until finalizeTranslation(). */
  body: { properties: Record<string, unknown> };
  trigger: ScheduleTrigger;
  /** What the schedule runs, for messages: "pipeline job from ./train.yml", "existing job 'x'". */
  createJob: string;
  pending: PendingItem[];
  environments: EnvironmentVersionToCreate[];
  buildEnvironments: JobTranslation['buildEnvironments'];
  components: JobTranslation['components'];
  warnings: string[];
}

export interface ScheduleOptions {
  scope: WorkspaceScope;
  /** Overrides the YAML's name (the schedule's resource name). */
  name?: string;
  /** Merged over the YAML's tags (these win): the deploying run's lineage and the task's tags input. */
  tags?: Record<string, string>;
}

export function translateScheduleFile(file: string, options: ScheduleOptions): ScheduleTranslation {
  const source = loadYamlFile(path.resolve(file));
  const root = source.root();
  if (root.kind !== 'mapping') root.fail(`a schedule file must be a mapping of fields, not ${root.kind}`);
  const schema = root.get('$schema');
  if (schema && !schema.isNull && !/schedule\.schema\.json$/i.test(schema.str('$schema').trim())) {
    schema.fail(`this file follows ${schema.str('$schema').split('/').pop()}, not schedule.schema.json; the schedule task takes an \`az ml schedule create\` file whose create_job names the job file`);
  }
  checkFields(root, SCHEDULE_FIELDS, 'schedule');
  const name = scheduleName(root, options.name);
  const trigger = translateTrigger(root.require('trigger', 'schedule'));
  const job = translateCreateJob(root.require('create_job', 'schedule'), source, options.scope);
  const text = (key: string) => (root.has(key) ? root.require(key, 'schedule').str(key) : undefined);
  const displayName = text('display_name');
  const description = text('description');
  const properties: Record<string, unknown> = {
    ...(description !== undefined ? { description } : {}),
    // Resource.__init__ turns missing tags and properties into {}, which msrest sends.
    properties: root.has('properties') ? root.require('properties', 'schedule').strMap('properties') : {},
    tags: { ...(root.has('tags') ? root.require('tags', 'schedule').strMap('tags') : {}), ...(options.tags ?? {}) },
    action: { actionType: 'CreateJob', jobDefinition: job.definition },
    ...(displayName !== undefined ? { displayName } : {}),
    // is_enabled is left out (None): the service enables a new schedule and keeps an existing one's state.
    trigger: trigger.rest,
  };
  return {
    name,
    body: { properties },
    trigger: trigger.trigger,
    createJob: job.describe,
    pending: job.translation?.pending ?? [],
    environments: job.translation?.environments ?? [],
    buildEnvironments: job.translation?.buildEnvironments ?? [],
    components: job.translation?.components ?? [],
    warnings: [...trigger.warnings, ...(job.translation?.warnings ?? [])],
  };
}

/** The file's name, unless the caller gives one (the task's scheduleName input, checked where it is read). */
function scheduleName(root: YNode, override: string | undefined): string {
  if (override) return override;
  const node = root.require('name', 'schedule');
  const name = node.str('name');
  if (!JOB_NAME.test(name)) node.fail(`schedule name '${name}' is invalid: letters, digits, '-' and '_', starting with a letter or digit, at most 255`);
  return name;
}

interface CreateJob {
  definition: Record<string, unknown>;
  translation?: JobTranslation;
  describe: string;
}

function translateCreateJob(node: YNode, source: YamlSource, scope: WorkspaceScope): CreateJob {
  const baseDir = path.dirname(source.file);
  if (node.kind === 'string') {
    const value = node.str('create_job');
    return value.startsWith('azureml:') ? existingJob(node, value, scope) : jobFromFile(node, path.resolve(baseDir, value), undefined, scope);
  }
  if (node.kind !== 'mapping') node.fail(`create_job must be a job file path, azureml:<job name> or a job, not ${node.kind}`);
  const job = node.get('job');
  if (!job || job.isNull) return jobFromSource(node, source.subSource(node.node as Node), 'inline job', scope);
  const reference = job.str('job');
  if (reference.startsWith('azureml:')) {
    const [extra] = node.entries('create_job').filter(([key]) => key !== 'job');
    if (extra) extra[2].fail(`create_job: changing fields of an existing job ('${extra[0]}') is not supported by this task; write the job in a file (create_job: ./job.yml) and change it there`);
    return existingJob(job, reference, scope);
  }
  return jobFromFile(job, path.resolve(baseDir, reference), node, scope);
}

/** An existing job: the service copies its definition (RestPipelineJob(source_job_id=...)). */
function existingJob(node: YNode, value: string, scope: WorkspaceScope): CreateJob {
  const reference = value.slice('azureml:'.length);
  // RestPipelineJob's defaults, which msrest sends: experiment Default, not archived.
  const definition = (sourceJobId: string) => ({ experimentName: 'Default', isArchived: false, jobType: 'Pipeline', sourceJobId });
  if (isArmId(value, 'jobs')) return { definition: definition(reference), describe: `existing job ${reference}` };
  if (!JOB_NAME.test(reference)) node.fail(`invalid job reference '${value}'; expected azureml:<job name> or azureml:<job ARM id>`);
  // azure-ai-ml 1.4.0 sends the bare name, which the service does not resolve; later versions send the ARM id.
  return { definition: definition(`${workspaceArmId(scope)}/jobs/${reference}`), describe: `existing job '${reference}'` };
}

function jobFromFile(at: YNode, file: string, updates: YNode | undefined, scope: WorkspaceScope): CreateJob {
  const source = loadYamlFile(file, at.where);
  if (updates) mergeUpdates(source, updates);
  return jobFromSource(at, source, path.relative(process.cwd(), file) || file, scope);
}

function jobFromSource(at: YNode, source: YamlSource, origin: string, scope: WorkspaceScope): CreateJob {
  const root = source.root();
  const typeNode = root.get('type');
  const written = typeNode && !typeNode.isNull ? typeNode.str('type').toLowerCase() : 'command';
  if (written === 'sweep' || written === 'automl') {
    (typeNode ?? at).fail(`a schedule runs pipeline, command or spark jobs, not ${written} jobs; put the ${written} step in a pipeline job`);
  }
  const translation = translateJobSource(source, { scope });
  if (!SCHEDULED_JOB_TYPES.includes(translation.jobType)) at.fail(`a schedule cannot run ${translation.jobType} jobs`);
  const properties = { ...translation.body.properties };
  // azure-ai-ml leaves the scheduled job's experiment and display name to the YAML: create_or_update's
  // job defaults (experiment from the folder, display name from the job name) are not applied to schedules.
  if (!root.has('experiment_name')) delete properties.experimentName;
  if (!root.has('display_name')) delete properties.displayName;
  if (root.has('name')) translation.warnings.push(`${root.get('name')?.where}: the job's name is ignored: each run the schedule starts gets a new name`);
  return { definition: properties, translation, describe: `${translation.jobType} job from ${origin}` };
}

/**
 * create_job: {job: ./file.yml, <field>: <value>...}: the fields are merged over the file's (azure-ai-ml's
 * merge_dict: mappings merged key by key, anything else replaced). Merged nodes point at the schedule file.
 */
function mergeUpdates(job: YamlSource, updates: YNode): void {
  const root = job.doc.contents;
  if (!isMap(root)) return;
  const merge = (target: YAMLMap, from: YNode): void => {
    for (const [key, value] of from.entries('create_job')) {
      if (from === updates && key === 'job') continue;
      const existing = target.get(key, true) as Node | undefined;
      if (isMap(existing) && value.kind === 'mapping') {
        merge(existing, value);
        continue;
      }
      const created = job.doc.createNode(value.toJS()) as Node;
      visit(created, { Node: (_key, node) => job.label(node, value.where) });
      job.label(created, value.where);
      const keyNode = job.doc.createNode(key);
      if (isScalar(keyNode)) job.label(keyNode, value.where);
      target.set(keyNode, created);
    }
  };
  merge(root, updates);
}
