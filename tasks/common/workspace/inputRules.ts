// How the tasks read the inputs every feature shares: Azure ML's naming rules, each written once, and
// key=value-or-JSON lists (tags, properties). Every error names the input (and the line).
import { UserError } from "../platform/userError";

interface NameRule {
  pattern: RegExp;
  /** What the value names, for the error. */
  what: string;
  /** The rule in words. */
  rule: string;
}

/** Job and asset names, as the REST spec allows them (jobs/{id}, models/{name}, ...). */
export const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

export const NAME_RULES = {
  job: { pattern: JOB_NAME, what: "Azure ML job name", rule: "letters, digits, '-' and '_', starting with a letter or digit, at most 255 characters" },
  model: { pattern: JOB_NAME, what: "Azure ML model name", rule: "letters, digits, '-' and '_', starting with a letter or digit, at most 255 characters" },
  experiment: { pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/, what: "experiment name", rule: "letters, digits, '.', '-' and '_', starting with a letter or digit, at most 255 characters" },
  jobOutput: { pattern: /^[A-Za-z_][A-Za-z0-9_]{0,254}$/, what: "job output name", rule: "letters, digits and '_', not starting with a digit" },
} satisfies Record<string, NameRule>;

/** Asset versions (models/{name}/versions/{version}): 1 to 30 characters; the label 'latest' is not a version. */
export function isAssetVersion(version: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,29}$/.test(version) && version.toLowerCase() !== "latest";
}

/** Throws a UserError naming the input unless the value follows the rule. */
export function checkName(kind: keyof typeof NAME_RULES, inputName: string, value: string): void {
  const { pattern, what, rule } = NAME_RULES[kind];
  if (!pattern.test(value)) throw new UserError(`Input ${inputName}: '${value}' is not a valid ${what}: use ${rule}.`);
}

/**
 * key=value pairs, one a line (a YAML block scalar; blank lines and # comments skipped, the last value of a
 * key wins), or a JSON object. Keys are trimmed; values keep inner spaces.
 */
export function parseKeyValues(inputName: string, text: string | undefined): Record<string, string> {
  if (!text) return {};
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UserError(`Input ${inputName}: not valid JSON (${(error as Error).message}). Use a JSON object or key=value lines.`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new UserError(`Input ${inputName}: expected a JSON object of strings.`);
    return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
  }
  const pairs: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const equals = line.indexOf("=");
    const key = equals > 0 ? line.slice(0, equals).trim() : "";
    if (!key) throw new UserError(`Input ${inputName}, line ${index + 1}: '${line}' is not key=value.`);
    pairs[key] = line.slice(equals + 1).trim();
  });
  return pairs;
}

export interface NumberRule {
  min: number;
  max?: number;
  whole?: boolean;
  /** Allow a trailing '%' ("5%" reads as 5). */
  percent?: boolean;
}

/** A number input's text (undefined stays undefined); a value outside the rule is a UserError naming the input. */
export function parseNumberInput(inputName: string, text: string | undefined, rule: NumberRule): number | undefined {
  if (text === undefined) return undefined;
  const value = Number((rule.percent ? text.replace(/%$/, "") : text).trim());
  const max = rule.max ?? Infinity;
  if (text.trim() === "" || !Number.isFinite(value) || value < rule.min || value > max || (rule.whole && !Number.isInteger(value))) {
    throw new UserError(`Input ${inputName}: '${text}' must be ${rule.whole ? "a whole number" : "a number"} from ${rule.min}${max === Infinity ? " up" : ` to ${max}`}`);
  }
  return value;
}
