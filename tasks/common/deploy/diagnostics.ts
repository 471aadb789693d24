// Why a deployment failed, in the log: the service's error with its details, then the last lines of both
// containers' logs (storage initializer: code and model download; inference server: the scoring script's
// init and tracebacks). Never a bare "Failed".
import { errorMessage } from "../platform/userError";
import type { DeploymentContainer, OnlineDeploymentResource, OnlineEndpointsApi } from "../workspace/onlineEndpoints";

export const LOG_TAIL_LINES = 100;
const CONTAINERS: DeploymentContainer[] = ["StorageInitializer", "InferenceServer"];

interface ServiceError {
  code?: string;
  message?: string;
  details?: ServiceError[];
}

/** The error ARM reports on a failed deployment (properties.error, or the async operation's), as lines. */
export function serviceErrorLines(deployment: OnlineDeploymentResource | undefined): string[] {
  const error = (deployment?.properties as { error?: ServiceError } | undefined)?.error;
  if (!error) return [];
  const lines: string[] = [];
  const walk = (e: ServiceError, depth: number) => {
    lines.push(`${"  ".repeat(depth)}${e.code ? `${e.code}: ` : ""}${e.message ?? ""}`);
    for (const detail of e.details ?? []) walk(detail, depth + 1);
  };
  walk(error, 0);
  return lines;
}

export async function printFailureDiagnostics(api: OnlineEndpointsApi, endpoint: string, deployment: string, last: OnlineDeploymentResource | undefined, log: (message: string) => void, signal?: AbortSignal): Promise<void> {
  const errors = serviceErrorLines(last);
  if (errors.length > 0) log(["The service reports:", ...errors.map((l) => `  ${l}`)].join("\n"));
  for (const container of CONTAINERS) {
    try {
      const content = await api.getLogs(endpoint, deployment, container, LOG_TAIL_LINES, signal);
      log(`----- ${container} log of deployment '${deployment}' (last ${LOG_TAIL_LINES} lines) -----\n${content.trim() || "(empty)"}`);
    } catch (error) {
      log(`The ${container} log of deployment '${deployment}' could not be read: ${errorMessage(error)}`);
    }
  }
}
