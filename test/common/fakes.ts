// Test doubles for the core: a recording TaskHost, a routing HttpClient and an ARM context over it.
import { Readable } from "node:stream";
import * as sinon from "sinon";
import type { TokenCredential } from "@azure/core-auth";
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import type { AzureSession } from "../../tasks/common/azure/azureSession";
import { knownCloud, type CloudEndpoints } from "../../tasks/common/azure/clouds";
import type { EndpointAuthorization, TaskHost } from "../../tasks/common/platform/taskHost";
import { parseBooleanInput } from "../../tasks/common/platform/declaredInputs";
import { UserError } from "../../tasks/common/platform/userError";

export interface FakeHostState {
  inputs?: Record<string, string>;
  variables?: Record<string, string>;
  endpoints?: Record<string, { url?: string; auth?: EndpointAuthorization; data?: Record<string, string> }>;
  proxy?: ReturnType<TaskHost["getHttpProxyConfiguration"]>;
  certs?: ReturnType<TaskHost["getHttpCertConfiguration"]>;
  /** The process environment the host shows; the real one when absent. */
  env?: Record<string, string | undefined>;
}

export type FakeHost = { [K in keyof TaskHost]: sinon.SinonStub } & TaskHost;

export function fakeHost(state: FakeHostState = {}): FakeHost {
  const input = (name: string, required?: boolean): string | undefined => {
    const value = state.inputs?.[name]?.trim();
    if (!value && required) {
      throw new UserError(`Input required: ${name}`);
    }
    return value || undefined;
  };
  const host = {
    getInput: sinon.stub().callsFake(input),
    getBoolInput: sinon.stub().callsFake((name: string, defaultValue = false) => {
      const value = input(name);
      return value === undefined ? defaultValue : parseBooleanInput(name, value);
    }),
    getPathInput: sinon.stub().callsFake(input),
    getVariable: sinon.stub().callsFake((name: string) => state.variables?.[name]),
    getEndpointUrl: sinon.stub().callsFake((id: string) => state.endpoints?.[id]?.url),
    getEndpointAuthorization: sinon.stub().callsFake((id: string) => state.endpoints?.[id]?.auth),
    getEndpointDataParameter: sinon.stub().callsFake((id: string, key: string) => {
      const data = state.endpoints?.[id]?.data ?? {};
      return Object.entries(data).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    }),
    setVariable: sinon.stub(),
    setSecret: sinon.stub(),
    setResult: sinon.stub(),
    debug: sinon.stub(),
    log: sinon.stub(),
    warning: sinon.stub(),
    uploadSummary: sinon.stub(),
    getHttpProxyConfiguration: sinon.stub().callsFake(() => state.proxy),
    getHttpCertConfiguration: sinon.stub().callsFake(() => state.certs),
    getEnvironmentVariable: sinon.stub().callsFake((name: string) => (state.env ?? process.env)[name] || undefined),
    setEnvironmentVariable: sinon.stub().callsFake((name: string, value: string) => {
      (state.env ?? process.env)[name] = value;
    }),
  };
  return host as unknown as FakeHost;
}

/** Every message the host printed, in any channel. */
export function printed(host: FakeHost): string[] {
  return [host.debug, host.log, host.warning, host.setResult].flatMap((stub) => stub.getCalls().map((call) => call.args.join(" ")));
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (request: PipelineRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;

/** An HttpClient answering from routes (first match wins); records every request. Nothing touches the network. */
export class RoutingHttpClient implements HttpClient {
  readonly requests: PipelineRequest[] = [];
  private readonly routes: Array<{ method: string; pattern: RegExp; reply: Route }> = [];

  on(method: string, pattern: RegExp, reply: Route | FakeReply): this {
    this.routes.push({ method, pattern, reply: typeof reply === "function" ? reply : () => reply });
    return this;
  }

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    this.requests.push(request);
    for (const route of this.routes) {
      if (route.method === request.method && route.pattern.test(request.url)) {
        const reply = await route.reply(request);
        if (reply) {
          const body = reply.body === undefined ? "" : typeof reply.body === "string" || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
          const headers = createHttpHeaders({ "content-type": "application/json", ...reply.headers });
          // As Node's HttpClient does: the raw bytes as a stream for the statuses the request asked to stream.
          if (request.streamResponseStatusCodes?.has(reply.status)) return { request, status: reply.status, headers, readableStreamBody: Readable.from([Buffer.from(body)]) };
          return { request, status: reply.status, headers, bodyAsText: body.toString() };
        }
      }
    }
    return { request, status: 404, headers: createHttpHeaders({ "content-type": "application/json" }), bodyAsText: JSON.stringify({ error: { code: "NoRoute", message: `no fake route for ${request.method} ${request.url}` } }) };
  }

  urls(): string[] {
    return this.requests.map((request) => `${request.method} ${request.url}`);
  }
}

export const staticCredential: TokenCredential = {
  getToken: async () => ({ token: "fake-arm-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
export const TENANT = "72f988bf-0000-0000-0000-000000000000";

export function fakeSession(httpClient: HttpClient, overrides: Partial<AzureSession> = {}): AzureSession {
  const cloud = knownCloud("AzureCloud") as CloudEndpoints;
  return {
    connection: { id: "conn", subscriptionId: SUBSCRIPTION, subscriptionName: "Dev", tenantId: TENANT, cloud: {}, auth: { kind: "ManagedIdentity" } },
    tenantId: TENANT,
    identityDescription: "service principal test",
    cloud,
    credential: staticCredential,
    subscriptionId: SUBSCRIPTION,
    httpClient,
    userAgent: "azureml-mlops/test AzureMLWorkspace/1.0.0",
    retry: { maxRetries: 2, sleep: async () => undefined },
    dispose: () => undefined,
    ...overrides,
  };
}
