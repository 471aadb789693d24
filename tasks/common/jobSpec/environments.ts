// `environment:` of a job or component: a reference, or an inline definition that azure-ai-ml
// registers as an anonymous environment version (entities/_assets/environment.py).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { TranslationContext } from './context';
import { isRemotePath, parseAssetReference } from './references';
import { FIELDS, checkFields } from './schema';
import { JobSpecError, PYYAML_SCHEMA, YNode, loadYamlFile, parseYaml } from './yamlSource';

/** ANONYMOUS_ENV_NAME in azure.ai.ml.constants._common. */
export const ANONYMOUS_ENVIRONMENT_NAME = 'CliV2AnonymousEnvironment';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** Python's `separator.join(text)`: the characters of `text` with `separator` between them. */
const pythonJoin = (separator: string, text: string): string => [...text].join(separator);

/**
 * Version of an image-based anonymous environment, as _generate_anonymous_name_version builds it:
 * hash_str = "".join(md5(image)); then hash_str.join(md5(yaml.dump(inference_config, sort_keys=True)))
 * when a deployment's environment has one; then hash_str.join(md5(conda)) when a conda file is given;
 * version = md5(hash_str).
 */
export function anonymousImageEnvironmentVersion(image: string, condaYaml?: string, inferenceConfigYaml?: string): string {
  let hashStr = pythonJoin('', md5(image));
  if (inferenceConfigYaml) hashStr = pythonJoin(hashStr, md5(inferenceConfigYaml));
  if (condaYaml) hashStr = pythonJoin(hashStr, md5(condaYaml));
  return md5(hashStr);
}

/** Version of a docker-build anonymous environment: hashes the build context's upload hash. */
export function anonymousBuildEnvironmentVersion(uploadHash: string, dockerfilePath?: string): string {
  let hashStr = pythonJoin('', md5(uploadHash));
  if (dockerfilePath) hashStr = pythonJoin(hashStr, md5(dockerfilePath));
  return md5(hashStr);
}

export interface EnvironmentRules {
  /**
   * Deployments load an inline environment with EnvironmentSchema, so a name and version register
   * that version (not anonymous), a name alone the next version; jobs load AnonymousEnvironmentSchema,
   * which drops them.
   */
  named?: boolean;
  /** inference_config (custom container routes) is only meaningful for online deployments. */
  inferenceConfig?: boolean;
}

/** Returns the environment id (or a token) for the job body and records what must be created. */
export function translateEnvironment(node: YNode, ctx: TranslationContext, baseDir: string, rules: EnvironmentRules = {}): string {
  if (node.kind === 'string' && node.str('environment').startsWith('file:')) {
    // environment: file:./env.yml is an inline environment kept in its own file (paths in it are relative to it).
    const file = path.resolve(baseDir, node.str('environment').slice('file:'.length));
    const source = loadYamlFile(file, node.where);
    const root = source.root();
    if (root.kind !== 'mapping') root.fail('an environment file must be a mapping of fields');
    return translateEnvironment(root, ctx, path.dirname(file), rules);
  }
  if (node.kind !== 'mapping') return ctx.reference(parseAssetReference(node, 'environments', ctx.scope, 'environment'), node.where);

  checkFields(node, FIELDS.environment, 'environment');
  // Jobs load AnonymousEnvironmentSchema: it drops name and version, warning about the name (not the anonymous default).
  const named = rules.named === true && (node.has('name') || node.has('version'));
  const givenName = node.get('name')?.scalar;
  if (!rules.named && givenName !== undefined && givenName !== null && givenName !== ANONYMOUS_ENVIRONMENT_NAME) {
    ctx.warn(`${node.get('name')!.where}: the provided asset name '${String(givenName)}' will not be used for anonymous registration`);
  }
  // Asset.__init__: a version without a name is refused; a name without a version is registered as the next version.
  if (named && !node.has('name')) {
    node.require('version', 'environment').fail('an inline environment with a version needs a name too (or neither, for an anonymous environment)');
  }
  const image = node.get('image');
  const build = node.get('build');
  const hasImage = image !== undefined && !image.isNull;
  const hasBuild = build !== undefined && !build.isNull;
  if (hasImage === hasBuild) node.fail('an inline environment needs exactly one of image or build');

  const properties: Record<string, unknown> = {};
  let conda: string | undefined;
  if (node.has('conda_file')) {
    conda = condaYaml(node.require('conda_file', 'environment'), baseDir);
    properties.condaFile = conda;
  }
  if (node.has('description')) properties.description = node.require('description', 'environment').str('description');
  if (node.has('tags')) properties.tags = node.require('tags', 'environment').strMap('tags');
  if (node.has('os_type')) properties.osType = node.require('os_type', 'environment').str('os_type');
  let inferenceConfig: string | undefined;
  if (node.has('inference_config')) {
    const config = node.require('inference_config', 'environment');
    if (!rules.inferenceConfig) config.fail('inference_config is for online deployments, not jobs');
    properties.inferenceConfig = translateInferenceConfig(config);
    inferenceConfig = pyyamlDump(config.toJS());
  }
  // Environment._to_rest_object sends is_anonymous either way.
  properties.isAnonymous = !named;

  if (image && hasImage) {
    const imageName = image.str('image');
    properties.image = imageName;
    if (named) {
      const nameNode = node.require('name', 'environment');
      const name = nameNode.str('environment name');
      const version = node.has('version') ? node.require('version', 'environment') : undefined;
      return ctx.environment(name, version ? (version.sourceText ?? String(version.scalar)) : ctx.nextVersion('environments', name, nameNode.where), sortKeys(properties));
    }
    return ctx.environment(ANONYMOUS_ENVIRONMENT_NAME, anonymousImageEnvironmentVersion(imageName, conda, inferenceConfig), sortKeys(properties));
  }
  if (named) node.fail('an inline environment with a name and a docker build is not supported here; register it with `az ml environment create` and refer to it as azureml:<name>:<version>');
  const buildNode = node.require('build', 'environment');
  checkFields(buildNode, FIELDS.environmentBuild, 'environment build');
  const contextNode = buildNode.require('path', 'environment build');
  const contextPath = contextNode.str('build path');
  if (isRemotePath(contextPath)) {
    contextNode.fail('a remote docker build context cannot be hashed into an anonymous environment; register the environment and refer to it by azureml:<name>:<version>');
  }
  const dockerfilePath = buildNode.has('dockerfile_path') ? buildNode.require('dockerfile_path', 'build').str('dockerfile_path') : undefined;
  const upload = ctx.upload('buildContext', baseDir, contextPath, contextNode.where);
  return ctx.buildEnvironment(upload, dockerfilePath, properties);
}

const ROUTE_FIELDS = ['path', 'port'] as const;

/** InferenceConfigSchema → InferenceContainerProperties: each route is {path, port}. */
function translateInferenceConfig(node: YNode): Record<string, unknown> {
  checkFields(node, FIELDS.inferenceConfig, 'environment inference_config');
  const routes: Record<string, unknown> = {};
  for (const [key, rest] of [['liveness_route', 'livenessRoute'], ['readiness_route', 'readinessRoute'], ['scoring_route', 'scoringRoute']] as const) {
    if (!node.has(key)) continue;
    const route = node.require(key, 'inference_config');
    checkFields(route, ROUTE_FIELDS, `inference_config.${key}`);
    routes[rest] = {
      path: route.require('path', `inference_config.${key}`).str(`${key}.path`),
      port: route.require('port', `inference_config.${key}`).int(`${key}.port`),
    };
  }
  return routes;
}

/** conda_file as the service wants it: PyYAML's dump of the loaded file with sorted keys. */
function condaYaml(node: YNode, baseDir: string): string {
  let source: YNode;
  if (node.kind === 'mapping') {
    source = node;
  } else {
    const file = path.resolve(baseDir, node.str('conda_file'));
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new JobSpecError(`conda file not found: ${file}`, node.where);
    }
    source = parseYaml(text, file).root();
  }
  return pyyamlDump(source.toJS());
}

/** yaml.dump(value, sort_keys=True) in PyYAML's block style: sequences not indented under their key, single quotes. */
function pyyamlDump(value: unknown): string {
  return stringify(value, { ...PYYAML_SCHEMA, sortMapEntries: true, indentSeq: false, lineWidth: 0, singleQuote: true });
}

function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : 1)));
}
