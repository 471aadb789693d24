// A load generator for online endpoints: one request body sent at a fixed rate for a duration, to the endpoint
// (its traffic split decides, so mirroring applies) or to one deployment alone (the azureml-model-deployment
// header), for the rollout's load test and the gate's loadTest check.
//
// Open loop: request i is due at start + i / rate, whatever happened to the requests before it, so a slow
// endpoint gets the same offered load as a fast one and its slowness shows in the latencies (a closed loop,
// which sends after the previous answer, would send fewer requests to a slow endpoint and hide its slowness:
// "coordinated omission"). At most maxConcurrency requests are in flight: a request due while all slots are
// taken waits for one, and its latency counts from when it was due, not from when it was sent, so the wait is
// measured too. Requests still waiting when the duration ends are not sent and are counted as unsent: the
// endpoint (or maxConcurrency) could not keep up with the rate.
//
// The run ends when the duration is over and the requests in flight have answered (or timed out), or at once
// when the signal aborts: requests in flight are then abandoned and left out of the samples (a cancelled
// request says nothing about the endpoint), and the result says cancelled.
import type { HttpClient } from "@azure/core-rest-pipeline";
import { errorMessage } from "../platform/userError";
import { scoringRequest, type ScoringTarget } from "./endpointScoring";

export interface LoadPlan {
  target: ScoringTarget;
  /** The request body (e.g. the content of the smoke-request file), sent as JSON with POST. */
  body: string;
  /** Offered load, requests per second (> 0). */
  ratePerSecond: number;
  /** Most requests in flight at once (≥ 1). */
  maxConcurrency: number;
  durationMs: number;
  /** One request's time limit; one that takes longer is a transport failure. Default 60 s. */
  requestTimeoutMs?: number;
}

export interface RequestSample {
  /** When the request was due, in ms after the load began. */
  dueMs: number;
  /** From when it was due to its answer (or failure), in ms: includes any wait for a free slot. */
  latencyMs: number;
  /** The HTTP status; absent for a transport failure. */
  status?: number;
  /** Why no answer came (connection refused or reset, timeout …); absent when an answer came. */
  failure?: string;
}

export interface LoadRun {
  samples: RequestSample[];
  /** Requests due that were never sent: the duration ended while they waited for a slot. */
  unsent: number;
  /** From the start to the last answer, in ms. */
  elapsedMs: number;
  cancelled: boolean;
}

export interface LoadClock {
  now(): number;
  /** Resolves after ms, or early when the signal aborts (never rejects). */
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

const realClock: LoadClock = {
  now: () => performance.now(),
  wait: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    }),
};

/** Rejects a plan that cannot run, naming the field (callers map it to their input's name). */
export function loadPlanProblems(plan: Pick<LoadPlan, "ratePerSecond" | "maxConcurrency" | "durationMs">): string[] {
  const problems: string[] = [];
  if (!(plan.ratePerSecond > 0) || !Number.isFinite(plan.ratePerSecond)) problems.push(`rate must be a number of requests per second above 0, not ${plan.ratePerSecond}`);
  if (!Number.isInteger(plan.maxConcurrency) || plan.maxConcurrency < 1) problems.push(`maxConcurrency must be a whole number of at least 1, not ${plan.maxConcurrency}`);
  if (!(plan.durationMs >= 0)) problems.push(`duration must not be negative, not ${plan.durationMs} ms`);
  return problems;
}

export async function generateLoad(httpClient: HttpClient, plan: LoadPlan, options: { signal?: AbortSignal; clock?: LoadClock } = {}): Promise<LoadRun> {
  const problems = loadPlanProblems(plan);
  if (problems.length) throw new Error(`Invalid load plan: ${problems.join("; ")}`);
  const clock = options.clock ?? realClock;
  // One controller for everything in flight, so a cancel abandons every request at once.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  const start = clock.now();
  const intervalMs = 1000 / plan.ratePerSecond;
  const samples: RequestSample[] = [];
  const waiting: number[] = []; // due times (ms after start) of requests waiting for a slot, oldest first
  const inFlight = new Set<Promise<void>>();
  let slotFreed: () => void = () => undefined;

  const send = (dueMs: number): void => {
    const sending = (async () => {
      let status: number | undefined;
      let failure: string | undefined;
      try {
        const response = await httpClient.sendRequest(scoringRequest(plan.target, { body: plan.body, signal: stop.signal, timeoutMs: plan.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS }));
        status = response.status;
      } catch (error) {
        failure = errorMessage(error);
      }
      if (!stop.signal.aborted) samples.push({ dueMs, latencyMs: clock.now() - start - dueMs, ...(status !== undefined ? { status } : { failure }) });
    })();
    inFlight.add(sending);
    void sending.finally(() => {
      inFlight.delete(sending);
      slotFreed();
    });
  };
  const sendWaiting = (): void => {
    while (waiting.length && inFlight.size < plan.maxConcurrency) send(waiting.shift()!);
  };

  try {
    for (let index = 0; !stop.signal.aborted; index++) {
      const dueMs = index * intervalMs;
      if (dueMs >= plan.durationMs) break;
      // Sleep until the next request is due, sending waiting ones as slots free up meanwhile.
      while (!stop.signal.aborted && clock.now() - start < dueMs) {
        const freed = new Promise<void>((resolve) => (slotFreed = resolve));
        const sleeping = new AbortController();
        const wake = () => sleeping.abort();
        stop.signal.addEventListener("abort", wake, { once: true });
        await Promise.race([clock.wait(dueMs - (clock.now() - start), sleeping.signal), waiting.length ? freed : new Promise<void>(() => undefined)]);
        sleeping.abort();
        stop.signal.removeEventListener("abort", wake);
        sendWaiting();
      }
      if (stop.signal.aborted) break;
      waiting.push(dueMs);
      sendWaiting();
    }
    // The duration is over: what still waits for a slot is sent only if a slot frees before the end.
    while (!stop.signal.aborted && waiting.length && clock.now() - start < plan.durationMs) {
      await Promise.race([new Promise<void>((resolve) => (slotFreed = resolve)), clock.wait(plan.durationMs - (clock.now() - start), stop.signal)]);
      sendWaiting();
    }
    const unsent = waiting.length;
    waiting.length = 0;
    while (inFlight.size && !stop.signal.aborted) await Promise.race([Promise.race(inFlight), new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }))]);
    return { samples: samples.sort((a, b) => a.dueMs - b.dueMs), unsent, elapsedMs: clock.now() - start, cancelled: options.signal?.aborted ?? false };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}
