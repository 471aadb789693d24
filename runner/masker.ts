// Secret masking, as the agent's secret masker does: every registered value, and the forms it
// commonly takes in output (JSON-escaped, URL-encoded, base64), is replaced by *** in everything
// the runner prints or writes.

export const MASK = '***';

export class SecretMasker {
  private readonly patterns = new Set<string>();

  add(secret: string | undefined): void {
    if (!secret) return;
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
      if (form) this.patterns.add(form);
    }
  }

  get count(): number {
    return this.patterns.size;
  }

  mask(text: string): string {
    if (!text || this.patterns.size === 0) return text;
    // Longest first so a secret containing another secret is masked whole.
    let result = text;
    for (const p of [...this.patterns].sort((a, b) => b.length - a.length)) result = result.split(p).join(MASK);
    return result;
  }

  /** Deep copy with every string masked (for the report). */
  maskDeep<T>(value: T): T {
    return JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' ? this.mask(v) : v)) as T;
  }
}
