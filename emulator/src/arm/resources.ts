// Stored ARM resources: one store collection per resource family, keyed by lower-cased resource
// id (ARM ids are case-insensitive), each value the resource's response document.
import { randomUUID } from 'node:crypto';
import type { Principal, ServiceContext } from '../contract';
import { resourceNotFound } from './errors';
import type { ArmCall } from './router';

export const ML_NAMESPACE = 'Microsoft.MachineLearningServices';

/** Path template of a workspace; resource routes extend it. */
export const WS = `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${ML_NAMESPACE}/workspaces/{workspaceName}`;

/** The service itself, as systemData names it for what it created (the seeded state). */
export const SERVICE_PRINCIPAL: Principal = { objectId: '', appId: 'emulator', tenantId: '', audience: '' };

/** Resource properties are free-form JSON documents shaped like the REST examples. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Properties = Record<string, any>;

export interface SystemData {
  createdAt: string;
  createdBy: string;
  createdByType: 'User' | 'Application' | 'ManagedIdentity' | 'Key';
  lastModifiedAt: string;
  lastModifiedBy: string;
  lastModifiedByType: 'User' | 'Application' | 'ManagedIdentity' | 'Key';
}

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  kind?: string;
  sku?: Properties;
  identity?: Properties;
  properties: Properties;
  systemData?: SystemData;
}

export type Collection = 'workspaces' | 'computes' | 'datastores' | 'assets' | 'jobs' | 'endpoints' | 'deployments' | 'batchEndpoints' | 'batchDeployments' | 'schedules';

export function getResource<T extends ArmResource = ArmResource>(ctx: ServiceContext, collection: Collection, id: string): T | undefined {
  return ctx.store.get<T>(`arm.${collection}`, id.toLowerCase());
}

export function putResource(ctx: ServiceContext, collection: Collection, resource: ArmResource): void {
  ctx.store.put(`arm.${collection}`, resource.id.toLowerCase(), resource);
}

export function deleteResource(ctx: ServiceContext, collection: Collection, id: string): boolean {
  return ctx.store.delete(`arm.${collection}`, id.toLowerCase());
}

/** Direct children of `parentId` in a collection, of the given type segment (e.g. "computes"). */
export function listChildren<T extends ArmResource = ArmResource>(ctx: ServiceContext, collection: Collection, parentId: string, typeSegment: string): T[] {
  const prefix = `${parentId.toLowerCase()}/${typeSegment.toLowerCase()}/`;
  return ctx.store
    .list<T>(`arm.${collection}`)
    .filter(({ key }) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
    .map(({ value }) => value)
    .sort((a, b) => (a.systemData?.createdAt ?? '').localeCompare(b.systemData?.createdAt ?? '') || a.name.localeCompare(b.name));
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** systemData for a write by `principal`, keeping the creation stamp of `previous`. */
export function systemDataFor(ctx: ServiceContext, principal: Principal, previous?: SystemData): SystemData {
  const at = isoTime(ctx.now());
  const by = principal.appId || principal.objectId || SERVICE_PRINCIPAL.appId;
  return {
    createdAt: previous?.createdAt ?? at,
    createdBy: previous?.createdBy ?? by,
    createdByType: previous?.createdByType ?? 'Application',
    lastModifiedAt: at,
    lastModifiedBy: by,
    lastModifiedByType: 'Application',
  };
}

export function workspaceId(ctx: ServiceContext, resourceGroupName: string, workspaceName: string): string {
  return `/subscriptions/${ctx.facts.subscriptionId}/resourceGroups/${resourceGroupName}/providers/${ML_NAMESPACE}/workspaces/${workspaceName}`;
}

/** The stored workspace, or ARM's 404. */
export function findWorkspace(ctx: ServiceContext, resourceGroupName: string, workspaceName: string): ArmResource {
  const workspace = getResource(ctx, 'workspaces', workspaceId(ctx, resourceGroupName, workspaceName));
  if (!workspace) throw resourceNotFound(`${ML_NAMESPACE}/workspaces/${workspaceName}`, resourceGroupName);
  return workspace;
}

/** The workspace a workspace-scoped route addresses (the router has already checked it exists). */
export function workspaceOf(call: ArmCall): ArmResource {
  return call.workspace ?? findWorkspace(call.ctx, call.params.resourceGroupName, call.params.workspaceName);
}

/**
 * A managed identity as Azure returns it: a system-assigned identity gets its service principal's
 * principalId (kept across updates) and the tenant.
 */
export function managedIdentity(ctx: ServiceContext, requested: Properties | undefined, previous?: Properties): Properties | undefined {
  if (!requested) return previous;
  if (!String(requested.type ?? '').toLowerCase().includes('systemassigned')) return requested;
  return { ...requested, principalId: previous?.principalId ?? randomUUID(), tenantId: ctx.facts.tenantId };
}

/** The resource, or ARM's 404 naming it relative to its resource group. */
export function findResource<T extends ArmResource = ArmResource>(ctx: ServiceContext, collection: Collection, id: string): T {
  const found = getResource<T>(ctx, collection, id);
  if (found) return found;
  const parts = id.split('/').filter(Boolean);
  const providerAt = parts.findIndex((p) => p.toLowerCase() === 'providers');
  throw resourceNotFound(parts.slice(providerAt + 1).join('/'), parts[3]);
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return { status, body, headers };
}

/** The {"value": [...]} page ARM list operations return (everything on one page). */
export function listResponse(items: unknown[]) {
  return jsonResponse({ value: items });
}
