// The emulator the runner starts when no --connection is given (emulator/src/index.ts).
import * as path from 'node:path';
import { UserError } from './errors';
import type { EmulatorConnection } from './serviceConnection';

export interface EmulatorHandle {
  connection: EmulatorConnection;
  connectionFile: string;
  stateDir: string;
  stop(): Promise<void>;
}

type StartEmulator = (options: { stateDir?: string }) => Promise<EmulatorHandle>;

export async function startEmbeddedEmulator(stateDir?: string): Promise<EmulatorHandle> {
  // Loaded on demand: a run with --connection or --azure must not need the emulator's code.
  const modulePath = path.resolve(__dirname, '..', 'emulator', 'src', 'index');
  let start: StartEmulator;
  try {
    start = (require(modulePath) as { startEmulator: StartEmulator }).startEmulator;
  } catch (err) {
    throw new UserError(`cannot load the embedded emulator (${modulePath}): ${(err as Error).message}`);
  }
  return start({ stateDir });
}
