// A fake online endpoint, Azure Monitor and clock behind the rollout's port. It checks every PUT against
// Azure ML's traffic rules written out here on their own (not the module's), keeps a virtual clock that
// sleeps advance, and generates per-deployment metrics from each deployment's share of traffic.
import type { CheckVerdict, DeploymentMetrics } from "../../tasks/common/rollout/analysis";
import type { EndpointView, MetricsQuery, RolloutPort } from "../../tasks/common/rollout/rollout";
import type { EndpointTraffic } from "../../tasks/common/rollout/traffic";
import { random, type Random } from "./random";

export interface DeploymentBehaviour {
  errorRate: number;
  p95Ms: number;
}

export interface FakeOptions {
  traffic: Record<string, number>;
  mirror?: Record<string, number>;
  deployments?: string[];
  kind?: "managed" | "kubernetes";
  behaviour?: Record<string, DeploymentBehaviour>;
  requestsPerMinute?: number;
  seed?: number;
}

export class FakeEndpoint implements RolloutPort {
  traffic: Record<string, number>;
  mirror: Record<string, number>;
  tags: Record<string, string> = { owner: "ml-team" };
  readonly deployments: string[];
  readonly kind: "managed" | "kubernetes";
  behaviour: Record<string, DeploymentBehaviour>;
  requestsPerMinute: number;
  clock = 1_700_000_000_000;
  readonly puts: EndpointTraffic[] = [];
  readonly logs: string[] = [];
  /** Every traffic state the endpoint went through, to check them all. */
  readonly history: EndpointTraffic[] = [];
  /** Called before each port call; throw to inject a fault. */
  fault: (call: "read" | "put" | "metrics" | "sleep") => void = () => undefined;
  /** Called after each sleep with the clock advanced (e.g. to cancel at a given time). */
  onTick: (now: number) => void = () => undefined;
  /** The custom check, when a test sets one. */
  customCheck?: (signal: AbortSignal) => Promise<{ verdict: CheckVerdict; reason: string }>;
  /** The load test, when a test sets one. */
  sendLoad?: (durationMs: number, signal: AbortSignal) => Promise<void>;
  private readonly rng: Random;

  constructor(options: FakeOptions) {
    this.traffic = { ...options.traffic };
    this.mirror = { ...(options.mirror ?? {}) };
    this.deployments = options.deployments ?? [...new Set([...Object.keys(options.traffic), "green"])];
    this.kind = options.kind ?? "managed";
    this.behaviour = options.behaviour ?? {};
    this.requestsPerMinute = options.requestsPerMinute ?? 1_000;
    this.rng = random(options.seed ?? 1);
    this.history.push(this.state());
  }

  state(): EndpointTraffic {
    const clean = (map: Record<string, number>) => Object.fromEntries(Object.entries(map).filter(([, w]) => w > 0));
    return { traffic: clean(this.traffic), mirror: clean(this.mirror) };
  }

  async readEndpoint(): Promise<EndpointView> {
    this.fault("read");
    return { kind: this.kind, deployments: [...this.deployments], traffic: { ...this.traffic }, mirror: { ...this.mirror }, tags: { ...this.tags } };
  }

  async putTraffic(state: EndpointTraffic, tags: Record<string, string>, signal: AbortSignal): Promise<void> {
    this.fault("put");
    if (signal.aborted) throw new Error("aborted");
    const refusal = azureRefusal(state, this.deployments, this.kind);
    if (refusal) throw new Error(`(BadRequest) ${refusal}`);
    this.traffic = { ...state.traffic };
    this.mirror = { ...state.mirror };
    this.tags = { ...tags };
    this.puts.push(this.state());
    this.history.push(this.state());
  }

  async readMetrics(query: MetricsQuery): Promise<DeploymentMetrics> {
    this.fault("metrics");
    const minutes = Math.floor((query.toMs - query.fromMs) / 60_000);
    const requests: Record<string, number> = { "2xx": 0, "5xx": 0 };
    const p95PerMinuteMs: number[] = [];
    for (let minute = 0; minute < minutes; minute++) {
      let slowest = 0;
      for (const name of query.deployments) {
        const share = (this.traffic[name] ?? 0) + (this.mirror[name] ?? 0);
        const n = Math.round((this.requestsPerMinute * share) / 100);
        if (!n) continue;
        const b = this.behaviour[name] ?? { errorRate: 0.01, p95Ms: 100 };
        let errors = 0;
        for (let i = 0; i < n; i++) if (this.rng.next() < b.errorRate) errors++;
        requests["5xx"] += errors;
        requests["2xx"] += n - errors;
        slowest = Math.max(slowest, b.p95Ms * (0.9 + 0.2 * this.rng.next()));
      }
      if (slowest) p95PerMinuteMs.push(slowest);
    }
    return { requests, p95PerMinuteMs };
  }

  now(): number {
    return this.clock;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.fault("sleep");
    if (signal.aborted) throw new Error("aborted");
    this.clock += ms;
    this.onTick(this.clock);
    await Promise.resolve();
    if (signal.aborted) throw new Error("aborted");
  }

  log(message: string): void {
    this.logs.push(message);
  }
}

/** Azure ML's rules for an endpoint PUT, as the service states them. */
export function azureRefusal(state: EndpointTraffic, deployments: readonly string[], kind: string): string | undefined {
  const all = [...Object.entries(state.traffic), ...Object.entries(state.mirror)];
  if (all.some(([name, w]) => !deployments.includes(name) || !Number.isInteger(w) || w < 0 || w > 100)) return "traffic names a missing deployment or a weight outside 0-100";
  const live = Object.values(state.traffic).reduce((a, b) => a + b, 0);
  if (live !== 0 && live !== 100) return `traffic sums to ${live}`;
  const mirrored = Object.entries(state.mirror).filter(([, w]) => w > 0);
  if (mirrored.length && kind !== "managed") return "mirror traffic on a Kubernetes endpoint";
  if (mirrored.length > 1 || mirrored.some(([name, w]) => w > 50 || (state.traffic[name] ?? 0) > 0)) return "mirror traffic breaks the rules";
  return undefined;
}
