// ARM failures rendered for humans: what failed, why, on which scope, which role fixes it, and the ids
// Azure support needs to trace the call.
import { RestError } from "@azure/core-rest-pipeline";
import { retryAfterMs } from "./retry";

export interface ArmErrorDetail {
  code?: string;
  message?: string;
  target?: string;
}

export interface ArmFailure {
  status?: number;
  code?: string;
  message: string;
  target?: string;
  details: ArmErrorDetail[];
  method?: string;
  url?: string;
  clientRequestId?: string;
  armRequestId?: string;
  correlationId?: string;
  /** The wait the service asked for before another attempt (Retry-After and friends). */
  retryAfterMs?: number;
}

/** What the task was doing, so a 401/403 can name the action and scope even when ARM's message does not. */
export interface ArmOperation {
  action: string;
  scope: string;
}

/** Thrown by armRequest for a non-success ARM response; carries the parsed failure. */
export class ArmRequestError extends Error {
  constructor(readonly failure: ArmFailure) {
    super(failure.message);
    this.name = "ArmRequestError";
  }
}

interface ArmErrorBody {
  error?: { code?: string; message?: string; target?: string; details?: ArmErrorDetail[] };
  code?: string;
  message?: string;
}

type HeaderLookup = { get(name: string): string | undefined };

/** Builds an ArmFailure from a response body and headers (ARM's { error: { code, message, target, details } }). */
export function armFailureFromResponse(status: number, bodyText: string | undefined, headers: HeaderLookup, request?: { method?: string; url?: string; requestId?: string; headers?: HeaderLookup }): ArmFailure {
  let body: ArmErrorBody = {};
  try {
    body = bodyText ? (JSON.parse(bodyText) as ArmErrorBody) : {};
  } catch {
    body = { message: bodyText?.slice(0, 500) };
  }
  const error = body.error ?? body;
  return {
    status,
    code: error.code,
    message: error.message || `HTTP ${status}`,
    target: body.error?.target,
    details: body.error?.details ?? [],
    method: request?.method,
    url: request?.url,
    clientRequestId: request?.headers?.get("x-ms-client-request-id") ?? request?.requestId,
    armRequestId: headers.get("x-ms-request-id"),
    correlationId: headers.get("x-ms-correlation-request-id"),
    retryAfterMs: retryAfterMs(headers),
  };
}

/**
 * A success status whose body is not the JSON Azure sends: a proxy's or firewall's page answered instead of Azure.
 * Names the host and the route (the proxy in use) rather than a JSON SyntaxError.
 */
export function notJsonFailure(response: { status: number; bodyAsText?: string | null; headers: HeaderLookup }, request: { method?: string; url: string; requestId?: string; headers?: HeaderLookup }, route: string | undefined): ArmFailure {
  const host = new URL(request.url).host;
  const contentType = response.headers.get("content-type") || "no content type";
  const start = (response.bodyAsText ?? "").replace(/\s+/g, " ").trim().slice(0, 120);
  const via = route ? `The request went ${route}. ` : "";
  const advice = route?.startsWith("through the proxy")
    ? `The proxy (or a firewall behind it) answered instead of Azure: check the agent's proxy settings, and that the proxy lets ${host} through untouched.`
    : `Something between the agent and Azure (a firewall, a TLS-inspecting gateway or a captive portal) answered instead of Azure: check that the agent can reach ${host}, and configure the agent's proxy if it needs one.`;
  return {
    ...armFailureFromResponse(response.status, undefined, response.headers, request),
    code: "ResponseNotJson",
    message: `${host} answered ${request.method ?? "GET"} with HTTP ${response.status} but not with JSON (${contentType}: "${start}"). ${via}${advice}`,
  };
}

/** Parses the errors thrown by Azure SDK clients and armRequest; undefined for anything else. */
export function parseArmFailure(error: unknown): ArmFailure | undefined {
  if (error instanceof ArmRequestError) {
    return error.failure;
  }
  if (error instanceof RestError) {
    const response = error.response;
    if (!response) {
      return {
        code: error.code,
        message: error.message,
        details: [],
        method: error.request?.method,
        url: error.request?.url,
        clientRequestId: error.request?.requestId,
      };
    }
    return armFailureFromResponse(response.status, response.bodyAsText ?? undefined, response.headers, error.request);
  }
  return undefined;
}

/** The built-in role that grants an action, by the least privilege that covers it. */
export function roleForAction(action: string): string {
  const lower = action.toLowerCase();
  if (lower.startsWith("microsoft.machinelearningservices/registries/")) {
    return lower.endsWith("/read") ? "AzureML Registry User (or Reader)" : "AzureML Registry User (or Contributor)";
  }
  if (lower.endsWith("/read")) {
    return "Reader (or any role that includes it, such as AzureML Data Scientist)";
  }
  if (lower.startsWith("microsoft.machinelearningservices/workspaces/computes/")) {
    return "AzureML Compute Operator (or Contributor)";
  }
  if (lower.startsWith("microsoft.machinelearningservices/workspaces/") && !/^microsoft\.machinelearningservices\/workspaces\/(write|delete)$/.test(lower)) {
    return "AzureML Data Scientist (or Contributor)";
  }
  return "Contributor";
}

function permissionHint(failure: ArmFailure, operation?: ArmOperation): string | undefined {
  if (failure.status !== 403 && failure.status !== 401) {
    return undefined;
  }
  // ARM's AuthorizationFailed message: "... does not have authorization to perform action 'X' over scope 'Y' ..."
  const action = /perform action '([^']+)'/i.exec(failure.message)?.[1] ?? operation?.action;
  const scope = /over scope '([^']+)'/i.exec(failure.message)?.[1] ?? operation?.scope;
  if (failure.status === 401) {
    return "Azure rejected the service connection's token: check that the connection's tenant owns the subscription, that its secret or certificate has not expired, and that the identity still exists.";
  }
  if (!action) {
    return "The service connection's identity lacks a role assignment for this call.";
  }
  return `The service connection's identity is missing permission '${action}'${scope ? ` on scope '${scope}'` : ""}. Grant it the ${roleForAction(action)} role on that scope (or a parent scope), then re-run.`;
}

/** Multi-line, human-readable description of an ARM failure; never includes tokens. */
export function describeArmFailure(failure: ArmFailure, operation?: ArmOperation): string {
  const lines = [`${failure.code ? `${failure.code}: ` : ""}${failure.message}${failure.status ? ` (HTTP ${failure.status})` : ""}`];
  if (failure.target) {
    lines.push(`  target: ${failure.target}`);
  }
  for (const detail of failure.details) {
    lines.push(`  - ${detail.code ? `${detail.code}: ` : ""}${detail.message ?? ""}${detail.target ? ` (target: ${detail.target})` : ""}`);
  }
  const hint = permissionHint(failure, operation);
  if (hint) {
    lines.push(hint);
  }
  if (failure.method && failure.url) {
    lines.push(`  request: ${failure.method} ${failure.url.replace(/\?.*$/, "")}`);
  }
  const ids = [
    failure.clientRequestId && `x-ms-client-request-id ${failure.clientRequestId}`,
    failure.armRequestId && `x-ms-request-id ${failure.armRequestId}`,
    failure.correlationId && `x-ms-correlation-request-id ${failure.correlationId}`,
  ].filter(Boolean);
  if (ids.length > 0) {
    lines.push(`  ${ids.join(", ")}`);
  }
  return lines.join("\n");
}

/** describeArmFailure for any error; falls back to the error message for non-ARM errors. */
export function describeArmError(error: unknown, operation?: ArmOperation): string {
  const failure = parseArmFailure(error);
  return failure ? describeArmFailure(failure, operation) : error instanceof Error ? error.message : String(error);
}
