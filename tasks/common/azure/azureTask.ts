// The task frame for tasks that call Azure: ARM failures are the user's to read (code, message, the role to
// grant, request ids), so they end the task without a stack trace, like user errors.
import type { TaskHost } from "../platform/taskHost";
import { runTask, type TaskRun } from "../platform/taskRunner";
import { isUserError } from "../platform/userError";
import { describeArmError, parseArmFailure } from "./armErrors";

/** The message for a user error or an ARM failure; undefined for anything else. */
export function explainAzureFailure(error: unknown): string | undefined {
  return isUserError(error) || parseArmFailure(error) ? describeArmError(error) : undefined;
}

/** taskDirectory: the folder of the task's task.json (its index.ts's __dirname), whose declared inputs are checked first. */
export function runAzureTask(host: TaskHost, taskDirectory: string, body: (run: TaskRun) => Promise<void>): Promise<void> {
  return runTask(host, body, { explain: explainAzureFailure, taskDirectory });
}
