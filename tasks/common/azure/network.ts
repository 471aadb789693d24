// The agent's proxy and TLS settings, applied to every HTTP client the tasks create: Azure SDK clients
// (ARM, identity/MSAL, blob) take the HttpClient from createHttpClient, plain requests go through it too.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, type HttpClient, type PipelineRequest } from "@azure/core-rest-pipeline";
import { HttpsProxyAgent } from "https-proxy-agent";
import { HttpProxyAgent } from "http-proxy-agent";
import type { TaskHost } from "../platform/taskHost";
import { maskSecret } from "../platform/secrets";
import { UserError, errorMessage } from "../platform/userError";

export interface TlsOptions {
  /** Trusted CAs; undefined keeps Node's defaults (which include NODE_EXTRA_CA_CERTS). */
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
}

export interface ProxySettings {
  /** Proxy URL including credentials. */
  url: URL;
  /** True when the request URL must go direct (agent bypass list or NO_PROXY). */
  bypass: (target: URL) => boolean;
}

export interface NetworkSettings {
  proxy?: ProxySettings;
  tls: TlsOptions;
}

function readFileSetting(file: string, setting: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(`Cannot read ${setting} file ${file}: ${errorMessage(error)}`);
  }
}

/** Agent bypass entries are regular expressions tested against the whole URL, as task-lib does. */
export function bypassFromPatterns(patterns: string[]): (target: URL) => boolean {
  const expressions = patterns.filter((pattern) => pattern.trim()).map((pattern) => new RegExp(pattern, "i"));
  return (target) => expressions.some((expression) => expression.test(target.href));
}

/** NO_PROXY entries are host names or domain suffixes (".example.com"), optionally with a port; "*" bypasses all. */
export function bypassFromNoProxy(noProxy: string | undefined): (target: URL) => boolean {
  const entries = (noProxy ?? "").split(",").map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  return (target) => {
    const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, "");
    return entries.some((entry) => {
      if (entry === "*") {
        return true;
      }
      const [entryHost, entryPort] = entry.startsWith("[") ? [entry.slice(1, entry.indexOf("]")), entry.split("]:")[1]] : entry.split(":");
      if (entryPort && entryPort !== (target.port || (target.protocol === "https:" ? "443" : "80"))) {
        return false;
      }
      const suffix = entryHost.replace(/^\*?\./, "");
      return host === suffix || host.endsWith(`.${suffix}`);
    });
  };
}

function withCredentials(proxyUrl: string, username?: string, password?: string): URL {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    throw new UserError(`The agent proxy URL "${proxyUrl}" is not a valid URL.`);
  }
  if (username) {
    url.username = encodeURIComponent(username);
    url.password = encodeURIComponent(password ?? "");
  }
  return url;
}

function readProxy(host: TaskHost): ProxySettings | undefined {
  const agentProxy = host.getHttpProxyConfiguration();
  if (agentProxy) {
    maskSecret(host, agentProxy.password);
    return {
      url: withCredentials(agentProxy.proxyUrl, agentProxy.username, agentProxy.password),
      bypass: bypassFromPatterns(agentProxy.bypassPatterns),
    };
  }
  // Self-hosted agents configured through the environment rather than the agent's proxy settings.
  const env = (name: string) => host.getEnvironmentVariable(name);
  const envProxy = env("HTTPS_PROXY") || env("https_proxy") || env("HTTP_PROXY") || env("http_proxy");
  if (!envProxy) {
    return undefined;
  }
  const url = withCredentials(envProxy);
  maskSecret(host, decodeURIComponent(url.password));
  return { url, bypass: bypassFromNoProxy(env("NO_PROXY") || env("no_proxy")) };
}

function readTls(host: TaskHost): TlsOptions {
  const certs = host.getHttpCertConfiguration();
  const options: TlsOptions = {};
  if (certs?.caFile) {
    // An explicit CA list replaces Node's defaults, NODE_EXTRA_CA_CERTS included, so keep them all.
    const extra = host.getEnvironmentVariable("NODE_EXTRA_CA_CERTS");
    options.ca = [...tls.rootCertificates, ...(extra ? [readFileSetting(extra, "NODE_EXTRA_CA_CERTS")] : []), readFileSetting(certs.caFile, "Agent.CAInfo")];
  }
  if (certs?.certFile && certs.keyFile) {
    options.cert = readFileSetting(certs.certFile, "Agent.ClientCert");
    options.key = readFileSetting(certs.keyFile, "Agent.ClientCertKey");
    options.passphrase = certs.passphrase;
    maskSecret(host, certs.passphrase);
  }
  return options;
}

/** Azure's instance metadata service (managed identity on VMs and scale sets): link-local, on the machine itself. */
export const IMDS_ADDRESS = "169.254.169.254";

/**
 * IMDS never goes through a proxy: a proxy cannot reach the VM's link-local address (and IMDS refuses
 * forwarded requests). Neither can the host that AZURE_POD_IDENTITY_AUTHORITY_HOST names instead.
 */
export function bypassingImds(proxy: ProxySettings, podIdentityAuthorityHost: string | undefined): ProxySettings {
  let podIdentityHost: string | undefined;
  try {
    podIdentityHost = podIdentityAuthorityHost ? new URL(podIdentityAuthorityHost).host.toLowerCase() : undefined;
  } catch {
    podIdentityHost = undefined;
  }
  const isImds = (target: URL) => target.hostname === IMDS_ADDRESS || target.host.toLowerCase() === podIdentityHost;
  return { ...proxy, bypass: (target) => isImds(target) || proxy.bypass(target) };
}

export function readNetworkSettings(host: TaskHost): NetworkSettings {
  const proxy = readProxy(host);
  return { proxy: proxy && bypassingImds(proxy, host.getEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST")), tls: readTls(host) };
}

type ConnectOptions = Parameters<HttpsProxyAgent<string>["connect"]>[1];

/**
 * HttpsProxyAgent applies its constructor options only to the proxy connection; the TLS session to the
 * target is built from the request's options, so the agent's CA and client certificate are added there.
 */
class TlsHttpsProxyAgent extends HttpsProxyAgent<string> {
  constructor(proxyUrl: URL, private readonly tlsOptions: TlsOptions & { secureContext?: tls.SecureContext }) {
    super(proxyUrl.href, { keepAlive: true, ...tlsOptions });
  }

  override connect(request: http.ClientRequest, options: ConnectOptions): ReturnType<HttpsProxyAgent<string>["connect"]> {
    return super.connect(request, { ...options, ...this.tlsOptions } as ConnectOptions);
  }

  /**
   * Always: this agent carries only https requests. agent-base otherwise guesses from the call stack, so a
   * socket returned to the pool after a response was filed under an http pool name that no later request
   * asks for: every request opened a new tunnel and TLS session, and the idle ones were never reused.
   */
  override isSecureEndpoint(): boolean {
    return true;
  }
}

/** Chooses the connection agent for each URL: direct or through the proxy, always with the agent's TLS settings. */
export class AgentSelector {
  private readonly agents = new Map<string, http.Agent>();

  private sharedTls?: TlsOptions & { secureContext?: tls.SecureContext };

  constructor(private readonly settings: NetworkSettings) {}

  /**
   * The TLS options of every connection, with one secure context built from them: building a context parses
   * every trusted CA (Node's roots and the agent's, about 0.1 s of CPU), which tls.connect would otherwise
   * repeat for each new connection.
   */
  private connectionTls(): TlsOptions & { secureContext?: tls.SecureContext } {
    const { ca, cert } = this.settings.tls;
    return (this.sharedTls ??= ca || cert ? { ...this.settings.tls, secureContext: tls.createSecureContext(this.settings.tls) } : this.settings.tls);
  }

  agentFor(target: URL): http.Agent {
    const secure = target.protocol === "https:";
    const proxied = this.isProxied(target);
    const key = `${secure ? "https" : "http"}:${proxied ? "proxy" : "direct"}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = this.createAgent(secure, proxied);
      this.agents.set(key, agent);
    }
    return agent;
  }

  private isProxied(target: URL): boolean {
    return this.settings.proxy !== undefined && !this.settings.proxy.bypass(target);
  }

  /** How a request to the URL travels, for messages: the proxy's address (never its credentials), or direct. */
  routeOf(target: URL): string {
    const proxy = this.settings.proxy?.url;
    if (!proxy) return "directly (no proxy is configured)";
    return this.isProxied(target) ? `through the proxy ${proxy.protocol}//${proxy.host}` : "directly (the proxy bypass list matches it)";
  }

  private createAgent(secure: boolean, proxied: boolean): http.Agent {
    const options = { keepAlive: true, ...this.connectionTls() };
    const proxyUrl = this.settings.proxy?.url;
    if (proxied && proxyUrl) {
      return secure ? new TlsHttpsProxyAgent(proxyUrl, this.connectionTls()) : new HttpProxyAgent(proxyUrl, { keepAlive: true });
    }
    return secure ? new https.Agent(options) : new http.Agent({ keepAlive: true });
  }

  destroy(): void {
    for (const agent of this.agents.values()) {
      agent.destroy();
    }
    this.agents.clear();
  }
}

/**
 * An Azure SDK HttpClient that routes every request per the network settings. It overrides any agent
 * set by the SDK's own proxy policy, which knows neither the agent's bypass list nor its CA file.
 */
export function createHttpClient(settings: NetworkSettings, inner: HttpClient = createDefaultHttpClient()): HttpClient {
  const selector = new AgentSelector(settings);
  return {
    sendRequest(request) {
      const target = new URL(request.url);
      request.agent = selector.agentFor(target);
      routes.set(request, selector.routeOf(target));
      return inner.sendRequest(request);
    },
  };
}

/** The route each request sent through createHttpClient took (pipelines pass the same request object down). */
const routes = new WeakMap<PipelineRequest, string>();

/** How the request travelled ("through the proxy http://proxy:8080", "directly ..."); undefined if not sent by our client. */
export function requestRoute(request: PipelineRequest): string | undefined {
  return routes.get(request);
}

/** A plain JSON GET through the configured client (metadata discovery and the like). */
export async function fetchJson<T>(httpClient: HttpClient, url: string, abortSignal?: AbortSignal): Promise<{ status: number; body: T | undefined; text: string }> {
  const response = await httpClient.sendRequest(createPipelineRequest({ url, method: "GET", headers: createHttpHeaders({ accept: "application/json" }), abortSignal }));
  const text = response.bodyAsText ?? "";
  let body: T | undefined;
  try {
    body = text ? (JSON.parse(text) as T) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}
