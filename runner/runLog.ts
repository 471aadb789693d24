// Everything the runner prints goes through here, masked with the secrets known at that moment.
import type { SecretMasker } from './masker';

export type LogSink = (line: string) => void;

export class RunLog {
  constructor(
    private readonly sink: LogSink,
    private readonly masker: SecretMasker,
    readonly debugEnabled: boolean,
  ) {}

  /** The same log with every line prefixed: jobs running side by side stay tellable apart. */
  prefixed(prefix: string): RunLog {
    return new RunLog((line) => this.sink(`${prefix}${line}`), this.masker, this.debugEnabled);
  }

  line(text: string): void {
    for (const l of this.masker.mask(text).split('\n')) this.sink(l);
  }

  section(text: string): void {
    this.line(`##[section]${text}`);
  }

  error(text: string): void {
    this.line(`##[error]${text}`);
  }

  warning(text: string): void {
    this.line(`##[warning]${text}`);
  }

  debug(text: string): void {
    if (this.debugEnabled) this.line(`##[debug]${text}`);
  }
}
