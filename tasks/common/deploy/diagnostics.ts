// Why a deployment failed, in the log: the service's error with its details, then the last lines of both
// containers' logs (storage initializer: code and model download; inference server: the scoring script's
// init and tracebacks). Never a bare "Failed".
import { errorMessage } from "../platform/userError";
import type { DeploymentContainer, OnlineEndpointsApi, ServiceError } from "../workspace/onlineEndpoints";

export const LOG_TAIL_LINES = 100;
const CONTAINERS: DeploymentContainer[] = ["StorageInitializer", "InferenceServer"];

/** The service's error and its details, one line each, indented by depth. */
export function serviceErrorLines(error: ServiceError | undefined): string[] {
  if (!error) return [];
  const lines: string[] = [];
  const walk = (e: ServiceError, depth: number) => {
    lines.push(`${"  ".repeat(depth)}${e.code ? `${e.code}: ` : ""}${e.message ?? ""}`);
    for (const detail of e.details ?? []) walk(detail, depth + 1);
  };
  walk(error, 0);
  return lines;
}

/** The operation's error (read from its status document), then both containers' logs; returns the error. */
export async function printFailureDiagnostics(api: OnlineEndpointsApi, endpoint: string, deployment: string, operationUrl: string | undefined, log: (message: string) => void, signal?: AbortSignal): Promise<ServiceError | undefined> {
  let error: ServiceError | undefined;
  if (operationUrl) {
    try {
      error = await api.operationError(operationUrl, signal);
    } catch (failure) {
      log(`The deployment operation's error could not be read: ${errorMessage(failure)}`);
    }
  }
  const errors = serviceErrorLines(error);
  if (errors.length > 0) log(["The service reports:", ...errors.map((l) => `  ${l}`)].join("\n"));
  for (const container of CONTAINERS) {
    try {
      const content = await api.getLogs(endpoint, deployment, container, LOG_TAIL_LINES, signal);
      log(`----- ${container} log of deployment '${deployment}' (last ${LOG_TAIL_LINES} lines) -----\n${content.trim() || "(empty)"}`);
    } catch (error) {
      log(`The ${container} log of deployment '${deployment}' could not be read: ${errorMessage(error)}`);
    }
  }
  return error;
}
