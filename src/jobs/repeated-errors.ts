/**
 * One line per kind of failure and minute, not one per attempt: while the database is down, every
 * poll, sweep and timer fails with the same message, and an operator needs to read that once.
 */
import type { Logger } from '../log.js';

const QUIET_MS = 60_000;

export class RepeatedErrors {
  private readonly last = new Map<string, { at: number; repeats: number }>();

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly now: () => number = Date.now,
  ) {}

  report(error: Error, fields: Record<string, unknown> = {}): void {
    const seen = this.last.get(error.message);
    const now = this.now();
    if (seen && now - seen.at < QUIET_MS) {
      seen.repeats++;
      return;
    }
    if (this.last.size >= 100) this.last.clear(); // messages that carry ids must not pile up
    this.last.set(error.message, { at: now, repeats: 0 });
    this.log.error(this.message, {
      ...fields,
      error: error.message,
      ...(seen?.repeats ? { repeated: seen.repeats } : {}),
    });
  }
}
