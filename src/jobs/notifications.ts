/**
 * Agenda's LISTEN/NOTIFY channel, made to outlive the database.
 *
 * The channel of @agendajs/postgres-backend reconnects after a lost connection, but it reports
 * every failure as an 'error' event (an unhandled one ends the process), retries every 100 ms,
 * and a connection that fails between checkout and LISTEN is never returned to the pool. This
 * subclass handles all three: errors are logged once per outage, retries come every second, and
 * a half-made connection is discarded. Agenda polls besides (JOB_POLL_EVERY), so jobs still run
 * while the channel is down; the channel only makes them start within milliseconds.
 */
import { PostgresNotificationChannel } from '@agendajs/postgres-backend';
import type pg from 'pg';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';

const RETRY_EVERY_MS = 1_000;

export class JobNotifications extends PostgresNotificationChannel {
  private lost = false;

  constructor(pool: pg.Pool, log: Logger) {
    super({
      pool,
      // The backend's own channel name, so that processes of older and newer versions hear each other.
      reconnect: { enabled: true, initialDelayMs: RETRY_EVERY_MS, maxDelayMs: 30_000, maxAttempts: Infinity },
    });
    this.on('error', (error: unknown) => {
      if (this.lost || this.state === 'disconnected') return;
      this.lost = true;
      log.warn('the database connection was lost: job notifications paused, reconnecting', {
        error: coerceError(error).message,
      });
    });
    this.on('stateChange', (state: string) => {
      if (state !== 'connected' || !this.lost) return;
      this.lost = false;
      log.info('the database connection is back: job notifications resumed');
    });
  }

  override async connect(): Promise<void> {
    try {
      await super.connect();
    } catch (error) {
      // Connected, then failed before LISTEN: the connection would stay checked out for ever.
      const self = this as unknown as { listenClient?: pg.PoolClient };
      self.listenClient?.release(true);
      self.listenClient = undefined;
      throw error;
    }
  }
}
