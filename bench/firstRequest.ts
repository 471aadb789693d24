// Process start to first HTTP request of a task: the parent stamps the time just before spawning node;
// the preloaded network guard stamps the first connection attempt and ends the process there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';

const NETWORK_GUARD = path.resolve(__dirname, '..', 'scripts', 'network-guard.cjs');
const TIMEOUT_MS = 60_000;

export type Measurement = { ms: number; host: string } | { failure: string };

export async function startToFirstRequest(script: string, env: Record<string, string>, workDir: string): Promise<Measurement> {
  const stampFile = path.join(workDir, `first-connect-${process.hrtime.bigint()}.txt`);
  const started = performance.timeOrigin + performance.now();
  const child = spawn(process.execPath, ['--require', NETWORK_GUARD, script], {
    cwd: workDir,
    env: { ...env, NETWORK_GUARD_FIRST_CONNECT_FILE: stampFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (!fs.existsSync(stampFile)) {
    const lastLines = output.trim().split('\n').filter((line) => !line.startsWith('##vso[task.debug]')).slice(-3).join(' | ');
    return { failure: `no HTTP request (exit ${code}): ${lastLines}` };
  }
  const [connected, host] = fs.readFileSync(stampFile, 'utf8').trim().split(' ');
  fs.rmSync(stampFile);
  return { ms: Number(connected) - started, host };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
