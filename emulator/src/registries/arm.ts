// A registry's model versions on management.azure.com (Microsoft.MachineLearningServices/registries/{r}/models/
// {name}/versions/{v}: GET, list, PUT), as the REST API and newer azure-ai-ml read and write them: the same
// versions the registry's own resource provider path serves, behind ARM's checks (token, api-version, RBAC).
import type { RegistryFacts } from '../contract';
import { ArmError, resourceNotFound } from '../arm/errors';
import { jsonResponse, listResponse } from '../arm/resources';
import { type ArmCall, type Route, jsonBody } from '../arm/router';
import { createVersion, findRegistry, listVersions, readVersion } from './index';

const REGISTRY = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/registries/{registryName}';

function registryOf(call: ArmCall): RegistryFacts {
  const registry = findRegistry(call.ctx, call.params.registryName);
  if (!registry || registry.resourceGroupName.toLowerCase() !== call.params.resourceGroupName.toLowerCase()) {
    throw resourceNotFound(`Microsoft.MachineLearningServices/registries/${call.params.registryName}`, call.params.resourceGroupName);
  }
  return registry;
}

const route = (method: string, pattern: string, handle: Route['handle']): Route => ({ method, pattern: `${REGISTRY}${pattern}`, provider: 'ml', resourceType: 'registries/models/versions', handle });

export const registryArmRoutes: Route[] = [
  route('GET', '/models/{name}/versions', (call) => listResponse(listVersions(call.ctx, registryOf(call), call.params.name))),
  route('GET', '/models/{name}/versions/{version}', (call) => {
    const registry = registryOf(call);
    const found = readVersion(call.ctx, registry, call.params.name, call.params.version);
    if (!found) throw resourceNotFound(`Microsoft.MachineLearningServices/registries/${registry.registryName}/models/${call.params.name}/versions/${call.params.version}`, call.params.resourceGroupName);
    return jsonResponse(found);
  }),
  route('PUT', '/models/{name}/versions/{version}', (call) => {
    const created = createVersion(call.ctx, registryOf(call), call.params.name, call.params.version, jsonBody(call) as Record<string, any> | undefined, call.principal);
    if ('refused' in created) throw new ArmError(created.refused.status, created.refused.code, created.refused.message);
    return jsonResponse(created.version, 201);
  }),
];
