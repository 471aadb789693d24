// Versioned assets: codes, environments, components, data and models. A container holds immutable versions;
// writing a version creates its container, and containers report latestVersion and nextVersion.
import type { HostResponse, ServiceContext } from '../contract';
import { conflict, userError } from './errors';
import { checkAssetName, checkVersion } from './names';
import { type ArmResource, ML_NAMESPACE, type Properties, deleteResource, findResource, getResource, jsonResponse, listChildren, listResponse, putResource, systemDataFor, WS, workspaceOf } from './resources';
import { type ArmCall, type Route, jsonBody } from './router';
import { validateBody } from './validation';

interface AssetFamily {
  /** Path segment: codes, environments, data, models. */
  segment: string;
  /** Noun used in messages. */
  noun: string;
  containerModel: string;
  versionModel: string;
  /** Properties a version may change after creation; everything else is its immutable content. */
  mutable: string[];
  versionDefaults: Properties;
}

const MUTABLE = ['description', 'tags', 'properties', 'isArchived', 'stage'];

const FAMILIES: AssetFamily[] = [
  { segment: 'codes', noun: 'Code', containerModel: 'CodeContainer', versionModel: 'CodeVersion', mutable: MUTABLE, versionDefaults: {} },
  { segment: 'environments', noun: 'Environment', containerModel: 'EnvironmentContainer', versionModel: 'EnvironmentVersion', mutable: MUTABLE, versionDefaults: { environmentType: 'UserCreated', osType: 'Linux' } },
  { segment: 'data', noun: 'Data', containerModel: 'DataContainer', versionModel: 'DataVersionBase', mutable: MUTABLE, versionDefaults: {} },
  { segment: 'components', noun: 'Component', containerModel: 'ComponentContainer', versionModel: 'ComponentVersion', mutable: MUTABLE, versionDefaults: {} },
  { segment: 'models', noun: 'Model', containerModel: 'ModelContainer', versionModel: 'ModelVersion', mutable: MUTABLE, versionDefaults: { modelType: 'custom_model', flavors: {} } },
];

/** What every asset container and version has unless the request says otherwise. */
export const BASE_PROPERTIES = { description: null, tags: {}, properties: {}, isArchived: false };

function containerId(call: ArmCall, family: AssetFamily): string {
  return `${workspaceOf(call).id}/${family.segment}/${call.params.name}`;
}

function versionsOf(ctx: ServiceContext, container: ArmResource): ArmResource[] {
  return listChildren(ctx, 'assets', container.id, 'versions');
}

/** latestVersion (most recently created) and nextVersion (one past the highest numeric version). */
function withVersionInfo(ctx: ServiceContext, container: ArmResource): ArmResource {
  const versions = versionsOf(ctx, container);
  const numeric = versions.map((v) => Number(v.name)).filter((n) => Number.isInteger(n));
  const latest = versions.length > 0 ? versions[versions.length - 1].name : null;
  return { ...container, properties: { ...container.properties, latestVersion: latest, nextVersion: String(numeric.length > 0 ? Math.max(...numeric) + 1 : 1) } };
}

function buildContainer(call: ArmCall, family: AssetFamily, properties: Properties, previous?: ArmResource): ArmResource {
  return {
    id: previous?.id ?? containerId(call, family),
    name: previous?.name ?? call.params.name,
    type: `${ML_NAMESPACE}/workspaces/${family.segment}`,
    properties: { ...BASE_PROPERTIES, ...previous?.properties, ...properties },
    systemData: systemDataFor(call.ctx, call.principal, previous?.systemData),
  };
}

function putContainer(family: AssetFamily) {
  return (call: ArmCall): HostResponse => {
    const body = jsonBody(call) as Properties;
    validateBody(body, family.containerModel);
    checkAssetName(family.noun, call.params.name);
    const previous = getResource(call.ctx, 'assets', containerId(call, family));
    const container = buildContainer(call, family, body.properties, previous);
    putResource(call.ctx, 'assets', container);
    return jsonResponse(withVersionInfo(call.ctx, container), previous ? 200 : 201);
  };
}

function sameContent(family: AssetFamily, a: Properties, b: Properties): boolean {
  const content = (p: Properties) => JSON.stringify(Object.keys(p).filter((k) => !family.mutable.includes(k)).sort().map((k) => [k, p[k]]));
  return content(a) === content(b);
}

function putVersion(family: AssetFamily) {
  return (call: ArmCall): HostResponse => {
    const { ctx } = call;
    const body = jsonBody(call) as Properties;
    validateBody(body, family.versionModel);
    checkAssetName(family.noun, call.params.name);
    checkVersion(family.noun, call.params.version);
    for (const field of ['modelUri', 'dataUri', 'codeUri']) checkAzuremlUri(ctx, workspaceOf(call), body.properties[field], `properties.${field}`);
    let container = getResource(ctx, 'assets', containerId(call, family));
    if (!container) {
      const containerProperties = family.segment === 'data' ? { dataType: body.properties.dataType } : {};
      container = buildContainer(call, family, containerProperties);
      putResource(ctx, 'assets', container);
    }
    const id = `${container.id}/versions/${call.params.version}`;
    const previous = getResource(ctx, 'assets', id);
    const properties = { ...BASE_PROPERTIES, isAnonymous: false, ...family.versionDefaults, ...body.properties };
    if (previous && !sameContent(family, previous.properties, { ...previous.properties, ...properties })) {
      throw conflict(
        `${family.noun} '${container.name}' version '${previous.name}' already exists with different content. Versions are immutable: only description, tags, properties and isArchived can change. Register a new version instead.`,
      );
    }
    const version: ArmResource = {
      id: previous?.id ?? id,
      name: previous?.name ?? call.params.version,
      type: `${ML_NAMESPACE}/workspaces/${family.segment}/versions`,
      properties: { ...previous?.properties, ...properties, provisioningState: 'Succeeded' },
      systemData: systemDataFor(ctx, call.principal, previous?.systemData),
    };
    putResource(ctx, 'assets', version);
    return jsonResponse(version, previous ? 200 : 201);
  };
}

/**
 * An azureml:// URI must name a datastore or job of this workspace, as the service resolves it:
 * azureml://datastores/<name>/paths/... or azureml://jobs/<name>/outputs/<output>/paths/...
 */
function checkAzuremlUri(ctx: ServiceContext, workspace: ArmResource, uri: unknown, path: string): void {
  if (typeof uri !== 'string') return;
  const match = /^azureml:\/\/(datastores|jobs)\/([^/]+)/i.exec(uri);
  if (!match) return;
  const [, kind, name] = match;
  const collection = kind.toLowerCase() === 'jobs' ? 'jobs' : 'datastores';
  const resource = getResource(ctx, collection, `${workspace.id}/${collection}/${name}`);
  if (!resource) {
    throw userError(`${collection === 'jobs' ? 'Job' : 'Datastore'} '${name}' referenced by '${path}' (${uri}) was not found in workspace '${workspace.name}'.`, path);
  }
  if (collection === 'jobs') checkJobOutput(resource, uri, path);
}

/**
 * azureml://jobs/<job>/outputs/<output>[/paths/<path>] resolves to one of the job's outputs; every job
 * also has 'artifacts' (the run's artifact store). Anything else is refused, as the service does.
 */
function checkJobOutput(job: ArmResource, uri: string, path: string): void {
  const output = /^azureml:\/\/jobs\/[^/]+\/outputs\/([^/]+)(?:\/paths(?:\/.*)?)?$/i.exec(uri)?.[1];
  if (!output) {
    throw userError(`'${path}' (${uri}) is not a valid job output URI. Expected azureml://jobs/<job name>/outputs/<output name>/paths/<path>.`, path);
  }
  const outputs = Object.keys(job.properties.outputs ?? {});
  if (output !== 'artifacts' && !outputs.includes(output)) {
    throw userError(`Output '${output}' referenced by '${path}' (${uri}) was not found on job '${job.name}'. The job's outputs are: ${['artifacts', ...outputs].join(', ')}.`, path);
  }
}

function listVersions(family: AssetFamily) {
  return (call: ArmCall): HostResponse => {
    const container = findResource(call.ctx, 'assets', containerId(call, family));
    let versions = versionsOf(call.ctx, container);
    const orderBy = (call.req.url.searchParams.get('$orderBy') ?? call.req.url.searchParams.get('$orderby') ?? '').toLowerCase();
    if (!orderBy.endsWith('asc')) versions = versions.reverse();
    const top = Number(call.req.url.searchParams.get('$top') ?? NaN);
    if (Number.isInteger(top) && top > 0) versions = versions.slice(0, top);
    const matchesTags = keyValueFilter(call.req.url.searchParams.get('tags'));
    const matchesProperties = keyValueFilter(call.req.url.searchParams.get('properties'));
    return listResponse(
      versions.filter((v) => (call.req.url.searchParams.get('listViewType') === 'All' || !v.properties.isArchived) && matchesTags(v.properties.tags) && matchesProperties(v.properties.properties)),
    );
  };
}

/** The service's tags= and properties= filters: comma-separated names, each optionally =value. */
function keyValueFilter(filter: string | null): (values: Record<string, string> | undefined) => boolean {
  const wanted = (filter ?? '').split(',').filter(Boolean).map((entry) => {
    const equals = entry.indexOf('=');
    return equals < 0 ? { key: entry } : { key: entry.slice(0, equals), value: entry.slice(equals + 1) };
  });
  return (values) => wanted.every(({ key, value }) => values?.[key] !== undefined && (value === undefined || values[key] === value));
}

function deleteContainer(family: AssetFamily) {
  return (call: ArmCall): HostResponse => {
    const container = getResource(call.ctx, 'assets', containerId(call, family));
    if (!container) return { status: 204 };
    for (const version of versionsOf(call.ctx, container)) deleteResource(call.ctx, 'assets', version.id);
    deleteResource(call.ctx, 'assets', container.id);
    return { status: 200 };
  };
}

function deleteVersion(family: AssetFamily) {
  return (call: ArmCall): HostResponse => deleteResource(call.ctx, 'assets', `${containerId(call, family)}/versions/${call.params.version}`) ? { status: 200 } : { status: 204 };
}

function familyRoutes(family: AssetFamily): Route[] {
  const resourceType = `workspaces/${family.segment}`;
  const container = `${WS}/${family.segment}/{name}`;
  const version = `${container}/versions/{version}`;
  const route = (method: string, pattern: string, handle: Route['handle'], type = resourceType): Route => ({ method, pattern, provider: 'ml', resourceType: type, handle });
  return [
    route('GET', `${WS}/${family.segment}`, (call) => listResponse(listChildren(call.ctx, 'assets', workspaceOf(call).id, family.segment).map((c) => withVersionInfo(call.ctx, c)))),
    route('GET', container, (call) => jsonResponse(withVersionInfo(call.ctx, findResource(call.ctx, 'assets', containerId(call, family))))),
    route('PUT', container, putContainer(family)),
    route('DELETE', container, deleteContainer(family)),
    route('GET', `${container}/versions`, listVersions(family), `${resourceType}/versions`),
    route('GET', version, (call) => jsonResponse(findResource(call.ctx, 'assets', `${containerId(call, family)}/versions/${call.params.version}`)), `${resourceType}/versions`),
    route('PUT', version, putVersion(family), `${resourceType}/versions`),
    route('DELETE', version, deleteVersion(family), `${resourceType}/versions`),
  ];
}

export const assetRoutes: Route[] = FAMILIES.flatMap(familyRoutes);
