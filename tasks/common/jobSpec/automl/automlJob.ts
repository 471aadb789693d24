// A standalone AutoML job → RestAutoMLJob (<Task>Job._to_rest_object for each of the ten task kinds).
import { translateEnvironmentVariables, translateResources } from '../commandParts';
import type { TranslationContext } from '../context';
import { translateOutputs } from '../inputsOutputs';
import { translateRunSettings } from '../jobCommon';
import type { YNode } from '../yamlSource';
import { readAutoMLTask } from './automlTask';

export function translateAutoMLJob(root: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  const task = readAutoMLTask(root, { ctx, baseDir, inPipeline: false }, 'job');
  const properties: Record<string, unknown> = {
    jobType: 'AutoML',
    taskDetails: task.rest,
    outputs: translateOutputs(root.get('outputs'), { ctx, baseDir, style: 'job' }),
    ...translateRunSettings(root, ctx),
  };
  if (root.has('environment_id')) properties.environmentId = root.require('environment_id', '').str('environment_id');
  if (root.has('environment_variables')) properties.environmentVariables = translateEnvironmentVariables(root.get('environment_variables'));
  if (root.has('resources')) properties.resources = translateResources(root.require('resources', ''));
  return properties;
}
