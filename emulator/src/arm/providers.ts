// Resource provider registrations (Microsoft.Resources' providers API): which namespaces the
// subscription has registered, with their resource types, api-versions and locations. Clients ask
// here before they address a resource generically: `az resource show --ids <id>` reads the type's
// api-versions and takes the newest stable one.
import type { ServiceContext } from '../contract';
import { ML_API_VERSIONS, RESOURCES_API_VERSIONS } from './apiVersions';
import { ArmError } from './errors';
import { ML_NAMESPACE, jsonResponse, listResponse } from './resources';
import type { Route } from './router';

const RESOURCES_NAMESPACE = 'Microsoft.Resources';

/** Azure's display names of the regions the emulator may be configured with. */
const REGION_DISPLAY_NAMES: Record<string, string> = {
  eastus: 'East US',
  eastus2: 'East US 2',
  westus: 'West US',
  westus2: 'West US 2',
  westus3: 'West US 3',
  centralus: 'Central US',
  northeurope: 'North Europe',
  westeurope: 'West Europe',
  uksouth: 'UK South',
  swedencentral: 'Sweden Central',
  southeastasia: 'Southeast Asia',
  australiaeast: 'Australia East',
  japaneast: 'Japan East',
};

function regionDisplayName(location: string): string {
  return REGION_DISPLAY_NAMES[location.toLowerCase()] ?? location;
}

interface ResourceTypeRegistration {
  resourceType: string;
  locations: string[];
  apiVersions: string[];
  defaultApiVersion?: string;
  capabilities: string;
}

/** Newest first (descending, so a date's preview before its stable version), as ARM lists them. */
function newestFirst(versions: string[]): string[] {
  return [...versions].sort().reverse();
}

function newestStable(versions: string[]): string | undefined {
  return newestFirst(versions).find((v) => !v.endsWith('-preview'));
}

function providerDocument(ctx: ServiceContext, namespace: string, resourceTypes: string[], apiVersions: string[], scope: 'subscription' | 'tenant'): Record<string, unknown> {
  const global = namespace === RESOURCES_NAMESPACE;
  const types: ResourceTypeRegistration[] = resourceTypes.map((resourceType) => ({
    resourceType,
    locations: global ? [] : [regionDisplayName(ctx.facts.location)],
    apiVersions: newestFirst(apiVersions),
    defaultApiVersion: newestStable(apiVersions),
    capabilities: resourceType === 'workspaces' || resourceType === 'workspaces/computes' || resourceType === 'workspaces/onlineEndpoints' ? 'SystemAssignedResourceIdentity, SupportsTags, SupportsLocation' : 'None',
  }));
  const document: Record<string, unknown> = { id: `/providers/${namespace}`, namespace, resourceTypes: types };
  if (scope === 'subscription') {
    document.id = `/subscriptions/${ctx.facts.subscriptionId}/providers/${namespace}`;
    document.registrationState = 'Registered';
    document.registrationPolicy = global ? 'RegistrationFree' : 'RegistrationRequired';
  }
  return document;
}

/**
 * The provider routes for the routes the emulator serves: a namespace's resource types are those of its
 * routes (Microsoft.Resources' too), so what is registered is exactly what is implemented.
 */
export function providerRoutes(served: Route[]): Route[] {
  const typesOf = (provider: Route['provider']) => [...new Set(served.filter((r) => r.provider === provider && r.authenticated !== false).map((r) => r.resourceType))].sort();
  const registrations = (ctx: ServiceContext, scope: 'subscription' | 'tenant') => [
    providerDocument(ctx, ML_NAMESPACE, typesOf('ml'), ML_API_VERSIONS, scope),
    providerDocument(ctx, RESOURCES_NAMESPACE, [...typesOf('resources'), 'providers'], RESOURCES_API_VERSIONS, scope),
  ];
  const one = (ctx: ServiceContext, namespace: string, scope: 'subscription' | 'tenant') => {
    const found = registrations(ctx, scope).find((p) => String(p.namespace).toLowerCase() === namespace.toLowerCase());
    if (!found) {
      throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${namespace}' is invalid.`);
    }
    return jsonResponse(found);
  };
  // Reading registrations needs only a valid token: ARM lets any principal of the subscription read them.
  return [
    { method: 'GET', pattern: '/subscriptions/{subscriptionId}/providers', provider: 'resources', resourceType: 'providers', authorized: false, handle: ({ ctx }) => listResponse(registrations(ctx, 'subscription')) },
    { method: 'GET', pattern: '/subscriptions/{subscriptionId}/providers/{namespace}', provider: 'resources', resourceType: 'providers', authorized: false, handle: ({ ctx, params }) => one(ctx, params.namespace, 'subscription') },
    { method: 'GET', pattern: '/providers', provider: 'resources', resourceType: 'providers', authorized: false, handle: ({ ctx }) => listResponse(registrations(ctx, 'tenant')) },
    { method: 'GET', pattern: '/providers/{namespace}', provider: 'resources', resourceType: 'providers', authorized: false, handle: ({ ctx, params }) => one(ctx, params.namespace, 'tenant') },
  ];
}
