// Fields every job type shares (BaseJobSchema): compute, identity, services, description,
// tags, properties, display name and experiment name.
import * as path from 'node:path';
import { translateIdentity, translateServices } from './commandParts';
import type { TranslationContext } from './context';
import { computeArmId } from './references';
import type { YNode } from './yamlSource';

export interface JobMetadataOptions {
  /** Overrides the YAML's experiment_name. */
  experimentName?: string;
  /** Used when neither the option nor the YAML names an experiment; the CLI uses its working folder's name. */
  defaultExperimentName?: string;
  /** Overrides the YAML's display_name; the CLI defaults it to the job name. */
  displayName?: string;
  /** The job's name (the resource name in the URL); only used as the default display name. */
  jobName?: string;
  /** Merged over the YAML's tags (these win). */
  tags?: Record<string, string>;
}

/** compute/identity/services, in the REST model's camelCase. */
export function translateRunSettings(root: YNode, ctx: TranslationContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (root.has('compute')) out.computeId = computeArmId(root.require('compute', 'job'), ctx.scope);
  if (root.has('identity')) out.identity = translateIdentity(root.require('identity', 'job'));
  if (root.has('services')) out.services = translateServices(root.require('services', 'job'), ctx);
  if (root.has('queue_settings')) {
    root.require('queue_settings', 'job').fail('queue_settings needs a newer Azure ML API than 2022-10-01, which this task uses; remove it');
  }
  return out;
}

/** displayName, description, experimentName, tags and properties, as _generate_job_defaults sets them. */
export function translateMetadata(root: YNode, options: JobMetadataOptions): Record<string, unknown> {
  const yamlExperiment = root.has('experiment_name') ? root.require('experiment_name', 'job').str('experiment_name') : undefined;
  const experimentName =
    options.experimentName || yamlExperiment || options.defaultExperimentName || path.basename(process.cwd()).replace(/ /g, '') || 'Default';
  const displayName =
    options.displayName || (root.has('display_name') ? root.require('display_name', 'job').str('display_name') : undefined) || options.jobName;
  const tags = { ...(root.has('tags') ? root.require('tags', 'job').strMap('tags') : {}), ...(options.tags ?? {}) };
  const properties = root.has('properties') ? root.require('properties', 'job').strMap('properties') : {};
  return {
    ...(displayName ? { displayName } : {}),
    ...(root.has('description') ? { description: root.require('description', 'job').str('description') } : {}),
    experimentName,
    tags,
    properties,
    // JobBaseProperties.is_archived defaults to False and msrest sends it.
    isArchived: false,
  };
}
