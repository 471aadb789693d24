// dryRun: the exact requests the task would send, nothing sent. Local code and model folders are hashed (a
// missing or empty folder fails here too) but not uploaded; values known only after upload stay placeholders.
import type { BatchDeploymentTranslation, DeploymentTranslation } from "../deploySpec";
import { describePending } from "../workspace/pendingUploads";

export const LOCATION_PLACEHOLDER = "<the workspace's location>";

/** The endpoint part of a dry run: the create body (with the placeholder location) and what happens to an existing one. */
export interface DryRunEndpoint {
  warnings: string[];
  createBody: unknown;
  existingNote: string;
}

export function deployDryRunReport(endpointPath: string, endpoint: DryRunEndpoint | undefined, deployment: DeploymentTranslation | BatchDeploymentTranslation): string[] {
  const lines = ["Dry run: nothing is uploaded, created or changed."];
  for (const warning of [...(endpoint?.warnings ?? []), ...deployment.warnings]) lines.push(`Warning: ${warning}`);
  if (endpoint) {
    lines.push(`PUT ${endpointPath}?api-version=2023-04-01 (when the endpoint does not exist; ${endpoint.existingNote})`);
    lines.push(JSON.stringify(endpoint.createBody, null, 2));
  }
  if (deployment.pending.length > 0) lines.push("Resolved before deploying:", ...deployment.pending.map((item) => `  ${describePending(item)}`));
  for (const environment of deployment.environments) lines.push(`PUT environments/${environment.name}/versions/${environment.version}`, JSON.stringify(environment.body, null, 2));
  for (const component of deployment.components) lines.push(`PUT components/azureml_anonymous/versions/<hash of the resolved spec> (${component.origin})`, JSON.stringify({ properties: { componentSpec: component.spec, ...component.properties } }, null, 2));
  for (const model of deployment.models) lines.push(`PUT models/${model.name ?? "<anonymous>"}/versions/${model.version ?? "1"} (${model.origin})`, JSON.stringify({ properties: model.properties }, null, 2));
  for (const data of deployment.dataAssets) lines.push(`PUT data/${data.name}/versions/${data.version}`, JSON.stringify(data.body, null, 2));
  lines.push(`PUT ${endpointPath}/deployments/${deployment.name}?api-version=${deployment.apiVersion}`);
  lines.push(JSON.stringify({ location: LOCATION_PLACEHOLDER, ...deployment.body }, null, 2));
  return lines;
}
