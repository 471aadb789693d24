// What every script's command line shares: user errors without stack traces, strict option parsing.
import { parseArgs, ParseArgsConfig } from 'node:util';

/** A failure the user can act on: scripts print its message alone, without a stack trace. */
export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

/** Runs a script's main function: ScriptError → its message and exit code 1; anything else keeps its stack (a bug). */
export function runScript(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ScriptError) console.error(`error: ${err.message}`);
    else console.error(err);
    process.exitCode = 1;
  });
}

/** util.parseArgs with a usage line in the error instead of a stack trace. */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ScriptError(`${(err as Error).message}\nusage: ${usage}`);
  }
}
