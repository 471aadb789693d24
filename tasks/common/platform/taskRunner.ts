// The frame every task's index.ts runs in: cancellation handlers, one place that turns errors into a
// failed result (user errors and the failures a layer above explains, without stack traces), and cleanup at
// the end.
import { installCancellationHandlers, type Cancellation } from "./cancellation";
import { checkDeclaredInputs, readDeclaredInputs } from "./declaredInputs";
import type { TaskHost } from "./taskHost";
import { isUserError } from "./userError";

export interface TaskRun {
  cancellation: Cancellation;
  /** Registers cleanup for the end of the task (success, failure or cancellation). */
  defer(cleanup: () => void | Promise<void>): void;
}

/**
 * The whole message for a failure the user can act on (an Azure error with its ids, say), or undefined for
 * an error it does not know. Layers above the platform supply one (azure/azureTask.ts).
 */
export type FailureExplainer = (error: unknown) => string | undefined;

/** The failure message for the log: never a stack trace for what the user can fix. */
function failureMessage(error: unknown, explain: FailureExplainer): string {
  const explained = explain(error);
  if (explained !== undefined) return explained;
  return error instanceof Error ? error.message || error.name : String(error);
}

export interface TaskFrameOptions {
  explain?: FailureExplainer;
  /** The folder of the running task's task.json: its boolean and pick-list inputs are checked before the body runs. */
  taskDirectory?: string;
}

export async function runTask(host: TaskHost, body: (run: TaskRun) => Promise<void>, options: TaskFrameOptions = {}): Promise<void> {
  const explain = options.explain ?? (() => undefined);
  const explained = (error: unknown): boolean => isUserError(error) || explain(error) !== undefined;
  const deferred: Array<() => void | Promise<void>> = [];
  let cleanedUp: Promise<void> | undefined;
  // Once only, after the cancellation hooks when cancelled: they may still need what deferred cleanup removes.
  const cleanUp = (): Promise<void> =>
    (cleanedUp ??= (async () => {
      for (const cleanup of deferred.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          host.warning(`Cleanup failed: ${failureMessage(error, explain)}`);
        }
      }
    })());
  const cancellation = installCancellationHandlers({
    log: (message) => host.log(message),
    exit: (code) => {
      void cleanUp().finally(() => {
        host.setResult("Cancelled", "The task was cancelled.");
        process.exit(code);
      });
    },
  });
  try {
    if (options.taskDirectory !== undefined) checkDeclaredInputs(host, readDeclaredInputs(options.taskDirectory));
    await body({ cancellation, defer: (cleanup) => deferred.push(cleanup) });
  } catch (error) {
    if (!cancellation.signal.aborted) {
      if (!explained(error) && error instanceof Error && error.stack) {
        host.debug(error.stack);
      }
      host.setResult("Failed", failureMessage(error, explain));
      process.exitCode = 1;
    }
  } finally {
    // When cancelled, the handlers stay installed (a SIGTERM must still shorten the deadline) and exit
    // cleans up once the hooks are done.
    if (!cancellation.signal.aborted) {
      await cleanUp();
      cancellation.dispose();
    }
  }
}
