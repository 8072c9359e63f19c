/**
 * The reconfirmation deadline clock. Deadlines are not Agenda jobs: the reservation table already
 * holds them (indexed on status, reconfirm_deadline), and Agenda starts jobs saved well ahead of
 * their time seconds late when thousands fall due together (../shared/BASELINES.md: p99 14.8 s
 * for 10k jobs within 15 s). Instead each processing process keeps one timer set to the next
 * deadline; at it, it lapses every reservation that is due and sets the timer again.
 *
 * A new or moved deadline reaches every process through PostgreSQL NOTIFY, so the timer is
 * moved earlier wherever it runs. Restarts lose nothing: the timer is set from the table at
 * start, and the Agenda sweeper lapses anything overdue as a backstop. Several processes may
 * race for one reservation; the lapse use case locks the row and the loser does nothing.
 */
import { lapseReservation } from '../app/lifecycle.js';
import type { AppDeps } from '../app/deps.js';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { PgListener } from '../store/listener.js';
import type { Sql } from '../store/sql.js';
import { statement } from '../store/sql.js';
import { forEachConcurrently } from './concurrency.js';
import { RepeatedErrors } from './repeated-errors.js';

export const DEADLINE_CHANNEL = 'slotcast_deadlines';

// Timers further out than this are re-read from the table when they fire (Node timers cap at ~24.8 days).
const LONGEST_TIMER_MS = 60 * 60_000;
const BATCH = 500;

async function dueIds(sql: Sql, limit: number): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>(
    statement(
      `SELECT id FROM reservation WHERE status = 'permitted' AND reconfirm_deadline <= now() ORDER BY reconfirm_deadline LIMIT $1`,
      [limit],
    ),
  );
  return rows.map((row) => row.id);
}

async function nextDeadline(sql: Sql): Promise<Date | undefined> {
  const { rows } = await sql.query<{ next: Date | null }>(
    statement(`SELECT min(reconfirm_deadline) AS next FROM reservation WHERE status = 'permitted'`, []),
  );
  return rows[0]?.next ?? undefined;
}

/** Tells every deadline clock (in any process) about a deadline; call it after the commit that set it. */
export async function announceDeadline(sql: Sql, at: Date): Promise<void> {
  await sql.query('SELECT pg_notify($1, $2)', [DEADLINE_CHANNEL, at.toISOString()]);
}

export class DeadlineClock {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly listener: PgListener;
  private stopped = false;
  private readonly failures: RepeatedErrors;

  constructor(
    private readonly deps: AppDeps,
    databaseUrl: string,
    private readonly log: Logger,
    private readonly concurrency = 32,
  ) {
    this.failures = new RepeatedErrors(log, 'deadline clock failed; retrying every 5 s');
    this.listener = new PgListener({
      databaseUrl,
      channels: [DEADLINE_CHANNEL],
      name: 'the deadline clock',
      log,
      onNotification: (_channel, payload) => payload && this.poke(new Date(payload)),
      // NOTIFYs sent while it was away reached nobody: the table says what is due.
      onReconnected: () => void this.run(),
    });
  }

  /** Listens on its own connection (see PgListener), then sets the timer from the table. */
  async start(): Promise<void> {
    await this.listener.start();
    await this.run();
  }

  /** Makes sure the clock fires at `at` or earlier. */
  poke(at: Date): void {
    if (this.stopped || at.getTime() >= this.timerAt) return;
    this.setTimer(at.getTime());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.listener.stop();
  }

  private setTimer(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    const delay = Math.min(Math.max(0, at - Date.now()), LONGEST_TIMER_MS);
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }

  /** Lapses what is due, then sets the timer to the next deadline. One run at a time. */
  private run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.timerAt = Infinity;
    this.running = (async () => {
      let stuck = false;
      try {
        do {
          this.again = false;
          for (
            let ids = await dueIds(this.deps.pool, BATCH);
            ids.length > 0 && !this.stopped;
            ids = await dueIds(this.deps.pool, BATCH)
          ) {
            let lapsed = 0;
            await forEachConcurrently(ids, this.concurrency, (id) =>
              // One reservation that cannot be lapsed must not hold up the others; the sweeper retries it.
              lapseReservation(this.deps, id).then(
                () => void lapsed++,
                (error: unknown) =>
                  this.log.error('lapse failed', { reservation: id, error: coerceError(error).message }),
              ),
            );
            stuck = lapsed === 0;
            if (stuck) break; // only failures left: try again in a while, not in a tight loop
          }
        } while (this.again && !this.stopped);
        const next = stuck ? new Date(Date.now() + 5_000) : await nextDeadline(this.deps.pool);
        if (next && !this.stopped) this.setTimer(next.getTime());
      } catch (error) {
        this.failures.report(coerceError(error));
        if (!this.stopped) this.setTimer(Date.now() + 5_000);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
