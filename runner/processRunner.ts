// Starting a step's process and stopping it the way the agent does on cancel or timeout:
// SIGINT, then SIGTERM after 7.5 s, then SIGKILL of the process tree after 2.5 s more.
// Processes start in their own process group so a Ctrl-C in the runner's terminal reaches them
// only through the runner, as on an agent running as a service.
import { spawn } from 'node:child_process';

export interface GracePeriods {
  sigintToSigtermMs: number;
  sigtermToKillMs: number;
}

/** The agent's defaults (knobs PROCESS_SIGINT_TIMEOUT and PROCESS_SIGTERM_TIMEOUT). */
export const AGENT_GRACE_PERIODS: GracePeriods = { sigintToSigtermMs: 7500, sigtermToKillMs: 2500 };

export interface ProcessSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Send SIGINT/SIGTERM to the whole process group (scripts) rather than the process (tasks). */
  signalGroup: boolean;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  startError?: string;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  readonly outcome: Promise<ProcessOutcome>;
  /** Starts the SIGINT → SIGTERM → SIGKILL sequence; later calls do nothing. */
  cancel(): void;
}

export function startProcess(spec: ProcessSpec, onLine: (line: string, stream: 'stdout' | 'stderr') => void, grace: GracePeriods, onSignal?: (signal: NodeJS.Signals) => void): RunningProcess {
  const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const timers: NodeJS.Timeout[] = [];
  let exited = false;

  const signal = (sig: NodeJS.Signals, group: boolean) => {
    if (exited || child.pid === undefined) return;
    onSignal?.(sig);
    try {
      process.kill(group ? -child.pid : child.pid, sig);
    } catch {
      // Already gone.
    }
  };

  const pipeLines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl).replace(/\r$/, ''), name);
        pending = pending.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (pending) onLine(pending.replace(/\r$/, ''), name);
      pending = '';
    });
  };
  pipeLines(child.stdout!, 'stdout');
  pipeLines(child.stderr!, 'stderr');

  const outcome = new Promise<ProcessOutcome>((resolve) => {
    child.on('error', (err) => {
      exited = true;
      timers.forEach(clearTimeout);
      resolve({ exitCode: null, signal: null, startError: err.message });
    });
    child.on('exit', () => {
      exited = true;
      // The tree dies with its leader, as the agent's final process-tree kill would do.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // No group left.
        }
      }
    });
    child.on('close', (code, sig) => {
      exited = true;
      timers.forEach(clearTimeout);
      resolve({ exitCode: code, signal: sig });
    });
  });

  let canceling = false;
  return {
    pid: child.pid,
    outcome,
    cancel() {
      if (canceling) return;
      canceling = true;
      signal('SIGINT', spec.signalGroup);
      timers.push(
        setTimeout(() => {
          signal('SIGTERM', spec.signalGroup);
          timers.push(setTimeout(() => signal('SIGKILL', true), grace.sigtermToKillMs));
        }, grace.sigintToSigtermMs),
      );
    },
  };
}
