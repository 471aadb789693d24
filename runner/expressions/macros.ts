// $(name) macro expansion, as the agent does it: a known variable is replaced by its value,
// an unknown one is left as written (so `$(date)` in bash keeps working), no recursion.
import type { VariableStore } from '../variables';

const MACRO = /\$\(([^()\s]+)\)/g;

export function expandMacros(text: string, variables: Pick<VariableStore, 'get'>): string {
  return text.replace(MACRO, (whole, name: string) => variables.get(name) ?? whole);
}

/**
 * Expands the macros inside variable values so `b: $(a)-x` sees a's value, the way the agent
 * resolves variables at job start (a few passes settle nested references; cycles stay as text).
 */
export function expandVariableValues(variables: VariableStore): void {
  for (let pass = 0; pass < 5; pass++) {
    let changed = false;
    for (const v of variables.all()) {
      const expanded = expandMacros(v.value, variables);
      if (expanded !== v.value) {
        variables.set(v.name, expanded, { force: true });
        changed = true;
      }
    }
    if (!changed) return;
  }
}
