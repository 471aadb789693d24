// Public surface of the endpoint/deployment translator; see README.md for the flow.
export { JobSpecError as DeploySpecError } from '../jobSpec/yamlSource';
export {
  translateEndpointFile,
  translateEndpointText,
  translateDeploymentFile,
  translateDeploymentText,
  translateBatchEndpointFile,
  translateBatchDeploymentFile,
  fileFamily,
  type BatchDeploymentTranslation,
  type Family,
  checkDeploymentKind,
  checkKubernetesInstanceType,
  ONLINE_API_VERSION,
  ONLINE_PREVIEW_API_VERSION,
  type EndpointTranslateOptions,
  type DeploymentTranslateOptions,
  type DeploymentTranslation,
} from './translate';
export {
  finalizeEndpoint,
  mergeEndpointUpdate,
  AUTH_MODES,
  type EndpointTranslation,
  type ExistingOnlineEndpoint,
  type OnlineEndpointBody,
  type OnlineKind,
} from './endpoint';
export { finalizeDeployment, type DeploymentPlan, type DeploymentResolutions, type ModelVersionToCreate } from './finalize';
export {
  finalizeBatchEndpoint,
  mergeBatchEndpointUpdate,
  type BatchEndpointBody,
  type BatchEndpointTranslation,
  type ExistingBatchEndpoint,
} from './batchEndpoint';
export type { BatchDeploymentKind } from './batchDeployment';
export { ENDPOINT_MUTABLE_FIELDS, BATCH_ENDPOINT_MUTABLE_FIELDS, DEPLOYMENT_MUTABLE_FIELDS } from './schema';
export { MANAGED_ONLINE_SKUS, managedOnlineSku } from './skus';
export type { DataAssetToCreate } from './settings';
export type { ModelVersionTemplate } from './model';
