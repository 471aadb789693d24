// The rollout's load test: during each analysed step's window, the request file is sent to the endpoint at the
// given rate, so that an endpoint with too little traffic of its own still gets enough requests to judge.
// Requests go to the endpoint's scoring URI with no deployment header: the traffic split (and mirroring)
// decides where each lands, as for users' requests, so the stable and the new deployment get their shares and
// a mirror step mirrors them (a request addressed by header is never mirrored and bypasses the split).
// The load is a helper, not a verdict: what it measures is logged, the analysis judges Azure Monitor's
// metrics as always, and a load test that cannot run (no scoring URI, no key) is logged as such and the
// analysis goes on (too few requests then make the step inconclusive, never a pass).
import * as fs from "node:fs";
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { errorMessage, UserError } from "../platform/userError";
import { scoringAuthorization, type ScoringTarget } from "../workspace/endpointScoring";
import { generateLoad } from "../workspace/loadGenerator";
import { summarizeLoad } from "../workspace/loadStatistics";
import type { OnlineEndpointsApi } from "../workspace/onlineEndpoints";
import type { LoadTestInputs } from "./inputs";

export interface LoadSenderOptions {
  api: Pick<OnlineEndpointsApi, "getEndpoint" | "listKeys" | "getToken">;
  endpointName: string;
  httpClient: HttpClient;
  credential: TokenCredential;
  mask: (secret: string) => void;
  test: LoadTestInputs;
  log: (message: string) => void;
}

/** Reads the request file now (so a wrong path fails before any traffic moves); the sender scores the endpoint for durationMs. */
export function createLoadSender(options: LoadSenderOptions): (durationMs: number, signal: AbortSignal) => Promise<void> {
  const { test, log } = options;
  let body: string;
  try {
    body = fs.readFileSync(test.requestFile, "utf8");
  } catch (error) {
    throw new UserError(`Input loadTestFile: cannot read ${test.requestFile}: ${errorMessage(error)}`);
  }
  let target: ScoringTarget | undefined;
  const resolveTarget = async (signal: AbortSignal): Promise<ScoringTarget> => {
    if (target) return target;
    const endpoint = (await options.api.getEndpoint(options.endpointName, signal)).resource;
    const uri = endpoint?.properties.scoringUri;
    if (!uri) throw new Error(`endpoint '${options.endpointName}' reports no scoring URI`);
    target = { uri, authorization: await scoringAuthorization(options.api, options.endpointName, endpoint.properties.authMode, options.credential, options.mask) };
    return target;
  };
  return async (durationMs, signal) => {
    let scoring: ScoringTarget;
    try {
      scoring = await resolveTarget(signal);
    } catch (error) {
      if (signal.aborted) return;
      log(`Load test not sent: ${errorMessage(error)}`);
      return;
    }
    log(`Load test: ${test.ratePerSecond} requests/s to ${scoring.uri} for ${Math.round(durationMs / 1000)} s (at most ${test.maxConcurrency} at once; the traffic split decides the deployment).`);
    const run = await generateLoad(options.httpClient, { target: scoring, body, ratePerSecond: test.ratePerSecond, maxConcurrency: test.maxConcurrency, durationMs }, { signal });
    log(describeLoad(run));
  };
}

function describeLoad(run: Parameters<typeof summarizeLoad>[0] & { cancelled: boolean }): string {
  const s = summarizeLoad(run);
  const ms = (value: number | undefined) => (value === undefined ? "–" : `${Math.round(value)} ms`);
  const parts = [`${s.requests} requests sent`, `${s.serverErrors} endpoint failures (5xx or 424)`, `${s.transportFailures} without an answer`, `latency p50 ${ms(s.p50Ms)}, p95 ${ms(s.p95Ms)}, p99 ${ms(s.p99Ms)}`, `${s.throughputPerSecond.toFixed(1)} answers/s`];
  if (s.unsent) parts.push(`${s.unsent} not sent (the endpoint or loadTestConcurrency could not keep up)`);
  return `Load test ${run.cancelled ? "stopped" : "done"}: ${parts.join("; ")}.`;
}
