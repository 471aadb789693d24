// A standalone command job → RestCommandJob (CommandJob._to_rest_object).
import {
  translateCode,
  translateCommand,
  translateCommandLimits,
  translateDistribution,
  translateEnvironmentVariables,
  translateResources,
} from './commandParts';
import type { TranslationContext } from './context';
import { translateEnvironment } from './environments';
import { translateInputs, translateOutputs } from './inputsOutputs';
import { translateRunSettings } from './jobCommon';
import { FIELDS, checkFields } from './schema';
import type { YNode } from './yamlSource';

export function translateCommandJob(root: YNode, ctx: TranslationContext, baseDir: string): Record<string, unknown> {
  checkFields(root, FIELDS.commandJob, 'command job');
  const io = { ctx, baseDir, style: 'job' as const };
  const inputs = translateInputs(root.get('inputs'), io);
  const outputs = translateOutputs(root.get('outputs'), io);
  const properties: Record<string, unknown> = {
    jobType: 'Command',
    command: translateCommand(root.require('command', 'command job'), ctx, { inputs: Object.keys(inputs) }),
  };
  if (root.has('code')) properties.codeId = translateCode(root.require('code', 'command job'), ctx, baseDir);
  properties.environmentId = translateEnvironment(root.require('environment', 'command job'), ctx, baseDir);
  properties.environmentVariables = translateEnvironmentVariables(root.get('environment_variables'));
  properties.inputs = inputs;
  properties.outputs = outputs;
  Object.assign(properties, translateRunSettings(root, ctx));
  if (root.has('distribution')) properties.distribution = translateDistribution(root.require('distribution', ''));
  if (root.has('resources')) properties.resources = translateResources(root.require('resources', ''));
  if (root.has('limits')) properties.limits = translateCommandLimits(root.require('limits', ''));
  return properties;
}
