// Quota arithmetic: can the region's vCPU quota give a cluster the nodes a job needs? Azure ML reports a
// limit and current usage per VM family and for all dedicated (or low-priority) cluster vCPUs in the region;
// a scale-up must fit within both.
import type { Usage, VirtualMachineSize } from "@azure/arm-machinelearning";

export interface QuotaCheck {
  /** The VM family as the vmSizes API names it (standardDSv2Family). */
  family: string;
  vCPUsPerNode: number;
  nodesToAdd: number;
  coresNeeded: number;
  /** Free vCPUs: the tighter of the family's and the regional total's limit minus usage. */
  availableCores: number;
  /** Which limit is the tighter one, for the message: "Standard DSv2 Family Cluster Dedicated vCPUs: 16 of 24 in use". */
  limitDescription: string;
  shortfall: boolean;
}

export type QuotaResult = { verified: true; check: QuotaCheck } | { verified: false; reason: string };

/**
 * Usage names differ in spelling between the family (standardDSv2Family), the usage's value and
 * localizedValue ("Standard DSv2 Family Cluster Dedicated vCPUs") and its id (Standard_DSv2_Family_Cluster_Dedicated_vCPUs).
 */
export function familyKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "").replace(/cluster(dedicated|lowpriority)vcpus$/, "");
}

function usageLabel(usage: Usage): string {
  return usage.name?.localizedValue || usage.name?.value || usage.type || "usage";
}

function isWorkspaceUsage(usage: Usage): boolean {
  return /\/workspaces\/usages$/i.test(usage.type ?? "");
}

export function findFamilyUsage(usages: Usage[], family: string): Usage | undefined {
  const key = familyKey(family);
  return usages.find((usage) => !isWorkspaceUsage(usage) && [usage.name?.value, usage.name?.localizedValue].some((name) => name !== undefined && familyKey(name) === key));
}

function findTotalUsage(usages: Usage[], lowPriority: boolean): Usage | undefined {
  const wanted = lowPriority ? "totalclusterlowpriorityregionalvcpus" : "totalclusterdedicatedregionalvcpus";
  return usages.find((usage) => !isWorkspaceUsage(usage) && familyKey(usage.name?.value ?? "") === wanted);
}

function free(usage: Usage): number {
  return Math.max(0, (usage.limit ?? 0) - (usage.currentValue ?? 0));
}

/**
 * Whether `nodesToAdd` more nodes of `vmSize` fit in the regional quota. Dedicated nodes count against
 * their family and the dedicated total; low-priority nodes only against the low-priority total.
 */
export function checkQuota(vmSize: VirtualMachineSize | undefined, usages: Usage[], nodesToAdd: number, vmPriority?: string): QuotaResult {
  if (!vmSize?.family || !vmSize.vCPUs) {
    return { verified: false, reason: "the VM size is not in the region's list of virtual machine sizes" };
  }
  const lowPriority = vmPriority?.toLowerCase() === "lowpriority";
  const family = lowPriority ? undefined : findFamilyUsage(usages, vmSize.family);
  const total = findTotalUsage(usages, lowPriority);
  if (lowPriority ? !total : !family) {
    return { verified: false, reason: `the usages API reports no ${lowPriority ? "low-priority vCPU quota" : `quota for VM family ${vmSize.family}`}` };
  }
  const limits = [family, total].filter((u): u is Usage => u !== undefined);
  const tightest = limits.reduce((a, b) => (free(b) < free(a) ? b : a));
  const coresNeeded = nodesToAdd * vmSize.vCPUs;
  const availableCores = free(tightest);
  return {
    verified: true,
    check: {
      family: vmSize.family,
      vCPUsPerNode: vmSize.vCPUs,
      nodesToAdd,
      coresNeeded,
      availableCores,
      limitDescription: `${usageLabel(tightest)}: ${tightest.currentValue ?? 0} of ${tightest.limit ?? 0} in use`,
      shortfall: coresNeeded > availableCores,
    },
  };
}
