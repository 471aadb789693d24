// The rollout's custom check, run at every look of a step beside the metrics (Argo Rollouts' web and job
// metrics): either an HTTP request whose JSON answer an expression judges, or a command whose exit code does.
//
// The expression is deliberately small (no eval): `<JSONPath> <op> <JSON value>` with op one of
// == != < <= > >=, or a JSONPath alone, meaning "is true". E.g. `$.healthy`, `$.status == "ok"`,
// `$.metrics.errorRate < 0.01`. The JSONPath is the smoke test's ($ then .name, [index] or ['name'] steps);
// < <= > >= compare numbers only; == and != compare as the smoke test's expectValue does (text or JSON).
//
// Verdicts: the expression holds / exit code 0 => pass; the expression is false / exit code not 0 => fail.
// A check that cannot be evaluated — no answer, a non-2xx answer, an answer that is not JSON or has nothing at
// the path, a command that cannot start or outlives its timeout — is inconclusive: it says nothing about the new
// deployment either way, so it never passes a step, and inconclusivePolicy decides if it is still so at the
// step's end (a broken check fails the rollout under the default policy, rather than blocking it forever or
// waving it through).
import { spawn } from "node:child_process";
import { createHttpHeaders, createPipelineRequest, type HttpClient } from "@azure/core-rest-pipeline";
import { errorMessage, UserError } from "../platform/userError";
import { isSupportedJsonPath, JSON_PATH_HELP, matchesExpected, valueAtPath } from "../workspace/jsonPath";
import type { CheckVerdict } from "./analysis";

export type ComparisonOperator = "==" | "!=" | "<" | "<=" | ">" | ">=";

export interface JsonExpression {
  path: string;
  /** Absent: the value at path must be true. */
  operator?: ComparisonOperator;
  /** The right-hand side as written (a JSON value, or bare text compared as text). */
  expected?: string;
  text: string;
}

export type CustomCheck =
  | { kind: "http"; url: string; method: "GET" | "POST"; body?: string; expression: JsonExpression; timeoutMs: number }
  | { kind: "command"; command: string; timeoutMs: number };

export interface CustomCheckResult {
  verdict: CheckVerdict;
  reason: string;
}

const EXPRESSION = /^\s*(\$\S*)\s*(?:(==|!=|<=|>=|<|>)\s*([^=<>!\s].*?))?\s*$/;

/** Parses `<JSONPath> [<op> <value>]`; the error names the input. */
export function parseJsonExpression(text: string, inputName: string): JsonExpression {
  const match = EXPRESSION.exec(text);
  if (!match || !isSupportedJsonPath(match[1])) {
    throw new UserError(`Input ${inputName}: '${text}' is not a supported expression; write <JSONPath> [<op> <value>] with op one of == != < <= > >=, e.g. $.status == "ok" or $.errorRate < 0.01 (JSONPath: ${JSON_PATH_HELP})`);
  }
  const [, path, operator, expected] = match;
  if (operator && ["<", "<=", ">", ">="].includes(operator) && !Number.isFinite(Number(expected))) {
    throw new UserError(`Input ${inputName}: '${text}': ${operator} compares numbers, and '${expected}' is not a number`);
  }
  return { path, operator: operator as ComparisonOperator | undefined, expected: operator ? unquote(expected) : undefined, text: text.trim() };
}

/** "ok" and 'ok' are the text ok (matchesExpected compares a string answer as text). */
function unquote(value: string): string {
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(value);
  return quoted ? (quoted[1] ?? quoted[2]) : value;
}

/** Whether the document satisfies the expression; undefined when it has nothing at the path (cannot judge). */
export function evaluateJsonExpression(document: unknown, expression: JsonExpression): { holds: boolean; value: unknown } | undefined {
  const value = valueAtPath(document, expression.path);
  if (value === undefined) return undefined;
  const { operator, expected } = expression;
  if (!operator) return { holds: value === true, value };
  if (operator === "==" || operator === "!=") return { holds: matchesExpected(value, expected!) === (operator === "=="), value };
  if (typeof value !== "number") return { holds: false, value };
  const right = Number(expected);
  const holds = operator === "<" ? value < right : operator === "<=" ? value <= right : operator === ">" ? value > right : value >= right;
  return { holds, value };
}

const PREVIEW_CHARS = 500;
const preview = (text: string) => (text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text);

export async function runHttpCheck(httpClient: HttpClient, check: Extract<CustomCheck, { kind: "http" }>, signal: AbortSignal): Promise<CustomCheckResult> {
  const unsure = (why: string): CustomCheckResult => ({ verdict: "inconclusive", reason: `custom check ${check.method} ${check.url}: ${why}` });
  let status: number;
  let text: string;
  try {
    const response = await httpClient.sendRequest(
      createPipelineRequest({
        url: check.url,
        method: check.method,
        headers: createHttpHeaders({ accept: "application/json", ...(check.body !== undefined ? { "content-type": "application/json" } : {}) }),
        body: check.body,
        abortSignal: signal,
        timeout: check.timeoutMs,
        allowInsecureConnection: /^http:/i.test(check.url),
      }),
    );
    status = response.status;
    text = response.bodyAsText ?? "";
  } catch (error) {
    if (signal.aborted) throw error;
    return unsure(`no answer (${errorMessage(error)})`);
  }
  if (status < 200 || status > 299) return unsure(`answered ${status}: ${preview(text)}`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return unsure(`the answer is not JSON: ${preview(text)}`);
  }
  const result = evaluateJsonExpression(document, check.expression);
  if (!result) return unsure(`the answer has nothing at ${check.expression.path}`);
  const shown = `${check.expression.path} is ${JSON.stringify(result.value)}`;
  return result.holds ? { verdict: "pass", reason: `custom check: ${shown}; ${check.expression.text} holds` } : { verdict: "fail", reason: `custom check: ${shown}; ${check.expression.text} does not hold` };
}

/** Runs the command in a shell (as a script step would), its output line by line to the log; killed at the timeout. */
export function runCommandCheck(check: Extract<CustomCheck, { kind: "command" }>, log: (line: string) => void, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<CustomCheckResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(check.command, { shell: true, stdio: ["ignore", "pipe", "pipe"], env, detached: process.platform !== "win32" });
    let timedOut = false;
    const kill = () => {
      try {
        // The whole process group: a shell's children would otherwise outlive it.
        if (child.pid !== undefined && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, check.timeoutMs);
    const onAbort = () => kill();
    signal.addEventListener("abort", onAbort, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (pending + chunk).split(/\r?\n/);
        pending = lines.pop() ?? "";
        for (const line of lines) log(`  | ${line}`);
      });
      stream.on("end", () => pending && log(`  | ${pending}`));
    }
    const finish = (result: CustomCheckResult | Error) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    child.on("error", (error) => finish({ verdict: "inconclusive", reason: `custom check command could not start: ${errorMessage(error)}` }));
    child.on("close", (code) => {
      if (signal.aborted) return finish(signal.reason instanceof Error ? signal.reason : new Error("The operation was aborted."));
      if (timedOut) return finish({ verdict: "inconclusive", reason: `custom check command did not finish within ${check.timeoutMs / 1000} s and was stopped` });
      finish(code === 0 ? { verdict: "pass", reason: "custom check command exited 0" } : { verdict: "fail", reason: `custom check command exited ${code ?? "on a signal"}` });
    });
  });
}

export function runCustomCheck(check: CustomCheck, httpClient: HttpClient, log: (line: string) => void, signal: AbortSignal): Promise<CustomCheckResult> {
  if (check.kind === "http") return runHttpCheck(httpClient, check, signal);
  log(`Custom check: ${check.command}`);
  return runCommandCheck(check, log, signal);
}
