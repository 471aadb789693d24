// ARM calls from tests, through the emulator's proxy as the service connection's identity (the runner's
// own server-task HTTP and token code, so a test sees what a server task would).
import { endpointAccessToken } from '../../../runner/server/endpointToken';
import { sendRequest } from '../../../runner/server/http';
import { azureRmEndpoint, type AzureTarget } from '../../../runner/serviceConnection';

export type ArmCall = (method: string, relative: string, body?: unknown) => Promise<{ status: number; json: Record<string, any> }>;

/** Calls relative to `baseUrl` (a workspace's ARM URL). */
export function armCaller(target: () => AzureTarget, baseUrl: () => string): ArmCall {
  return async (method, relative, body) => {
    const t = target();
    const token = await endpointAccessToken(azureRmEndpoint('arm', t), t);
    const answer = await sendRequest({ method, url: `${baseUrl()}${relative}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }, t);
    return { status: answer.status, json: answer.body ? JSON.parse(answer.body) : {} };
  };
}
