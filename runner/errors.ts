// User-facing errors: the CLI prints their message (no stack trace) and exits non-zero.

/** A place in a pipeline file, 1-based like editors show it. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export function formatPosition(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}:${pos.column}`;
}

/** Bad input from the user: a pipeline file, a command-line option, a connection file. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Bad input at a known place in a pipeline file. */
export class PipelineFileError extends UserError {
  constructor(
    readonly position: SourcePosition,
    readonly detail: string,
  ) {
    super(`${formatPosition(position)}: ${detail}`);
    this.name = 'PipelineFileError';
  }
}
