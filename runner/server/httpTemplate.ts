// The text of a server task's HttpRequest (EndpointUrl, Body, Headers ...) as the server renders it:
// `$(name)` macros first (task inputs, endpoint.* values, then variables), then the mustache-like
// templates: `{{name}}` / `{{{name}}}`, `{{#if name}}...{{else}}...{{/if}}`,
// `{{#equals a b [ignoreCase]}}...{{/equals}}` and `{{#notEquals a b [ignoreCase]}}...{{/notEquals}}`,
// whose arguments are quoted literals or names. Names match without regard to case.

export type TemplateValues = Record<string, string>;

function lookup(values: TemplateValues, name: string): string | undefined {
  const key = Object.keys(values).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : values[key];
}

/** `$(name)`: known names are replaced; unknown ones stay as written, as the server leaves them. */
export function expandServerMacros(text: string, values: TemplateValues, variable: (name: string) => string | undefined): string {
  return text.replace(/\$\(([^()\s]+)\)/g, (whole, name: string) => lookup(values, name) ?? variable(name) ?? whole);
}

function argument(token: string, values: TemplateValues): string {
  const quoted = /^'(.*)'$|^"(.*)"$/s.exec(token);
  if (quoted) return quoted[1] ?? quoted[2];
  return lookup(values, token) ?? '';
}

function splitArguments(text: string): string[] {
  return [...text.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0]);
}

const BLOCK = /\{\{#(if|equals|notEquals)\s+([^}]*)\}\}/;

/** Renders the templates; an unknown helper or unclosed block is an Error naming it. */
export function renderTemplate(text: string, values: TemplateValues): string {
  let out = '';
  let rest = text;
  for (;;) {
    const open = BLOCK.exec(rest);
    if (!open) return out + substitute(rest, values);
    out += substitute(rest.slice(0, open.index), values);
    const [helper, args] = [open[1], splitArguments(open[2])];
    const bodyStart = open.index + open[0].length;
    const bodyEnd = closingTag(rest, helper, bodyStart);
    const body = rest.slice(bodyStart, bodyEnd);
    const { then, otherwise } = splitElse(body);
    let chosen: boolean;
    if (helper === 'if') chosen = argument(args[0] ?? '', values) !== '' && argument(args[0] ?? '', values).toLowerCase() !== 'false';
    else {
      const ignoreCase = args[2] !== undefined && args[2] !== '0' && args[2].toLowerCase() !== 'false';
      const [a, b] = [argument(args[0] ?? '', values), argument(args[1] ?? '', values)];
      const same = ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
      chosen = helper === 'equals' ? same : !same;
    }
    out += renderTemplate(chosen ? then : otherwise, values);
    rest = rest.slice(bodyEnd + `{{/${helper}}}`.length);
  }
}

/** Where the block opened before `from` closes, counting nested blocks of the same helper. */
function closingTag(text: string, helper: string, from: number): number {
  const tags = new RegExp(`\\{\\{#${helper}\\s[^}]*\\}\\}|\\{\\{/${helper}\\}\\}`, 'g');
  tags.lastIndex = from;
  let depth = 1;
  for (let m = tags.exec(text); m; m = tags.exec(text)) {
    depth += m[0].startsWith('{{#') ? 1 : -1;
    if (depth === 0) return m.index;
  }
  throw new Error(`the template block {{#${helper}}} is not closed with {{/${helper}}}`);
}

/** `{{else}}` at the block's own level. */
function splitElse(body: string): { then: string; otherwise: string } {
  let depth = 0;
  const tags = /\{\{#\w+[^}]*\}\}|\{\{\/\w+\}\}|\{\{else\}\}/g;
  for (let m = tags.exec(body); m; m = tags.exec(body)) {
    if (m[0].startsWith('{{#')) depth++;
    else if (m[0].startsWith('{{/')) depth--;
    else if (depth === 0) return { then: body.slice(0, m.index), otherwise: body.slice(m.index + m[0].length) };
  }
  return { then: body, otherwise: '' };
}

function substitute(text: string, values: TemplateValues): string {
  const helper = /\{\{#(\w+)/.exec(text);
  if (helper) throw new Error(`the template helper '#${helper[1]}' is not supported by the local runner (if, equals, notEquals)`);
  return text.replace(/\{\{\{\s*([^{}\s]+)\s*\}\}\}|\{\{\s*([^#/{}\s][^{}\s]*)\s*\}\}/g, (whole, triple: string | undefined, double: string | undefined) => {
    const name = triple ?? double!;
    return lookup(values, name) ?? '';
  });
}
