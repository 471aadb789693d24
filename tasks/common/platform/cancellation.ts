// Cancellation the way the agent does it: SIGINT, SIGTERM 7.5 s later, then a kill 2.5 s after that.
// task-lib installs no handler, so the task does: in-flight calls are aborted through one AbortSignal and the
// registered cleanup hooks (cancel a job, restore traffic) run within what is left of the window.

export type CleanupHook = (deadline: AbortSignal) => Promise<void> | void;

export interface CancellationOptions {
  /** Time for cleanup after SIGINT, leaving margin before the agent's SIGTERM at 7.5 s. */
  afterInterruptMs?: number;
  /** Time for cleanup after SIGTERM, leaving margin before the kill at 2.5 s. */
  afterTerminateMs?: number;
  log?: (message: string) => void;
  /** Called once cleanup is over (or out of time), with the exit code. */
  exit?: (code: number) => void;
  signals?: NodeJS.EventEmitter;
}

export interface Cancellation {
  /** Aborted when the agent cancels the task; pass it to every long-running call. */
  readonly signal: AbortSignal;
  /** Registers a cleanup hook; returns a function that unregisters it (call it once the work is done). */
  onCancel(hook: CleanupHook): () => void;
  /** Removes the signal handlers (end of a task that was not cancelled; once cancelled, exit ends it). */
  dispose(): void;
}

const exitCodes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export function installCancellationHandlers(options: CancellationOptions = {}): Cancellation {
  const afterInterruptMs = options.afterInterruptMs ?? 6_500;
  const afterTerminateMs = options.afterTerminateMs ?? 2_000;
  const log = options.log ?? ((message: string) => console.log(message));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? process;
  const controller = new AbortController();
  const hooks = new Set<CleanupHook>();
  const deadline = new AbortController();
  let deadlineTimer: NodeJS.Timeout | undefined;
  let deadlineAt = Infinity;
  let exitCode = 1;

  /** Cleanup must end within `ms` from now; a later signal can only bring the deadline closer. */
  const setDeadline = (ms: number): void => {
    if (Date.now() + ms >= deadlineAt) return;
    deadlineAt = Date.now() + ms;
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(() => deadline.abort(new Error("Out of time for cleanup")), ms);
  };

  const runHooks = async (): Promise<void> => {
    // Latest registered first: later work depends on earlier setup, so undo it in reverse.
    const pending = [...hooks].reverse().map(async (hook) => {
      try {
        await hook(deadline.signal);
      } catch (error) {
        log(`Cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    const outOfTime = new Promise<void>((resolve) => deadline.signal.addEventListener("abort", () => resolve(), { once: true }));
    await Promise.race([Promise.all(pending), outOfTime]);
    if (deadline.signal.aborted) {
      log("Cleanup did not finish before the agent's deadline.");
    }
    clearTimeout(deadlineTimer);
    exit(exitCode);
  };

  const onSignal = (name: NodeJS.Signals): void => {
    exitCode = exitCodes[name] ?? 1;
    if (controller.signal.aborted) {
      // Second signal (SIGTERM after SIGINT): the kill is 2.5 s away, tighten the deadline.
      log(`Received ${name} during cleanup; finishing within ${(Math.min(afterTerminateMs, deadlineAt - Date.now()) / 1000).toFixed(1)} s.`);
      setDeadline(afterTerminateMs);
      return;
    }
    log(`Received ${name}: the run was cancelled. Stopping and cleaning up (${hooks.size} step(s)).`);
    setDeadline(name === "SIGINT" ? afterInterruptMs : afterTerminateMs);
    controller.abort(new Error(`Cancelled (${name})`));
    void runHooks();
  };

  signals.on("SIGINT", onSignal);
  signals.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    onCancel(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    dispose() {
      // Cancelled: cleanup is under way and must still hear SIGTERM to shorten its deadline; exit ends the process.
      if (controller.signal.aborted) return;
      signals.removeListener("SIGINT", onSignal);
      signals.removeListener("SIGTERM", onSignal);
    },
  };
}
