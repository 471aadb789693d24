// Which api-versions each resource provider accepts, and ARM's refusals of the others.
import { ArmError } from './errors';

/** Microsoft.MachineLearningServices: the SDK's version, and 2023-04-01 for mirrorTraffic. */
export const ML_API_VERSIONS = ['2022-10-01', '2023-04-01'];

/** Microsoft.Resources (subscriptions, resource groups): versions common SDKs and CLIs send. */
export const RESOURCES_API_VERSIONS = [
  '2024-11-01', '2024-03-01', '2023-07-01', '2022-12-01', '2022-09-01', '2021-04-01', '2021-01-01',
  '2020-10-01', '2020-06-01', '2020-01-01', '2019-11-01', '2019-10-01', '2019-06-01', '2018-05-01',
  '2016-06-01', '2016-02-01', '2015-11-01',
];

export type Provider = 'resources' | 'ml';

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
  if (!ML_API_VERSIONS.includes(version)) {
    throw new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}' and API version '${version}' for type '${resourceType}'. The supported api-versions are '${ML_API_VERSIONS.join(', ')}'. The supported locations are '${location}'.`,
    );
  }
  return version;
}

/** True when the version carries the 2023-04-01 additions (mirrorTraffic). */
export function atLeast(version: string, minimum: string): boolean {
  return version >= minimum;
}
