// Azure ML's expression syntax in commands and pipeline steps: ${{inputs.x}} / ${{outputs.y}} in a
// command, $[[ ... ]] around parts that need an optional input, and ${{parent.inputs.x}} /
// ${{parent.jobs.<step>.outputs.<o>}} / ${{parent.outputs.o}} in a pipeline step's bindings.
import type { Properties } from '../arm/resources';
import { JobInputError } from './storage';

const EXPRESSION = /\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
const OPTIONAL_BLOCK = /\$\[\[([\s\S]*?)\]\]/g;

/**
 * Replaces ${{inputs.x}} and ${{outputs.y}} with their values. A $[[...]] block is kept only when every
 * input it names was given; any other missing name fails the job, naming it.
 */
export function substituteCommand(command: string, values: { inputs: Record<string, string>; outputs: Record<string, string> }): string {
  const lookup = (reference: string): string | undefined => {
    const [kind, name, ...rest] = reference.split('.');
    if (rest.length > 0) return undefined;
    if (kind === 'inputs') return values.inputs[name];
    if (kind === 'outputs') return values.outputs[name];
    return undefined;
  };
  const withOptional = command.replace(OPTIONAL_BLOCK, (_block, inner: string) => {
    const references = [...inner.matchAll(EXPRESSION)].map((m) => m[1]);
    return references.every((r) => lookup(r) !== undefined) ? inner : '';
  });
  return withOptional.replace(EXPRESSION, (_expression, reference: string) => {
    const value = lookup(reference);
    if (value === undefined) {
      const known = [...Object.keys(values.inputs).map((n) => `inputs.${n}`), ...Object.keys(values.outputs).map((n) => `outputs.${n}`)];
      throw new JobInputError(`The command refers to \${{${reference}}}, which the job does not define (it has: ${known.join(', ') || 'no inputs or outputs'}).`);
    }
    return value;
  });
}

/** A pipeline binding that is the whole value: ${{parent.inputs.x}}, ${{parent.outputs.o}} or ${{parent.jobs.s.outputs.o}}. */
export type Binding = { kind: 'parentInput'; name: string } | { kind: 'parentOutput'; name: string } | { kind: 'stepOutput'; step: string; name: string };

export function parseBinding(value: unknown): Binding | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*\$\{\{\s*parent\.(inputs|outputs|jobs)\.([A-Za-z0-9_-]+)(?:\.outputs\.([A-Za-z0-9_-]+))?\s*\}\}\s*$/.exec(value);
  if (!match) return undefined;
  const [, kind, name, output] = match;
  if (kind === 'jobs') return output ? { kind: 'stepOutput', step: name, name: output } : undefined;
  if (output) return undefined;
  return kind === 'inputs' ? { kind: 'parentInput', name } : { kind: 'parentOutput', name };
}

/** REST bodies spell discriminators both ways (jobInputType from ARM clients, job_input_type inside pipeline steps). */
export function inputTypeOf(input: Properties): string {
  return String(input.jobInputType ?? input.job_input_type ?? input.type ?? 'literal').toLowerCase();
}

export function outputTypeOf(output: Properties): string {
  return String(output.jobOutputType ?? output.job_output_type ?? output.type ?? 'uri_folder').toLowerCase();
}
