// Kubernetes online deployments fail late and obscurely in Azure when the compute is wrong, so the common
// mistakes are checked first, in seconds: the endpoint's compute is attached, healthy and a Kubernetes compute
// with a namespace, and the instance type is one it defines.
import { checkKubernetesInstanceType, type DeploymentTranslation } from "../deploySpec";
import { UserError } from "../platform/userError";
import type { OnlineEndpointsApi } from "../workspace/onlineEndpoints";

/** The compute name of an ARM id or azureml:name reference. */
export function computeNameOf(compute: string): string {
  return compute.replace(/^azureml:/, "").split("/").pop() ?? compute;
}

export async function checkKubernetesCompute(api: OnlineEndpointsApi, computeRef: string, translation: DeploymentTranslation, log: (message: string) => void): Promise<void> {
  const name = computeNameOf(computeRef);
  const compute = await api.getCompute(name);
  const workspace = api.scope.workspace;
  if (!compute) throw new UserError(`Kubernetes compute '${name}' of endpoint '${translation.endpointName}' is not attached to workspace '${workspace}'. Attach the cluster (az ml compute attach --type Kubernetes) or use an endpoint on an attached compute.`);
  const { computeType, provisioningState, provisioningErrors, properties } = compute.properties;
  if (computeType !== "Kubernetes") throw new UserError(`Compute '${name}' of endpoint '${translation.endpointName}' is a ${computeType ?? "non-Kubernetes"} compute; Kubernetes online endpoints need an attached Kubernetes (AKS or Arc) compute.`);
  if (provisioningState !== "Succeeded") {
    const why = (provisioningErrors ?? []).map((e) => e.error?.message).filter(Boolean).join("; ");
    throw new UserError(`Kubernetes compute '${name}' is not healthy (provisioning state ${provisioningState ?? "unknown"})${why ? `: ${why}` : ""}. Fix the attachment or the cluster's Azure ML extension first.`);
  }
  if (!properties?.namespace) throw new UserError(`Kubernetes compute '${name}' has no namespace configured; set one when attaching the compute.`);
  checkKubernetesInstanceType(translation, name, Object.keys(properties.instanceTypes ?? {}), properties.defaultInstanceType);
  log(`Kubernetes compute '${name}': healthy, namespace '${properties.namespace}', instance type '${translation.instanceType ?? properties.defaultInstanceType}'.`);
}
