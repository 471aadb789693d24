// Job webhooks of type AzureDevOps (properties.notificationSetting.webhooks.<name>): when the job
// ends, Azure ML completes the waiting Azure DevOps server task by posting a TaskCompleted event to
// the plan's events endpoint with the data the task put in the webhook (Microsoft's documented
// agentless wait: PATCH the job with { WebhookType: AzureDevOps, EventType: RunTerminated, PlanUri,
// ProjectId, HubName, PlanId, JobId, TimelineId, TaskInstanceId, AuthToken }). Keys are matched
// without regard to case, as the service's deserializer does. Only loopback plan URLs are called
// (the emulator contacts nothing else); the local stand-in of Azure DevOps has its own certificate.
import * as https from 'node:https';
import { isLoopback } from '../hostnames';

type Json = Record<string, unknown>;

function field(object: unknown, name: string): unknown {
  if (!object || typeof object !== 'object') return undefined;
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (object as Json)[key];
}

/** The job's AzureDevOps webhooks for run termination. */
export function azureDevOpsWebhooks(properties: Json): Json[] {
  const webhooks = field(field(properties, 'notificationSetting'), 'webhooks');
  if (!webhooks || typeof webhooks !== 'object') return [];
  return Object.values(webhooks as Json).filter(
    (w): w is Json => String(field(w, 'webhookType') ?? '').toLowerCase() === 'azuredevops' && ['', 'runterminated'].includes(String(field(w, 'eventType') ?? '').toLowerCase()),
  );
}

/** Azure ML's terminal statuses as task results. */
const RESULTS: Record<string, string> = { completed: 'succeeded', failed: 'failed', canceled: 'canceled' };

/** Posts TaskCompleted for each webhook; failures are logged, never thrown (the job has ended regardless). */
export function notifyAzureDevOps(properties: Json, status: string, log: (line: string) => void = () => undefined): void {
  for (const hook of azureDevOpsWebhooks(properties)) {
    const value = (name: string) => String(field(hook, name) ?? '');
    let url: URL;
    try {
      url = new URL(`${value('planUri').replace(/\/?$/, '/')}${value('projectId')}/_apis/distributedtask/hubs/${value('hubName')}/plans/${value('planId')}/events?api-version=2.0-preview.1`);
    } catch {
      log(`job webhook: PlanUri '${value('planUri')}' is not a URL`);
      continue;
    }
    if (!isLoopback(url.hostname)) {
      log(`job webhook: not calling ${url.host}: the emulator only calls loopback addresses`);
      continue;
    }
    const body = JSON.stringify({ name: 'TaskCompleted', taskId: value('taskInstanceId'), jobId: value('jobId'), result: RESULTS[status.toLowerCase()] ?? 'failed' });
    const req = https.request(url, {
      method: 'POST',
      rejectUnauthorized: false,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Basic ${Buffer.from(`:${value('authToken')}`).toString('base64')}` },
    });
    req.on('response', (res) => {
      res.resume();
      if ((res.statusCode ?? 0) >= 300) log(`job webhook: ${url.origin}${url.pathname} answered HTTP ${res.statusCode}`);
    });
    req.on('error', (err) => log(`job webhook: ${url.origin}${url.pathname}: ${err.message}`));
    req.end(body);
  }
}
