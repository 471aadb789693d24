// Azurite's blob service as a child process on a free loopback port, with telemetry disabled and
// its data in the state directory. It exits with the emulator: on stop(), and on its own when the
// emulator's process dies (the stdin pipe it watches closes).
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AzuriteBlob {
  port: number;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  location: string;
  /** The storage accounts it serves (it takes the account from the Host header or the path). */
  accounts: Array<{ name: string; key: string }>;
  logFile: string;
  /** Told when Azurite exits while the emulator still needs it. */
  onUnexpectedExit?: (message: string) => void;
}

const STARTUP_TIMEOUT_MS = 30_000;
const SHUTDOWN_GRACE_MS = 5_000;

// Runs Azurite's own blob entry point after arranging for a graceful shutdown (Azurite's SIGTERM
// handler saves its metadata) when stdin closes: on stop(), or when the emulator's process dies.
const WATCHDOG = `
process.stdin.on('error', () => {}).on('end', () => {
  setTimeout(() => process.exit(0), ${SHUTDOWN_GRACE_MS}).unref();
  process.kill(process.pid, 'SIGTERM');
}).resume();
process.argv.splice(1, 0, process.env.AZURITE_BLOB_MAIN);
require(process.env.AZURITE_BLOB_MAIN);
`;

export async function startAzuriteBlob(options: AzuriteOptions): Promise<AzuriteBlob> {
  fs.mkdirSync(options.location, { recursive: true });
  const main = require.resolve('azurite/dist/src/blob/main.js');
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', options.location, '--disableTelemetry', '--skipApiVersionCheck', '--loose', '--silent'];
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(process.execPath, ['-e', WATCHDOG, '--', ...args], {
    // Its own process group: a terminal's Ctrl-C reaches the emulator, which then stops Azurite in order.
    detached: true,
    stdio: ['pipe', 'pipe', log],
    env: { ...process.env, AZURITE_BLOB_MAIN: main, AZURITE_ACCOUNTS: options.accounts.map((a) => `${a.name}:${a.key}`).join(';'), NODE_OPTIONS: '' },
  });
  fs.closeSync(log);
  const port = await listeningPort(child, options.logFile);
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) options.onUnexpectedExit?.(`Azurite exited unexpectedly (${signal ?? `code ${code}`}); blob requests will fail. See ${options.logFile}.`);
  });
  return {
    port,
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

function listeningPort(child: ChildProcess, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(`Azurite did not start within ${STARTUP_TIMEOUT_MS / 1000} s`), STARTUP_TIMEOUT_MS);
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}; see ${logFile}. Output: ${output.trim()}`));
    };
    child.once('exit', (code) => fail(`Azurite exited with code ${code}`));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /successfully listens on https?:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        // Keep draining stdout so Azurite never blocks on a full pipe.
        child.stdout!.removeAllListeners('data').resume();
        resolve(Number(match[1]));
      }
    });
  });
}

/** Closing stdin starts the graceful shutdown; SIGKILL if it takes longer than the grace period. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_GRACE_MS + 1000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.stdin!.end();
  });
}

export const AZURITE_DIR = (stateDir: string) => path.join(stateDir, 'azurite');
