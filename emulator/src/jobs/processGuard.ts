// Job processes must not outlive the emulator, even when it is killed with SIGKILL and runs no
// clean-up. A small guard process (in its own process group, so a terminal's Ctrl-C does not reach
// it) holds a pipe from the emulator and the list of job process groups; when the pipe closes, for
// whatever reason the emulator ended, it sends SIGTERM to every group still listed, then SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';

const GUARD_KILL_GRACE_MS = 2000;

// Lines on stdin: "+<pgid>" tracks a group, "-<pgid>" forgets it. EOF: end them all.
const GUARD_SCRIPT = `
const groups = new Set();
let pending = '';
const signal = (name) => { for (const g of groups) { try { process.kill(-g, name); } catch {} } };
process.on('SIGINT', () => {});
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\\n');
  pending = lines.pop();
  for (const line of lines) {
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid); else groups.delete(pgid);
  }
});
process.stdin.on('error', () => {});
process.stdin.on('close', () => {
  if (groups.size === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); process.exit(0); }, ${GUARD_KILL_GRACE_MS});
});
`;

export class ProcessGuard {
  private readonly guard: ChildProcess;

  constructor() {
    this.guard = spawn(process.execPath, ['-e', GUARD_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: { PATH: process.env.PATH ?? '' } });
    this.guard.stdin!.on('error', () => undefined);
    // The guard must not keep the emulator's event loop alive.
    this.guard.unref();
    (this.guard.stdin as unknown as { unref?: () => void }).unref?.();
  }

  /** The guard's own process id (tests kill the emulator and watch it act). */
  get pid(): number | undefined {
    return this.guard.pid;
  }

  track(pgid: number): void {
    this.guard.stdin!.write(`+${pgid}\n`);
  }

  forget(pgid: number): void {
    this.guard.stdin!.write(`-${pgid}\n`);
  }

  /** On a clean stop, after the emulator has ended its jobs itself. */
  close(): void {
    this.guard.stdin!.end();
  }
}
