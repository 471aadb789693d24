// The inputs a task declares in its task.json, checked before the task does anything: the agent passes
// whatever the pipeline says (a YAML `dryRun: yes` arrives as "yes"), so a boolean that is not true/false or a
// pick-list value outside the declared options must stop the step, not be read as false or a default.
import * as fs from "node:fs";
import * as path from "node:path";
import type { TaskHost } from "./taskHost";
import { UserError } from "./userError";

interface DeclaredInput {
  name: string;
  type: string;
  options?: Record<string, string>;
  properties?: Record<string, string>;
}

/** true or false in any case, as the agent and task-lib spell them; anything else is the user's mistake. */
export function parseBooleanInput(name: string, value: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new UserError(`Input ${name}: '${value}' is not a boolean. Use true or false.`);
}

/** The option a pick-list value names, matched without case as the agent's pick lists are; else a UserError. */
export function pickListValue<T extends string>(inputName: string, value: string, options: readonly T[]): T {
  const chosen = options.find((option) => option.toLowerCase() === value.toLowerCase());
  if (chosen === undefined) throw new UserError(`Input ${inputName}: '${value}' is not one of ${options.join(", ")}.`);
  return chosen;
}

/** A pick-list input as one of its options (the fallback when it is not set). */
export function readPickList<T extends string>(host: TaskHost, name: string, options: readonly T[], fallback: T): T {
  const value = host.getInput(name);
  return value === undefined ? fallback : pickListValue(name, value, options);
}

/** A pick list that takes only its options (EditableOptions lets the user type any value, as for workspace names). */
function fixedOptions(input: DeclaredInput): string[] | undefined {
  if (input.type !== "pickList" && input.type !== "radio") return undefined;
  if (String(input.properties?.EditableOptions ?? "").toLowerCase() === "true") return undefined;
  const options = Object.keys(input.options ?? {});
  return options.length > 0 ? options : undefined;
}

export function readDeclaredInputs(taskDirectory: string): DeclaredInput[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(taskDirectory, "task.json"), "utf8").replace(/^\uFEFF/, "")) as { inputs?: DeclaredInput[] };
  return manifest.inputs ?? [];
}

/**
 * Fails with a UserError naming the input and its value when a boolean or fixed pick-list input holds a value
 * the task does not take. Pick-list values compare without case, as the tasks read them.
 */
export function checkDeclaredInputs(host: TaskHost, inputs: DeclaredInput[]): void {
  for (const input of inputs) {
    const value = host.getInput(input.name);
    if (value === undefined) continue;
    if (input.type === "boolean") {
      parseBooleanInput(input.name, value);
      continue;
    }
    const options = fixedOptions(input);
    if (options) pickListValue(input.name, value, options);
  }
}
