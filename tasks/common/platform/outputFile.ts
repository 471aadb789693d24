// Files a task writes for later steps (modelJsonFile, configFile): checked when the input is read, before
// anything changes in Azure, so a bad path fails the step while there is nothing to undo; written by one rule.
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError, errorMessage } from "./userError";

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** Fails unless `file` can be written: not a folder, and its folder exists and is writable or can be created. */
export function checkOutputFile(file: string, input: string): void {
  const target = path.resolve(file);
  const existing = statOf(target);
  if (existing?.isDirectory()) {
    throw new UserError(`Input ${input}: ${file} is a folder; name the file to write (for example ${path.join(file, `${input}.json`)}).`);
  }
  // The file itself if it exists, else the nearest folder above it that exists (the rest is created).
  let nearest = existing ? target : path.dirname(target);
  while (!statOf(nearest) && path.dirname(nearest) !== nearest) nearest = path.dirname(nearest);
  if (!existing && !statOf(nearest)?.isDirectory()) {
    throw new UserError(`Input ${input}: cannot create ${file}, because ${nearest} is a file, not a folder.`);
  }
  try {
    fs.accessSync(nearest, fs.constants.W_OK);
  } catch (error) {
    throw new UserError(`Input ${input}: ${file} cannot be written (${existing ? "the file" : `the folder ${nearest}`} is not writable for the agent's user): ${errorMessage(error)}`);
  }
}

/** Writes the file, creating its folder; a failure names the input. */
export function writeOutputFile(file: string, input: string, content: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  } catch (error) {
    throw new UserError(`Cannot write ${file} (input ${input}): ${errorMessage(error)}`);
  }
}
