// VM sizes a managed online deployment may use, from Microsoft Learn's "Managed online endpoints
// SKU list" (azure/machine-learning/reference-managed-online-endpoints-vm-sku-list). The service
// refuses any other instance_type only after the endpoint is provisioning; checking here fails in
// seconds with the list. Kubernetes deployments use the cluster's own instance types instead.

export const MANAGED_ONLINE_SKUS: Readonly<Record<string, readonly string[]>> = {
  'general purpose': [
    'Standard_DS1_v2', 'Standard_DS2_v2', 'Standard_DS3_v2', 'Standard_DS4_v2', 'Standard_DS5_v2',
    'Standard_D2a_v4', 'Standard_D4a_v4', 'Standard_D8a_v4', 'Standard_D16a_v4', 'Standard_D32a_v4', 'Standard_D48a_v4',
    'Standard_D64a_v4', 'Standard_D96a_v4',
    'Standard_D2as_v4', 'Standard_D4as_v4', 'Standard_D8as_v4', 'Standard_D16as_v4', 'Standard_D32as_v4',
    'Standard_D48as_v4', 'Standard_D64as_v4', 'Standard_D96as_v4',
  ],
  'compute optimized': [
    'Standard_F2s_v2', 'Standard_F4s_v2', 'Standard_F8s_v2', 'Standard_F16s_v2', 'Standard_F32s_v2', 'Standard_F48s_v2',
    'Standard_F64s_v2', 'Standard_F72s_v2',
    'Standard_FX4mds', 'Standard_FX12mds', 'Standard_FX24mds', 'Standard_FX36mds', 'Standard_FX48mds',
  ],
  'memory optimized': [
    'Standard_E2s_v3', 'Standard_E4s_v3', 'Standard_E8s_v3', 'Standard_E16s_v3', 'Standard_E32s_v3', 'Standard_E48s_v3',
    'Standard_E64s_v3',
    'Standard_E2as_v4', 'Standard_E4as_v4', 'Standard_E8as_v4', 'Standard_E16as_v4', 'Standard_E20as_v4',
    'Standard_E32as_v4', 'Standard_E48as_v4', 'Standard_E64as_v4', 'Standard_E96as_v4',
  ],
  gpu: [
    'Standard_NC4as_T4_v3', 'Standard_NC8as_T4_v3', 'Standard_NC16as_T4_v3', 'Standard_NC64as_T4_v3',
    'Standard_NC6s_v2', 'Standard_NC12s_v2', 'Standard_NC24s_v2',
    'Standard_NC6s_v3', 'Standard_NC12s_v3', 'Standard_NC24s_v3', 'Standard_NC24rs_v3',
    'Standard_NC24ads_A100_v4', 'Standard_NC48ads_A100_v4', 'Standard_NC96ads_A100_v4',
    'Standard_ND40rs_v2', 'Standard_ND96asr_v4', 'Standard_ND96amsr_A100_v4',
    'Standard_NC40ads_H100_v5', 'Standard_NC80adis_H100_v5', 'Standard_ND96isr_H100_v5',
  ],
};

/** Every managed online SKU, for lookups and messages. */
export const ALL_MANAGED_ONLINE_SKUS: readonly string[] = Object.values(MANAGED_ONLINE_SKUS).flat();

/**
 * SmallSKUs in azure.ai.ml.constants._endpoint: az ml warns that these may be too small for the
 * inference server and the model (minimum recommended: Standard_DS3_v2).
 */
export const SMALL_MANAGED_ONLINE_SKUS: readonly string[] = ['Standard_DS1_v2', 'Standard_DS2_v2'];

/** The SKU as Azure spells it, matched case-insensitively (the service ignores case), or undefined. */
export function managedOnlineSku(name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  return ALL_MANAGED_ONLINE_SKUS.find((sku) => sku.toLowerCase() === lower);
}
