// What a schedule read from Azure ML means for the next write: the body that writes it back as it is (enable,
// disable), and whether the body the task would send changes anything (an unchanged re-run sends nothing).
import { parseTriggerTime, pythonDateTimeText } from "../jobSpec";
import { withoutRunLineage } from "../workspace/lineage";
import type { ScheduleResource } from "../workspace/schedules";

/** The writable fields of ScheduleProperties (what azure-ai-ml's begin_enable/begin_disable send back). */
const WRITABLE = ["description", "properties", "tags", "action", "displayName", "isEnabled", "trigger"] as const;

/** The PUT body that writes a schedule back as it was read, with isEnabled changed. */
export function writeBackBody(existing: ScheduleResource, isEnabled: boolean): { properties: Record<string, unknown> } {
  const properties: Record<string, unknown> = {};
  for (const key of WRITABLE) {
    if (existing.properties[key] !== undefined && existing.properties[key] !== null) properties[key] = existing.properties[key];
  }
  properties.isEnabled = isEnabled;
  return { properties };
}

/** Enumerations the service may return in another case than azure-ai-ml sends them ("day" / "Day"). */
const CASE_INSENSITIVE = new Set(["triggerType", "frequency", "weekDays", "jobType", "actionType", "timeZone"]);
const TIMES = new Set(["startTime", "endTime"]);

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === "object" && Object.keys(value as object).length === 0);

function sameTime(a: string, b: string): boolean {
  const [x, y] = [parseTriggerTime(a), parseTriggerTime(b)];
  return x !== undefined && y !== undefined && pythonDateTimeText(x) === pythonDateTimeText(y);
}

/**
 * Whether `actual` holds `wanted`: every field of `wanted` equal in `actual`, which may have more (the service
 * fills in defaults: a job definition's status, services...). With `exact`, fields `actual` has beyond `wanted`
 * count as a difference too (a description removed from the file must be removed from the schedule).
 */
function holds(wanted: unknown, actual: unknown, key: string, exact: boolean): boolean {
  if (isEmpty(wanted) && isEmpty(actual)) return true;
  if (Array.isArray(wanted)) {
    return Array.isArray(actual) && wanted.length === actual.length && wanted.every((item, i) => holds(item, actual[i], key, exact));
  }
  if (wanted !== null && typeof wanted === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const want = wanted as Record<string, unknown>;
    const have = actual as Record<string, unknown>;
    if (exact && Object.keys(have).some((k) => !(k in want) && !isEmpty(have[k]))) return false;
    return Object.keys(want).every((k) => holds(want[k], have[k], k, exact && k !== "jobDefinition"));
  }
  if (typeof wanted === "string" && typeof actual === "string") {
    if (wanted === actual) return true;
    if (CASE_INSENSITIVE.has(key)) return wanted.toLowerCase() === actual.toLowerCase();
    return TIMES.has(key) && sameTime(wanted, actual);
  }
  return wanted === actual;
}

const lineageFree = (tags: unknown): Record<string, string> => withoutRunLineage((tags ?? {}) as Record<string, string>);

/**
 * True when PUTting `body` would leave the schedule as it is. The azure-devops.* lineage tags are left out: they
 * name the pipeline run that deployed the definition, so a run that deploys the same definition changes nothing.
 */
export function isUnchanged(body: { properties: Record<string, unknown> }, existing: ScheduleResource): boolean {
  const current: Record<string, unknown> = {};
  for (const key of WRITABLE) current[key] = existing.properties[key];
  // A schedule the service reports without isEnabled is enabled (the REST model's default).
  current.isEnabled ??= true;
  current.tags = lineageFree(current.tags);
  return holds({ ...body.properties, tags: lineageFree(body.properties.tags) }, current, "", true);
}
