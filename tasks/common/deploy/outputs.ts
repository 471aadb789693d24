// The task's output variables: set once each, skipping values not known (yet).
import type { TaskHost } from "../platform/taskHost";

export function setOutputs(host: TaskHost, values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) if (value !== undefined) host.setVariable(name, value, { isOutput: true });
}
