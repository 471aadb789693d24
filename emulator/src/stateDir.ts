// Owning a state directory: one emulator at a time (a lock file naming its process), and the same
// loopback ports at every start on it, so a task that is running while the emulator restarts
// reconnects to the proxy, identity endpoints and admin API it was given.
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { readJsonFile } from './store';

const LOCK_FILE = 'emulator.lock';
const PORTS_FILE = 'ports.json';

export class StateDirInUseError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the state directory for this process, or refuses when a live emulator holds it. A lock left
 * by a process that no longer exists (the emulator was killed) is taken over. Returns the release.
 */
export function lockStateDir(stateDir: string): () => void {
  const file = path.join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(holder) && isAlive(holder)) {
      throw new StateDirInUseError(
        `${holder === process.pid ? 'An emulator in this process' : `Another emulator (process ${holder})`} is using the state directory ${stateDir}. Stop it first, or start this one with another --state-dir. (If no emulator runs, delete ${file}.)`,
      );
    }
    fs.rmSync(file, { force: true });
  }
  throw new StateDirInUseError(`Could not take the state directory ${stateDir}: ${file} keeps reappearing (another emulator starting at the same time?).`);
}

export type PortName = 'proxy' | 'admin' | 'identity' | 'imds';

/** The ports of the previous start on this state directory (none for a new one). */
export function previousPorts(stateDir: string): Partial<Record<PortName, number>> {
  const file = path.join(stateDir, PORTS_FILE);
  return fs.existsSync(file) ? readJsonFile<Partial<Record<PortName, number>>>(file) : {};
}

export function savePorts(stateDir: string, ports: Record<PortName, number>): void {
  fs.writeFileSync(path.join(stateDir, PORTS_FILE), `${JSON.stringify(ports, null, 2)}\n`);
}

function listenOn(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Listens on `preferred` when given (the previous start's port), else on a free port. A preferred port
 * that another program took meanwhile gives way to a free one, and `onMoved` says so.
 */
export async function listenPreferring(server: http.Server, host: string, preferred: number | undefined, onMoved: (message: string) => void): Promise<number> {
  if (preferred) {
    try {
      return await listenOn(server, host, preferred);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      const port = await listenOn(server, host, 0);
      onMoved(`port ${preferred} on ${host} is taken by another program; listening on ${port} instead (clients given the old port must be given the new connection.json).`);
      return port;
    }
  }
  return listenOn(server, host, 0);
}
