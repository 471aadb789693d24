// The endpointHealth check: the endpoint provisioned (Succeeded), every deployment with live traffic
// provisioned, and its traffic over the last N minutes within limits, judged by the same rule as the rollout's
// analysis (workspace/endpointMetrics.ts: fewer than minRequests is inconclusive, never a pass). The window ends
// metricDelay before now, because Azure Monitor's data arrives 1–3 minutes late.
import { judgeWindow, metricWindow, msText, percentText, type WindowGuardrails } from "../workspace/endpointMetrics";
import { workspaceArmId } from "../workspace/scope";
import { type CheckResult, type ComparisonRow, type GatePort, worstVerdict } from "./gatePort";

export interface EndpointHealthSettings {
  endpointName: string;
  windowMinutes: number;
  metricDelayMs: number;
  guardrails: WindowGuardrails;
  /** An endpoint that does not exist: fail (a health check after a deployment), or pass with a note (a gate before the first one). */
  missingEndpoint: "fail" | "pass";
}

const timeText = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export async function checkEndpointHealth(port: GatePort, settings: EndpointHealthSettings, signal: AbortSignal): Promise<CheckResult> {
  const { endpointName, guardrails } = settings;
  const endpoint = await port.getEndpoint(endpointName, signal);
  if (!endpoint) {
    const verdict = settings.missingEndpoint;
    const reason = `endpoint '${endpointName}' does not exist in workspace '${port.scope.workspace}'${verdict === "pass" ? " yet: nothing serves users, so there is nothing to protect (missingEndpoint pass)" : ""}`;
    return { check: "endpointHealth", verdict, reasons: [reason], rows: [{ measure: `endpoint '${endpointName}'`, actual: "not found", expected: verdict === "pass" ? "Succeeded, or none yet" : "Succeeded", verdict }], values: { endpoint: endpointName, provisioningState: null } };
  }
  const rows: ComparisonRow[] = [];
  const reasons: string[] = [];
  const state = endpoint.properties.provisioningState ?? "unknown";
  rows.push({ measure: `endpoint '${endpointName}' provisioning`, actual: state, expected: "Succeeded", verdict: state === "Succeeded" ? "pass" : "fail" });
  if (state !== "Succeeded") reasons.push(`endpoint '${endpointName}' is ${state}, not Succeeded`);

  const live = Object.entries(endpoint.properties.traffic ?? {}).filter(([, weight]) => weight > 0).map(([name]) => name);
  const deployments = await port.listDeployments(endpointName, signal);
  const deploymentStates: Record<string, string> = {};
  for (const name of live) {
    const deployment = deployments.find((d) => d.name.toLowerCase() === name.toLowerCase());
    const deploymentState = deployment ? (deployment.properties.provisioningState ?? "unknown") : "not found";
    deploymentStates[name] = deploymentState;
    rows.push({ measure: `deployment '${name}' (${endpoint.properties.traffic![name]}% of traffic) provisioning`, actual: deploymentState, expected: "Succeeded", verdict: deploymentState === "Succeeded" ? "pass" : "fail" });
    if (deploymentState !== "Succeeded") reasons.push(`deployment '${name}' takes ${endpoint.properties.traffic![name]}% of the traffic but is ${deploymentState}`);
  }

  const window = metricWindow(port.now(), settings.windowMinutes, settings.metricDelayMs);
  const windowText = `${timeText(window.fromMs)} to ${timeText(window.toMs)} (the last ${settings.windowMinutes} min, ending ${Math.round(settings.metricDelayMs / 1000)} s ago because Azure Monitor's metrics arrive late)`;
  const subject = live.length ? `the deployments with traffic (${live.join(", ")})` : `endpoint '${endpointName}', which routes no live traffic`;
  const metrics = live.length ? await port.readMetrics({ endpointId: `${workspaceArmId(port.scope)}/onlineEndpoints/${endpointName}`, deployments: live, ...window }, signal) : { requests: {}, p95PerMinuteMs: [] };
  const judged = judgeWindow(metrics, guardrails, subject);
  const n = judged.numbers;
  const enough = judged.verdict !== "inconclusive";
  rows.push({ measure: "requests", actual: String(n.requests), expected: `>= ${guardrails.minRequests} (minRequests)`, verdict: enough ? "pass" : "inconclusive" });
  if (guardrails.maxErrorRate !== undefined) {
    rows.push({ measure: "error rate (5xx)", actual: n.errorRate === undefined ? "–" : `${percentText(n.errorRate)} (${n.errors} of ${n.requests})`, expected: `<= ${percentText(guardrails.maxErrorRate)}`, verdict: !enough ? "inconclusive" : n.errorRate! > guardrails.maxErrorRate ? "fail" : "pass" });
  }
  if (guardrails.maxLatencyP95Ms !== undefined) {
    rows.push({ measure: "p95 latency (median of per-minute p95)", actual: n.p95Ms === undefined ? "–" : msText(n.p95Ms), expected: `<= ${guardrails.maxLatencyP95Ms} ms`, verdict: !enough ? "inconclusive" : n.p95Ms !== undefined && n.p95Ms > guardrails.maxLatencyP95Ms ? "fail" : "pass" });
  }
  reasons.push(...judged.reasons.map((r) => `${r} in ${windowText}`));
  const verdict = worstVerdict(rows.map((r) => r.verdict));
  if (verdict === "pass") reasons.push(`endpoint '${endpointName}' and its deployments with traffic are Succeeded; ${n.requests} requests, error rate ${percentText(n.errorRate!)}${n.p95Ms !== undefined ? `, p95 ${msText(n.p95Ms)}` : ""} in ${windowText}`);
  return {
    check: "endpointHealth",
    verdict,
    reasons,
    rows,
    values: { endpoint: endpointName, provisioningState: state, deployments: deploymentStates, fromTime: new Date(window.fromMs).toISOString(), toTime: new Date(window.toMs).toISOString(), ...n },
  };
}
