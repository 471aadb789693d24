// Long-running operations as Azure ML runs them: the request returns 201/202 with an
// Azure-AsyncOperation URL (status document) and, for POST/DELETE, a Location URL (final result).
// An operation finishes a short, fixed delay after it started (measured with ctx.now(), so tests can
// move time), plus any condition its effect adds; its effect then updates the resource. Operations
// are stored, so polling survives an emulator restart.
import { randomUUID } from 'node:crypto';
import type { HostResponse, ServiceContext } from '../contract';
import { ML_API_VERSIONS, forApiVersion } from './apiVersions';
import { type ArmErrorDetail, ArmError } from './errors';
import { type ArmResource, type Collection, type Properties, ML_NAMESPACE, getResource, isoTime, jsonResponse, putResource, systemDataFor } from './resources';
import type { ArmCall, Route } from './router';

/** How long an operation runs before it may finish. Real SDK pollers wait Retry-After (1 s) between polls. */
export const OPERATION_DURATION_MS = 1000;
const RETRY_AFTER_SECONDS = '1';
const COLLECTION = 'arm.operations';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface Operation {
  id: string;
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  readyAt: number;
  /** Name of the registered effect applied on completion. */
  effect: string;
  resourceId: string;
  resourceCollection: Collection;
  args?: Properties;
  /** Set when the operation is to end Failed (an injected lroFailed fault or a semantic fault). */
  failure?: ArmErrorDetail;
  error?: ArmErrorDetail;
}

export interface Effect {
  /** A condition besides the delay, e.g. the job being cancelled has stopped. */
  ready?(ctx: ServiceContext, op: Operation): boolean;
  /** A failure the effect found once ready (e.g. the deployment's container crashed); the request's own failure wins. */
  failure?(ctx: ServiceContext, op: Operation): ArmErrorDetail | undefined;
  /** Applies the operation's outcome to the resource. */
  complete(ctx: ServiceContext, op: Operation, outcome: 'Succeeded' | 'Failed'): void;
}

const effects = new Map<string, Effect>();

export function registerEffect(name: string, effect: Effect): void {
  effects.set(name, effect);
}

const DEFAULT_FAILURE: ArmErrorDetail = {
  code: 'InternalServerError',
  message: 'The operation could not be completed because of an internal error in the service. Retry the operation; if the problem persists, contact support.',
};

export interface OperationRequest {
  effect: string;
  resourceId: string;
  resourceCollection: Collection;
  args?: Properties;
  failure?: ArmErrorDetail;
}

/** Starts an operation for the current request; an lroFailed fault on this request makes it end Failed. */
export function startOperation(call: ArmCall, request: OperationRequest): Operation {
  const { ctx } = call;
  const injected = ctx.faults.takeSemantic('lroFailed', call.req.method, call.path);
  const now = ctx.now();
  const op: Operation = {
    id: randomUUID(),
    status: 'InProgress',
    startTime: isoTime(now),
    readyAt: now + OPERATION_DURATION_MS,
    ...request,
    failure: request.failure ?? (injected ? DEFAULT_FAILURE : undefined),
  };
  if (injected) ctx.log(`ARM: long-running operation ${op.id} (${call.req.method} ${call.path}) will end Failed (lroFailed fault)`);
  ctx.store.put(COLLECTION, op.id, op);
  return op;
}

/** Finished operations stay pollable this long, then are forgotten. */
const RETENTION_MS = 24 * 3600 * 1000;

/** Finishes every operation that is due. Called before each request is served. */
export function settleOperations(ctx: ServiceContext): void {
  const now = ctx.now();
  for (const { value: op } of ctx.store.list<Operation>(COLLECTION)) {
    if (op.status !== 'InProgress' && op.readyAt + RETENTION_MS < now) ctx.store.delete(COLLECTION, op.id);
    if (op.status !== 'InProgress' || op.readyAt > now) continue;
    const effect = effects.get(op.effect);
    if (effect?.ready && !effect.ready(ctx, op)) continue;
    const settled: Operation = { ...op, failure: op.failure ?? effect?.failure?.(ctx, op) };
    const outcome = settled.failure ? 'Failed' : 'Succeeded';
    effect?.complete(ctx, settled, outcome);
    ctx.store.put<Operation>(COLLECTION, op.id, { ...settled, status: outcome, endTime: isoTime(now), error: settled.failure });
  }
}

function operationUrl(ctx: ServiceContext, kind: 'mfeOperationsStatus' | 'mfeOperationResults', op: Operation, apiVersion: string): string {
  return `https://management.azure.com/subscriptions/${ctx.facts.subscriptionId}/providers/${ML_NAMESPACE}/locations/${ctx.facts.location}/${kind}/${op.id}?api-version=${apiVersion}`;
}

/** Azure-AsyncOperation (and for POST/DELETE, Location) headers of an accepted request. */
export function operationHeaders(call: ArmCall, op: Operation, withLocation: boolean): Record<string, string> {
  return {
    'Azure-AsyncOperation': operationUrl(call.ctx, 'mfeOperationsStatus', op, call.apiVersion),
    ...(withLocation ? { Location: operationUrl(call.ctx, 'mfeOperationResults', op, call.apiVersion) } : {}),
    'Retry-After': RETRY_AFTER_SECONDS,
  };
}

/** 202 Accepted for a POST or DELETE operation. */
export function accepted(call: ArmCall, op: Operation): HostResponse {
  return { status: 202, headers: operationHeaders(call, op, true) };
}

/**
 * PATCH of a tracked resource's envelope (tags, identity, sku): applied at once, the resource
 * Updating until the operation ends; answered 202 like Azure ML.
 */
export function beginPatch(call: ArmCall, collection: Collection, resource: ArmResource, changes: Partial<ArmResource>, effect: string, failure?: ArmErrorDetail): HostResponse {
  const updated: ArmResource = {
    ...resource,
    ...changes,
    properties: { ...resource.properties, provisioningState: 'Updating' },
    systemData: systemDataFor(call.ctx, call.principal, resource.systemData),
  };
  putResource(call.ctx, collection, updated);
  return accepted(call, startOperation(call, { effect, resourceId: updated.id, resourceCollection: collection, failure }));
}

/** DELETE of a resource: marked Deleting at once, answered 202; the effect removes it when the operation ends. */
export function beginDelete(call: ArmCall, collection: Collection, resource: ArmResource, effect: string): HostResponse {
  setProvisioningState(call.ctx, collection, resource.id, 'Deleting');
  return accepted(call, startOperation(call, { effect, resourceId: resource.id, resourceCollection: collection }));
}

/** Sets a stored resource's provisioningState (nothing when it is gone). */
export function setProvisioningState(ctx: ServiceContext, collection: Collection, id: string, state: string): void {
  const resource = getResource(ctx, collection, id);
  if (resource) putResource(ctx, collection, { ...resource, properties: { ...resource.properties, provisioningState: state } });
}

function findOperation(ctx: ServiceContext, id: string): Operation {
  const op = ctx.store.get<Operation>(COLLECTION, id);
  if (!op) throw new ArmError(404, 'NotFound', `The operation '${id}' was not found.`);
  return op;
}

const LOCATION_PREFIX = `/subscriptions/{subscriptionId}/providers/${ML_NAMESPACE}/locations/{location}`;

export const operationRoutes: Route[] = [
  {
    method: 'GET',
    pattern: `${LOCATION_PREFIX}/mfeOperationsStatus/{operationId}`,
    provider: 'ml',
    resourceType: 'locations/mfeOperationsStatus',
    // Whoever started an operation may poll it, whatever their role's actions on locations.
    authorized: false,
    handle: ({ ctx, params }) => {
      const op = findOperation(ctx, params.operationId);
      return jsonResponse(
        { id: op.id, name: op.id, status: op.status, startTime: op.startTime, ...(op.endTime ? { endTime: op.endTime } : {}), ...(op.error ? { error: op.error } : {}) },
        200,
        op.status === 'InProgress' ? { 'Retry-After': RETRY_AFTER_SECONDS } : {},
      );
    },
  },
  {
    method: 'GET',
    pattern: `${LOCATION_PREFIX}/mfeOperationResults/{operationId}`,
    provider: 'ml',
    resourceType: 'locations/mfeOperationResults',
    authorized: false,
    handle: (call: ArmCall) => {
      const op = findOperation(call.ctx, call.params.operationId);
      if (op.status === 'InProgress') {
        return { status: 202, headers: { Location: operationUrl(call.ctx, 'mfeOperationResults', op, call.apiVersion || ML_API_VERSIONS[0]), 'Retry-After': RETRY_AFTER_SECONDS } };
      }
      if (op.status === 'Failed') throw new ArmError(400, op.error?.code ?? 'Failed', op.error?.message ?? 'The operation failed.');
      const resource = getResource(call.ctx, op.resourceCollection, op.resourceId);
      return resource ? jsonResponse(forApiVersion(resource, call.apiVersion)) : { status: 204 };
    },
  },
];
