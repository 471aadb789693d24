// The region's virtual machine sizes and the subscription's per-family vCPU quota, as Azure ML
// reports them through its usages, quotas and vmSizes APIs.
import type { ServiceContext } from '../contract';

export interface VmSize {
  name: string;
  family: string;
  vCPUs: number;
  gpus: number;
  memoryGB: number;
  osVhdSizeMB: number;
  maxResourceVolumeMB: number;
  lowPriorityCapable: boolean;
  premiumIO: boolean;
  supportedComputeTypes: string[];
}

const ALL_TYPES = ['AmlCompute', 'ComputeInstance'];

function size(name: string, family: string, vCPUs: number, memoryGB: number, gpus = 0, premiumIO = true): VmSize {
  return { name, family, vCPUs, gpus, memoryGB, osVhdSizeMB: 1047552, maxResourceVolumeMB: vCPUs * 7168, lowPriorityCapable: true, premiumIO, supportedComputeTypes: ALL_TYPES };
}

export const VM_SIZES: VmSize[] = [
  size('Standard_DS2_v2', 'standardDSv2Family', 2, 7),
  size('Standard_DS3_v2', 'standardDSv2Family', 4, 14),
  size('Standard_DS4_v2', 'standardDSv2Family', 8, 28),
  size('Standard_DS5_v2', 'standardDSv2Family', 16, 56),
  size('Standard_D2_v2', 'standardDv2Family', 2, 7, 0, false),
  size('Standard_D3_v2', 'standardDv2Family', 4, 14, 0, false),
  size('Standard_D4s_v3', 'standardDSv3Family', 4, 16),
  size('Standard_D8s_v3', 'standardDSv3Family', 8, 32),
  size('Standard_E4s_v3', 'standardESv3Family', 4, 32),
  size('Standard_F4s_v2', 'standardFSv2Family', 4, 8),
  size('Standard_NC6', 'standardNCFamily', 6, 56, 1, false),
  size('Standard_NC6s_v3', 'standardNCSv3Family', 6, 112, 1),
  size('Standard_NC4as_T4_v3', 'standardNCASv3_T4Family', 4, 28, 1),
];

/** Family display names, as in usage names ("Standard DSv2 Family Cluster Dedicated vCPUs"). */
const FAMILY_DISPLAY: Record<string, string> = {
  standardDSv2Family: 'Standard DSv2 Family',
  standardDv2Family: 'Standard Dv2 Family',
  standardDSv3Family: 'Standard DSv3 Family',
  standardESv3Family: 'Standard ESv3 Family',
  standardFSv2Family: 'Standard FSv2 Family',
  standardNCFamily: 'Standard NC Family',
  standardNCSv3Family: 'Standard NCSv3 Family',
  standardNCASv3_T4Family: 'Standard NCASv3_T4 Family',
};

/** Seeded regional limits (vCPUs): CPU families usable, GPU families at 0 as in a new subscription. */
const DEFAULT_FAMILY_LIMITS: Record<string, number> = {
  standardDSv2Family: 24,
  standardDv2Family: 24,
  standardDSv3Family: 24,
  standardESv3Family: 24,
  standardFSv2Family: 24,
  standardNCFamily: 0,
  standardNCSv3Family: 0,
  standardNCASv3_T4Family: 0,
};
export const TOTAL_DEDICATED_LIMIT = 100;
export const TOTAL_LOW_PRIORITY_LIMIT = 100;

export function families(): string[] {
  return Object.keys(FAMILY_DISPLAY);
}

export function familyDisplayName(family: string): string {
  return FAMILY_DISPLAY[family] ?? family;
}

export function findVmSize(name: string): VmSize | undefined {
  return VM_SIZES.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

const QUOTAS = 'arm.quotas';

function quotaKey(location: string, family: string): string {
  return `${location.toLowerCase()}/${family.toLowerCase()}`;
}

/** The subscription's regional dedicated vCPU limit for a VM family. */
export function familyLimit(ctx: ServiceContext, location: string, family: string): number {
  return ctx.store.get<{ limit: number }>(QUOTAS, quotaKey(location, family))?.limit ?? DEFAULT_FAMILY_LIMITS[family] ?? 0;
}

/** Sets a family's regional limit (seeding, and tests or the admin API simulating exhausted quota). */
export function setFamilyLimit(ctx: ServiceContext, location: string, family: string, limit: number): void {
  ctx.store.put(QUOTAS, quotaKey(location, family), { limit });
}

export function seedQuotas(ctx: ServiceContext): void {
  for (const [family, limit] of Object.entries(DEFAULT_FAMILY_LIMITS)) setFamilyLimit(ctx, ctx.facts.location, family, limit);
}
