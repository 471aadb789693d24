// Cancellation of a run, a job or a step: Ctrl-C, a timeout, or the cancel window running out.

/** Cancels once; running steps subscribe to learn of it. */
export class Cancellation {
  private listeners = new Set<() => void>();
  canceled = false;

  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    for (const l of [...this.listeners]) l();
  }

  /** Calls `listener` on cancel (now if already canceled); returns an unsubscribe. */
  subscribe(listener: () => void): () => void {
    if (this.canceled) listener();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
