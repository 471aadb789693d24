// Which api-versions each resource provider accepts, and ARM's refusals of the others.
import { ArmError } from './errors';

/**
 * Microsoft.MachineLearningServices: 2022-10-01 (@azure/arm-machinelearning), 2023-04-01
 * (mirrorTraffic), and what azure-ai-ml 1.2x (and so `az ml`) sends for the implemented operations:
 * online endpoints 2022-02-01-preview; code versions 2023-04-01; environments, data, jobs and
 * online deployments 2023-04-01-preview; computes and models 2023-08-01-preview; components, jobs,
 * data and datastore secrets 2024-01-01-preview; usages and VM sizes 2024-04-01-preview; workspaces
 * and datastores 2024-07-01-preview; 2024-04-01, which Microsoft's agentless wait sends to PATCH a job's
 * webhooks; batch operations 2022-05-01 and 2023-10-01. Every version is
 * served with the 2022-10-01 shapes: a property a version does not know is ignored on input and left
 * out of responses (see knowsMirrorTraffic).
 */
export const ML_API_VERSIONS = [
  '2022-02-01-preview',
  '2022-05-01',
  '2022-10-01',
  '2023-04-01',
  '2023-04-01-preview',
  '2023-08-01-preview',
  '2023-10-01',
  '2024-01-01-preview',
  '2024-04-01',
  '2024-04-01-preview',
  '2024-07-01-preview',
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
