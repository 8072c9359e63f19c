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

  /**
   * The attempts succeed again: said once, with how many failures went unsaid, if any failure was
   * reported since the last recovery. The next failure is then reported at once.
   */
  recovered(message: string, fields: Record<string, unknown> = {}): void {
    if (this.last.size === 0) return;
    const unsaid = [...this.last.values()].reduce((sum, seen) => sum + seen.repeats, 0);
    this.last.clear();
    this.log.info(message, { ...fields, ...(unsaid ? { repeated: unsaid } : {}) });
  }
}
