// The small JSONPath that expectJsonPath (deploy smoke test) and custom checks take: $ then .name, [index] or ['name'] steps.
const STEP_PATTERN = String.raw`\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['"]([^'"]+)['"]\]`;
const STEP = new RegExp(STEP_PATTERN, "y");
const WHOLE_PATH = new RegExp(`^\\$(?:${STEP_PATTERN})*$`);

/** Whether the path is one valueAtPath reads (inputs check this, so a typo is refused before anything runs). */
export function isSupportedJsonPath(jsonPath: string): boolean {
  return WHOLE_PATH.test(jsonPath);
}

export const JSON_PATH_HELP = "use $ followed by .name, [index] or ['name'] steps, e.g. $.predictions[0]";

/** The value at the path, or undefined when the answer has nothing there. */
export function valueAtPath(document: unknown, jsonPath: string): unknown {
  if (!jsonPath.startsWith("$")) return undefined;
  let value: unknown = document;
  STEP.lastIndex = 1;
  while (STEP.lastIndex < jsonPath.length) {
    const match = STEP.exec(jsonPath);
    if (!match) return undefined;
    const key: string | number = match[2] !== undefined ? Number(match[2]) : (match[1] ?? match[3]);
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** expectValue matches a string as text, anything else as JSON (so 1, 1.0 and "1" all match the number 1). */
export function matchesExpected(actual: unknown, expected: string): boolean {
  if (typeof actual === "string") return actual === expected;
  try {
    return JSON.stringify(actual) === JSON.stringify(JSON.parse(expected));
  } catch {
    return false;
  }
}
