// ##vso[area.event key=value;...]message — the logging commands a step writes to stdout/stderr.
// Parsing and unescaping follow the agent's Command.TryParse and task-lib's escaping
// (%AZP25 → %, %0D, %0A, and in properties also %5D → ], %3B → ;).

export interface LoggingCommand {
  /** Lower-case "area.event", e.g. "task.setvariable". */
  name: string;
  /** Property names lower-case (the agent reads them case-insensitively). */
  properties: Record<string, string>;
  message: string;
}

const PREFIX = '##vso[';

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%AZP25/gi, '%');
}

function unescapeProperty(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%5D/gi, ']').replace(/%3B/gi, ';').replace(/%AZP25/gi, '%');
}

/**
 * The command on this line, if any (the agent looks for the prefix anywhere in the line).
 * Returns `{ error }` for a malformed command so the caller can warn as the agent does.
 */
export function parseLoggingCommand(line: string): LoggingCommand | { error: string } | undefined {
  const start = line.indexOf(PREFIX);
  if (start < 0) return undefined;
  const text = line.slice(start);
  const close = text.indexOf(']');
  if (close < 0) return { error: `malformed logging command (no ']'): ${text}` };
  const header = text.slice(PREFIX.length, close).trim();
  const space = header.indexOf(' ');
  const name = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  if (!/^[a-z]+\.[a-z]+$/.test(name)) return { error: `malformed logging command '${name}': expected area.event` };
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const part of header.slice(space + 1).split(';')) {
      const trimmed = part.trim();
      if (!trimmed) continue;
      const eq = trimmed.indexOf('=');
      if (eq < 0) properties[trimmed.toLowerCase()] = '';
      else properties[trimmed.slice(0, eq).trim().toLowerCase()] = unescapeProperty(trimmed.slice(eq + 1));
    }
  }
  return { name, properties, message: unescapeData(text.slice(close + 1)) };
}

/** Agent truthiness for command properties: "true" (any case) only. */
export function flag(value: string | undefined): boolean {
  return (value ?? '').trim().toLowerCase() === 'true';
}
