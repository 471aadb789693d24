// Routing of management.azure.com requests: case-insensitive path templates like ARM's, then the
// checks ARM makes before a resource provider sees a request (token, subscription, api-version,
// RBAC, resource group, workspace).
import type { HostRequest, HostResponse, Principal, ServiceContext } from '../contract';
import { type Provider, checkApiVersion } from './apiVersions';
import { actionOf, authenticate, authorize } from './auth';
import { ArmError } from './errors';
import { type ArmResource, findWorkspace } from './resources';

export interface ArmCall {
  ctx: ServiceContext;
  req: HostRequest;
  /** Path parameters as the client spelled them. */
  params: Record<string, string>;
  apiVersion: string;
  principal: Principal;
  /** The request path (no query). */
  path: string;
  /** The addressed workspace, for routes under one. */
  workspace?: ArmResource;
}

export interface Route {
  method: string;
  /** e.g. /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}; literals match case-insensitively. */
  pattern: string;
  provider: Provider;
  /** The resource type named in NoRegisteredProviderFound messages. */
  resourceType: string;
  /** False for routes ARM answers without a token (cloud metadata). */
  authenticated?: boolean;
  /** False for routes that filter by the caller's access instead of requiring it (subscription list). */
  authorized?: boolean;
  handle(call: ArmCall): HostResponse | Promise<HostResponse>;
}

interface CompiledRoute {
  route: Route;
  segments: string[];
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(...routes: Route[]): void {
    for (const route of routes) this.routes.push({ route, segments: route.pattern.split('/').filter(Boolean) });
  }

  async dispatch(ctx: ServiceContext, req: HostRequest): Promise<HostResponse> {
    const path = req.url.pathname.replace(/\/+$/, '') || '/';
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const candidates = this.routes
      .map((r) => ({ r, params: match(r.segments, segments) }))
      .filter((c): c is { r: CompiledRoute; params: Record<string, string> } => c.params !== undefined);
    if (candidates.length === 0) throw notFoundPath(segments);
    const method = req.method.toUpperCase();
    // HEAD is GET without a body (resource group existence checks use it).
    const chosen = candidates.find((c) => c.r.route.method === method) ?? (method === 'HEAD' ? candidates.find((c) => c.r.route.method === 'GET') : undefined);
    if (!chosen) {
      throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method.toUpperCase()}'.`);
    }
    const { route } = chosen.r;
    const params = chosen.params;
    if (route.authenticated === false) {
      return route.handle({ ctx, req, params, apiVersion: req.url.searchParams.get('api-version') ?? '', principal: anonymous, path });
    }
    const principal = authenticate(ctx, header(req, 'authorization'));
    if (params.subscriptionId !== undefined && params.subscriptionId.toLowerCase() !== ctx.facts.subscriptionId.toLowerCase()) {
      throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${params.subscriptionId}' could not be found.`);
    }
    const apiVersion = checkApiVersion(req.url, route.provider, route.resourceType, params.location ?? ctx.facts.location);
    const { action, scope } = actionOf(req.method, path);
    if (route.authorized !== false) authorize(ctx, principal, action, scope);
    if (params.resourceGroupName !== undefined && params.resourceGroupName.toLowerCase() !== ctx.facts.resourceGroupName.toLowerCase()) {
      throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${params.resourceGroupName}' could not be found.`);
    }
    const workspace = params.workspaceName !== undefined ? findWorkspace(ctx, params.resourceGroupName ?? '', params.workspaceName) : undefined;
    const response = await route.handle({ ctx, req, params, apiVersion, principal, path, workspace });
    return method === 'HEAD' ? { status: response.status === 200 ? 204 : response.status, headers: response.headers } : response;
  }
}

const anonymous: Principal = { objectId: '', appId: '', tenantId: '', audience: '' };

function match(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith('{')) params[p.slice(1, -1)] = segments[i];
    else if (p.toLowerCase() !== segments[i].toLowerCase()) return undefined;
  }
  return params;
}

function notFoundPath(segments: string[]): ArmError {
  const providerAt = segments.findIndex((s) => s.toLowerCase() === 'providers');
  if (providerAt >= 0 && segments.length > providerAt + 2) {
    const namespace = segments[providerAt + 1];
    const types = segments.slice(providerAt + 2).filter((_, i) => i % 2 === 0).join('/');
    return new ArmError(404, 'InvalidResourceType', `The resource type '${types}' could not be found in the namespace '${namespace}'.`);
  }
  return new ArmError(404, 'NotFound', `The requested path '/${segments.join('/')}' was not found.`);
}

export function header(req: HostRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The request body as JSON; ARM's 400 for malformed content. */
export function jsonBody(call: ArmCall): unknown {
  const text = call.req.body.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${(e as Error).message}'.`);
  }
}
