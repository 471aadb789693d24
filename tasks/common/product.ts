// The extension's identity on the wire: every Azure call carries it in its User-Agent.
import { version } from "../../package.json";

export const extensionName = "azureml-devops-extension";
export const extensionVersion: string = version;

/**
 * "azureml-devops-extension/1.2.3 AzureMLWorkspace/1.0.0", plus what the agent asks Azure tasks to add
 * (AZURE_HTTP_USER_AGENT) so calls are attributed to the pipeline.
 */
export function userAgent(taskName: string, taskVersion: string): string {
  const agentSuffix = process.env.AZURE_HTTP_USER_AGENT?.trim();
  return [`${extensionName}/${extensionVersion}`, `${taskName}/${taskVersion}`, agentSuffix].filter(Boolean).join(" ");
}
