/**
 * Wrong viewer credentials, counted per address across every instance (issue 16): one address
 * gets 429 after `max` wrong or missing tries within a minute, wherever its requests land.
 */
import type { Sql } from '../../store/sql.js';
import { forgetWrongTries, recordWrongTry, wrongTriesSince } from '../../store/streaming.js';

const MINUTE_MS = 60_000;

export class WrongTries {
  constructor(
    private readonly sql: Sql,
    private readonly max: number,
  ) {}

  async blocked(ip: string, now: Date): Promise<boolean> {
    return (await wrongTriesSince(this.sql, ip, new Date(now.getTime() - MINUTE_MS))) >= this.max;
  }

  record(ip: string, now: Date): Promise<void> {
    return recordWrongTry(this.sql, ip, now);
  }

  /** Forgets tries older than the minute they count in. */
  sweep(now: Date): Promise<void> {
    return forgetWrongTries(this.sql, new Date(now.getTime() - MINUTE_MS));
  }
}
