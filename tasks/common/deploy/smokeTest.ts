// The smoke test: the request body sent to the new deployment alone (the azureml-model-deployment header
// overrides the endpoint's traffic weights), retried while the deployment is not answering yet, then its
// answer checked against expectStatus and expectJsonPath/expectValue.
import * as fs from "node:fs";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { abortableSleep } from "../azure/retry";
import { UserError, errorMessage } from "../platform/userError";
import { DEPLOYMENT_HEADER, scoringRequest } from "../workspace/endpointScoring";
import { matchesExpected, valueAtPath } from "../workspace/jsonPath";
import type { SmokeTestInputs } from "./inputs";

/** Statuses that mean "not answering yet" (routing not ready, container starting, throttled): retried. */
const NOT_READY = new Set([404, 408, 429, 502, 503, 504]);
const RETRY_INTERVAL_MS = 2_000;
const ANSWER_PREVIEW_CHARS = 2_000;

export interface SmokeTestRequest {
  httpClient: HttpClient;
  scoringUri: string;
  deployment: string;
  authorization: string;
  test: SmokeTestInputs;
  /** How long to keep retrying a deployment that does not answer yet. */
  limitMs: number;
  log: (message: string) => void;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SmokeTestResult {
  passed: boolean;
  status?: number;
  attempts: number;
  /** Why it failed, for the step's result. */
  reason?: string;
}

function readRequestBody(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(`Input smokeTestFile: cannot read ${file}: ${errorMessage(error)}`);
  }
}

function check(test: SmokeTestInputs, status: number, body: string): string | undefined {
  if (status !== test.expectStatus) return `answered ${status}, expected ${test.expectStatus}`;
  if (!test.expectJsonPath) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return `the answer is not JSON, so expectJsonPath ${test.expectJsonPath} cannot be read`;
  }
  const value = valueAtPath(document, test.expectJsonPath);
  if (value === undefined) return `the answer has nothing at ${test.expectJsonPath}`;
  if (test.expectValue !== undefined && !matchesExpected(value, test.expectValue)) return `${test.expectJsonPath} is ${JSON.stringify(value)}, expected ${test.expectValue}`;
  return undefined;
}

export async function runSmokeTest(request: SmokeTestRequest): Promise<SmokeTestResult> {
  const now = request.now ?? Date.now;
  const sleep = request.sleep ?? abortableSleep;
  const body = readRequestBody(request.test.requestFile);
  const deadline = now() + request.limitMs;
  request.log(`Smoke test: POST ${request.scoringUri} to deployment '${request.deployment}' alone (${DEPLOYMENT_HEADER} header).`);
  for (let attempt = 1; ; attempt++) {
    let status: number | undefined;
    let answer = "";
    let failure: string | undefined;
    try {
      const response = await request.httpClient.sendRequest(
        scoringRequest({ uri: request.scoringUri, authorization: request.authorization, deployment: request.deployment }, { body, signal: request.signal }),
      );
      status = response.status;
      answer = response.bodyAsText ?? "";
    } catch (error) {
      if (request.signal?.aborted) throw error;
      failure = errorMessage(error);
    }
    const retriable = status === undefined || (NOT_READY.has(status) && status !== request.test.expectStatus);
    if (!retriable || now() + RETRY_INTERVAL_MS > deadline) {
      const why = status === undefined ? `the request failed: ${failure}` : check(request.test, status, answer);
      const preview = answer.length > ANSWER_PREVIEW_CHARS ? `${answer.slice(0, ANSWER_PREVIEW_CHARS)}…` : answer;
      if (status !== undefined) request.log(`Smoke test answer (${status}) after ${attempt} attempt(s): ${preview}`);
      if (why) return { passed: false, status, attempts: attempt, reason: why + (retriable ? ` (still not answering after ${Math.round(request.limitMs / 1000)} s)` : "") };
      return { passed: true, status, attempts: attempt };
    }
    request.log(`Smoke test attempt ${attempt}: ${status === undefined ? failure : `${status} (not answering yet)`}; retrying in ${RETRY_INTERVAL_MS / 1000} s.`);
    await sleep(RETRY_INTERVAL_MS, request.signal);
  }
}
