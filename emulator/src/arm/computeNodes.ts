// AmlCompute autoscaling, simulated lazily from ctx.now(): jobs acquire nodes (idle ones first,
// otherwise the cluster grows up to maxNodeCount within the family's vCPU quota, each new node
// preparing for a moment), release them when they end, and idle nodes leave after
// nodeIdleTimeBeforeScaleDown, down to minNodeCount.
import type { ServiceContext } from '../contract';
import type { ArmErrorDetail } from './errors';
import { type ArmResource, getResource, isoTime } from './resources';
import { familyLimit, findVmSize } from './vmSizes';

/** How long a new node takes to become usable. */
export const NODE_PREPARE_MS = 1000;
const COLLECTION = 'arm.computeNodes';

export type NodeState = 'preparing' | 'idle' | 'running' | 'leaving' | 'unusable' | 'preempted';

interface ComputeNode {
  nodeId: string;
  state: NodeState;
  /** When the node entered its state (ms). */
  since: number;
  runId?: string;
  privateIpAddress: string;
  port: number;
}

interface NodePool {
  nodes: ComputeNode[];
  nextSeq: number;
  /** When allocationState last changed (ms). */
  transitionAt: number;
  errors: ArmErrorDetail[] | null;
}

export interface ScaleSettings {
  minNodeCount: number;
  maxNodeCount: number;
  idleMs: number;
}

export function scaleSettingsOf(compute: ArmResource): ScaleSettings {
  const s = compute.properties.properties?.scaleSettings ?? {};
  return { minNodeCount: s.minNodeCount ?? 0, maxNodeCount: s.maxNodeCount ?? 0, idleMs: durationMs(s.nodeIdleTimeBeforeScaleDown ?? 'PT120S') };
}

/** ISO 8601 duration (PT2M, PT120S, P1DT2H) in milliseconds. */
export function durationMs(iso: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(iso);
  if (!m) return 120_000;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

function loadPool(ctx: ServiceContext, computeId: string): NodePool {
  return ctx.store.get<NodePool>(COLLECTION, computeId.toLowerCase()) ?? { nodes: [], nextSeq: 1, transitionAt: ctx.now(), errors: null };
}

function savePool(ctx: ServiceContext, computeId: string, pool: NodePool): void {
  ctx.store.put(COLLECTION, computeId.toLowerCase(), pool);
}

export function deleteNodePool(ctx: ServiceContext, computeId: string): void {
  ctx.store.delete(COLLECTION, computeId.toLowerCase());
}

function addNode(pool: NodePool, now: number, runId?: string): void {
  const seq = pool.nextSeq++;
  pool.nodes.push({ nodeId: `tvm-${1000000000 + seq}_${seq}-20260101t000000z`, state: 'preparing', since: now, runId, privateIpAddress: `10.0.0.${(seq % 250) + 4}`, port: 50000 + seq });
}

/** Advances the pool to `now`: prepared nodes become usable, idle ones beyond the minimum leave. */
function advance(compute: ArmResource, pool: NodePool, now: number): NodePool {
  const settings = scaleSettingsOf(compute);
  const wasResizing = pool.nodes.some((n) => n.state === 'preparing');
  for (const node of pool.nodes) {
    if (node.state === 'preparing' && node.since + NODE_PREPARE_MS <= now) {
      node.state = node.runId ? 'running' : 'idle';
      node.since += NODE_PREPARE_MS;
    }
  }
  const idle = pool.nodes.filter((n) => n.state === 'idle').sort((a, b) => a.since - b.since);
  for (const node of idle) {
    const overMax = pool.nodes.length > settings.maxNodeCount;
    const expired = node.since + settings.idleMs <= now && pool.nodes.length > settings.minNodeCount;
    if (overMax || expired) {
      pool.nodes = pool.nodes.filter((n) => n !== node);
      pool.transitionAt = now;
    }
  }
  while (pool.nodes.length < Math.min(settings.minNodeCount, settings.maxNodeCount)) addNode(pool, now);
  const isResizing = pool.nodes.some((n) => n.state === 'preparing');
  if (isResizing !== wasResizing) pool.transitionAt = now;
  return pool;
}

function refreshedPool(ctx: ServiceContext, compute: ArmResource): NodePool {
  const pool = advance(compute, loadPool(ctx, compute.id), ctx.now());
  savePool(ctx, compute.id, pool);
  return pool;
}

/** vCPUs of a family allocated in the region by every AmlCompute and running compute instance. */
export function familyUsage(ctx: ServiceContext, family: string): number {
  let cores = 0;
  for (const { value: compute } of ctx.store.list<ArmResource>('arm.computes')) {
    const vm = findVmSize(compute.properties.properties?.vmSize ?? '');
    if (!vm || vm.family !== family) continue;
    if (compute.properties.computeType === 'AmlCompute') cores += refreshedPool(ctx, compute).nodes.length * vm.vCPUs;
    if (compute.properties.computeType === 'ComputeInstance' && compute.properties.properties?.state !== 'Stopped') cores += vm.vCPUs;
  }
  return cores;
}

/** The live AmlCompute properties derived from the node pool (allocationState, node counts...). */
export function liveClusterProperties(ctx: ServiceContext, compute: ArmResource, stuckResizing: boolean) {
  const pool = refreshedPool(ctx, compute);
  const count = (state: NodeState) => pool.nodes.filter((n) => n.state === state).length;
  const preparing = count('preparing');
  const resizing = stuckResizing || preparing > 0;
  return {
    allocationState: resizing ? 'Resizing' : 'Steady',
    allocationStateTransitionTime: isoTime(pool.transitionAt),
    errors: pool.errors,
    currentNodeCount: pool.nodes.length - preparing,
    targetNodeCount: stuckResizing ? Math.max(pool.nodes.length, 1) : pool.nodes.length,
    nodeStateCounts: {
      idleNodeCount: count('idle'),
      runningNodeCount: count('running'),
      preparingNodeCount: preparing,
      unusableNodeCount: count('unusable'),
      leavingNodeCount: count('leaving'),
      preemptedNodeCount: count('preempted'),
    },
  };
}

/** listNodes: the pool's nodes as the service lists them. */
export function listClusterNodes(ctx: ServiceContext, compute: ArmResource) {
  return refreshedPool(ctx, compute).nodes.map((n) => ({
    nodeId: n.nodeId,
    privateIpAddress: n.privateIpAddress,
    publicIpAddress: null,
    port: n.port,
    nodeState: n.state,
    ...(n.runId ? { runId: n.runId } : {}),
  }));
}

export type NodeAllocation =
  | { state: 'Ready' | 'Preparing'; nodeIds: string[] }
  | { state: 'Waiting'; reason: string };

/**
 * Gives a run `nodeCount` nodes of the cluster (idempotent per run): idle nodes first, then new
 * nodes up to maxNodeCount and the family's quota, unless the cluster is stuck resizing. All or
 * nothing: a run that does not fit waits.
 */
export function acquireNodes(ctx: ServiceContext, computeId: string, runId: string, nodeCount: number): NodeAllocation {
  const compute = getResource(ctx, 'computes', computeId);
  if (!compute || compute.properties.computeType !== 'AmlCompute') return { state: 'Waiting', reason: `AmlCompute '${computeId}' does not exist.` };
  const now = ctx.now();
  const pool = refreshedPool(ctx, compute);
  let mine = pool.nodes.filter((n) => n.runId === runId);
  if (mine.length === 0) {
    const { maxNodeCount } = scaleSettingsOf(compute);
    const idle = pool.nodes.filter((n) => n.state === 'idle' || (n.state === 'preparing' && !n.runId));
    const newNodes = Math.max(0, nodeCount - idle.length);
    const busy = pool.nodes.length - idle.length;
    if (busy + nodeCount > maxNodeCount) return { state: 'Waiting', reason: `The cluster has ${maxNodeCount - busy} of the ${nodeCount} nodes requested free (maxNodeCount ${maxNodeCount}).` };
    // A cluster stuck resizing (computeStuckResizing fault) never gets new nodes; idle ones still serve.
    if (newNodes > 0 && ctx.faults.holds('computeStuckResizing', compute.id, undefined, false)) {
      return { state: 'Waiting', reason: `The cluster '${compute.name}' is stuck resizing: the ${newNodes} new node(s) requested do not arrive.` };
    }
    const vm = findVmSize(compute.properties.properties?.vmSize ?? '');
    if (vm && newNodes > 0) {
      const limit = familyLimit(ctx, compute.location ?? ctx.facts.location, vm.family);
      const needed = familyUsage(ctx, vm.family) + newNodes * vm.vCPUs;
      if (needed > limit) {
        pool.errors = [{ code: 'ClusterCoreQuotaReached', message: `Operation results in exceeding quota limits of ${vm.family}. Maximum allowed: ${limit}, Current in use: ${needed - newNodes * vm.vCPUs}, Additional requested: ${newNodes * vm.vCPUs}. Please request a quota increase.` }];
        savePool(ctx, compute.id, pool);
        return { state: 'Waiting', reason: pool.errors[0].message };
      }
    }
    pool.errors = null;
    for (const node of idle.slice(0, nodeCount)) {
      node.runId = runId;
      if (node.state === 'idle') Object.assign(node, { state: 'running', since: now });
    }
    for (let i = 0; i < newNodes; i++) addNode(pool, now, runId);
    if (newNodes > 0) pool.transitionAt = now;
    savePool(ctx, compute.id, pool);
    mine = pool.nodes.filter((n) => n.runId === runId);
  }
  return { state: mine.some((n) => n.state === 'preparing') ? 'Preparing' : 'Ready', nodeIds: mine.map((n) => n.nodeId) };
}

/** Returns a run's nodes to the pool; they idle until the scale-down timeout. */
export function releaseNodes(ctx: ServiceContext, computeId: string, runId: string): void {
  const compute = getResource(ctx, 'computes', computeId);
  if (!compute) return;
  const now = ctx.now();
  const pool = refreshedPool(ctx, compute);
  for (const node of pool.nodes.filter((n) => n.runId === runId)) Object.assign(node, { runId: undefined, state: node.state === 'preparing' ? 'preparing' : 'idle', since: node.state === 'preparing' ? node.since : now });
  savePool(ctx, compute.id, pool);
}
