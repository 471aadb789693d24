// Which api-versions each resource provider accepts, and ARM's refusals of the others.
import { ArmError } from './errors';

/**
 * Microsoft.MachineLearningServices: every api-version the resource provider publishes, stable and
 * preview: the version folders of azure-rest-api-specs' specification/machinelearningservices/
 * resource-manager/Microsoft.MachineLearningServices/{stable,preview}/, as Microsoft's ARM template
 * reference lists them (learn.microsoft.com/azure/templates/microsoft.machinelearningservices, generated
 * from those specs; list as of 2024-10-01) and 2020-04-01-preview, a specs folder that reference omits.
 * azure-ai-ml 1.4.0 (Debian's python3-azure) sends 2022-10-01-preview for workspaces,
 * computes and jobs; 1.2x sends 2023-04-01-preview ... 2024-07-01-preview; @azure/arm-machinelearning
 * 2.x sends 2022-10-01; az resource show picks the newest stable one (2024-10-01). Every version is
 * served with the same behaviour and the 2022-10-01 shapes: a property a version does not know is
 * ignored on input and left out of responses (see knowsMirrorTraffic).
 */
export const ML_API_VERSIONS = [
  '2018-03-01-preview', '2018-11-19', '2019-05-01', '2019-06-01', '2019-11-01', '2020-01-01', '2020-02-18-preview',
  '2020-03-01', '2020-04-01', '2020-04-01-preview', '2020-05-01-preview', '2020-05-15-preview', '2020-06-01', '2020-08-01', '2020-09-01-preview',
  '2021-01-01', '2021-03-01-preview', '2021-04-01', '2021-07-01', '2022-01-01-preview', '2022-02-01-preview', '2022-05-01',
  '2022-06-01-preview', '2022-10-01', '2022-10-01-preview', '2022-12-01-preview', '2023-02-01-preview', '2023-04-01',
  '2023-04-01-preview', '2023-06-01-preview', '2023-08-01-preview', '2023-10-01', '2024-01-01-preview', '2024-04-01',
  '2024-04-01-preview', '2024-07-01-preview', '2024-10-01', '2024-10-01-preview',
];

/** Microsoft.Resources (subscriptions, resource groups): versions common SDKs and CLIs send. */
export const RESOURCES_API_VERSIONS = [
  '2024-11-01', '2024-03-01', '2023-07-01', '2022-12-01', '2022-09-01', '2021-04-01', '2021-01-01',
  '2020-10-01', '2020-06-01', '2020-01-01', '2019-11-01', '2019-10-01', '2019-06-01', '2018-05-01',
  '2016-06-01', '2016-02-01', '2015-11-01',
];

/** Microsoft.Insights metrics (Azure Monitor): the versions its clients send. */
export const INSIGHTS_API_VERSIONS = ['2018-01-01', '2019-07-01', '2021-05-01', '2023-10-01', '2024-02-01'];

export type Provider = 'resources' | 'ml' | 'insights';

/** Returns the request's api-version, or throws ARM's 400 for a missing or unsupported one. */
export function checkApiVersion(url: URL, provider: Provider, resourceType: string, location: string): string {
  const version = url.searchParams.get('api-version');
  if (!version) {
    throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  }
  if (provider === 'resources') {
    if (!RESOURCES_API_VERSIONS.includes(version)) {
      throw new ArmError(
        400,
        'InvalidApiVersionParameter',
        `The api-version '${version}' is invalid. The supported versions are '${RESOURCES_API_VERSIONS.join(',')}'. Please see https://aka.ms/api-upgrade for more details.`,
      );
    }
    return version;
  }
  if (provider === 'insights') {
    if (!INSIGHTS_API_VERSIONS.includes(version)) {
      throw new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location '${location}' and API version '${version}' for type '${resourceType}'. The supported api-versions are '${INSIGHTS_API_VERSIONS.join(', ')}'.`);
    }
    return version;
  }
  if (!ML_API_VERSIONS.includes(version)) {
    throw new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}' and API version '${version}' for type '${resourceType}'. The supported api-versions are '${ML_API_VERSIONS.join(', ')}'. The supported locations are '${location}'.`,
    );
  }
  return version;
}

/** True for versions whose OnlineEndpoint has mirrorTraffic: the previews and 2023-04-01 onwards (2022-05-01 and 2022-10-01 lack it). */
export function knowsMirrorTraffic(version: string): boolean {
  return version.endsWith('-preview') || version.slice(0, 10) >= '2023-04-01';
}

/** A resource as a client of `version` sees it: properties that version lacks are left out, like ARM. */
export function forApiVersion<T extends { type: string; properties: Record<string, unknown> }>(resource: T, version: string): T {
  if (!resource.type.toLowerCase().endsWith('/onlineendpoints') || knowsMirrorTraffic(version) || !('mirrorTraffic' in resource.properties)) return resource;
  const { mirrorTraffic: _unknownToVersion, ...properties } = resource.properties;
  return { ...resource, properties };
}
