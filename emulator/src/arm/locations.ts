// Regional APIs: vCPU usages, workspace quotas and virtual machine sizes.
import type { ServiceContext } from '../contract';
import { familyUsage } from './computeNodes';
import { type ArmResource, ML_NAMESPACE, listResponse } from './resources';
import type { Route } from './router';
import { TOTAL_DEDICATED_LIMIT, TOTAL_LOW_PRIORITY_LIMIT, VM_SIZES, families, familyDisplayName, familyLimit } from './vmSizes';

const LOCATION = `/subscriptions/{subscriptionId}/providers/${ML_NAMESPACE}/locations/{location}`;

function usageName(value: string, localizedValue: string) {
  return { value, localizedValue };
}

function usages(ctx: ServiceContext, location: string) {
  const sub = `/subscriptions/${ctx.facts.subscriptionId}`;
  const perFamily = families().map((family) => ({
    id: `${sub}/providers/${ML_NAMESPACE}/vmFamily/${family}/usages`,
    amlWorkspaceLocation: location,
    type: `${ML_NAMESPACE}/vmFamily/usages`,
    currentValue: familyUsage(ctx, family),
    limit: familyLimit(ctx, location, family),
    name: usageName(family, `${familyDisplayName(family)} Cluster Dedicated vCPUs`),
    unit: 'Count',
  }));
  const total = perFamily.reduce((sum, u) => sum + u.currentValue, 0);
  return [
    { id: `${sub}/usages`, amlWorkspaceLocation: location, type: `${ML_NAMESPACE}/dedicatedCores/usages`, currentValue: total, limit: TOTAL_DEDICATED_LIMIT, name: usageName('Total Cluster Dedicated Regional vCPUs', 'Total Cluster Dedicated Regional vCPUs'), unit: 'Count' },
    ...perFamily,
    { id: `${sub}/usages`, amlWorkspaceLocation: location, type: `${ML_NAMESPACE}/lowPriorityCores/usages`, currentValue: 0, limit: TOTAL_LOW_PRIORITY_LIMIT, name: usageName('Total Cluster LowPriority Regional vCPUs', 'Total Cluster LowPriority Regional vCPUs'), unit: 'Count' },
  ];
}

function workspaceQuotas(ctx: ServiceContext, location: string) {
  const workspaces = ctx.store.list<ArmResource>('arm.workspaces').map(({ value }) => value).filter((w) => (w.location ?? '').toLowerCase() === location.toLowerCase());
  return workspaces.flatMap((w) =>
    families().map((family) => ({
      id: `${w.id}/quotas/${family}`,
      amlWorkspaceLocation: location,
      type: `${ML_NAMESPACE}/workspaces/quotas`,
      name: usageName(family, `${familyDisplayName(family)} Cluster Dedicated vCPUs`),
      limit: familyLimit(ctx, location, family),
      unit: 'Count',
    })),
  );
}

export const locationRoutes: Route[] = [
  { method: 'GET', pattern: `${LOCATION}/usages`, provider: 'ml', resourceType: 'locations/usages', handle: ({ ctx, params }) => listResponse(usages(ctx, params.location)) },
  { method: 'GET', pattern: `${LOCATION}/quotas`, provider: 'ml', resourceType: 'locations/quotas', handle: ({ ctx, params }) => listResponse(workspaceQuotas(ctx, params.location)) },
  {
    method: 'GET',
    pattern: `${LOCATION}/vmSizes`,
    provider: 'ml',
    resourceType: 'locations/vmSizes',
    handle: () => listResponse(VM_SIZES.map((s) => ({ ...s, estimatedVMPrices: null }))),
  },
];
