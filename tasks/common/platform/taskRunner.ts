// The frame every task's index.ts runs in: cancellation handlers, one place that turns errors into a
// failed result (user errors and ARM errors without stack traces), and cleanup at the end.
import { describeArmError, parseArmFailure } from "../azure/armErrors";
import { installCancellationHandlers, type Cancellation } from "./cancellation";
import type { TaskHost } from "./taskHost";
import { isUserError } from "./userError";

export interface TaskRun {
  cancellation: Cancellation;
  /** Registers cleanup for the end of the task (success, failure or cancellation). */
  defer(cleanup: () => void | Promise<void>): void;
}

/** The failure message for the log: never a stack trace for what the user can fix. */
export function failureMessage(error: unknown): string {
  if (isUserError(error) || parseArmFailure(error)) {
    return describeArmError(error);
  }
  return error instanceof Error ? error.message || error.name : String(error);
}

export async function runTask(host: TaskHost, body: (run: TaskRun) => Promise<void>): Promise<void> {
  const deferred: Array<() => void | Promise<void>> = [];
  let cleanedUp: Promise<void> | undefined;
  // Once only, after the cancellation hooks when cancelled: they may still need what deferred cleanup removes.
  const cleanUp = (): Promise<void> =>
    (cleanedUp ??= (async () => {
      for (const cleanup of deferred.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          host.warning(`Cleanup failed: ${failureMessage(error)}`);
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
    await body({ cancellation, defer: (cleanup) => deferred.push(cleanup) });
  } catch (error) {
    if (!cancellation.signal.aborted) {
      if (!isUserError(error) && !parseArmFailure(error) && error instanceof Error && error.stack) {
        host.debug(error.stack);
      }
      host.setResult("Failed", failureMessage(error));
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
