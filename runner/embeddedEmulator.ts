// The emulator the runner starts when no --connection is given (emulator/src/index.ts).
import type { EmulatorConnection } from './serviceConnection';

export interface EmulatorHandle {
  connection: EmulatorConnection;
  connectionFile: string;
  stateDir: string;
  stop(): Promise<void>;
}

export async function startEmbeddedEmulator(stateDir?: string): Promise<EmulatorHandle> {
  // Loaded on demand: runs with --connection or --azure never load the emulator's code.
  const { startEmulator } = require('../emulator/src/index') as typeof import('../emulator/src/index');
  return startEmulator({ stateDir });
}
