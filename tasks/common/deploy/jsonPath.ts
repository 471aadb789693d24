// The small JSONPath the smoke test's expectJsonPath takes: $ then .name, [index] or ['name'] steps.
const STEP = /\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['"]([^'"]+)['"]\]/y;

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
