/**
 * A PostgreSQL LISTEN that outlives the database: one connection of its own, made again with
 * backoff when it is lost (the database restarts, an administrator ends the session) for as long
 * as the listener runs. NOTIFYs sent while it was away reached nobody, so `onReconnected` is where
 * its owner re-reads what it keeps (the deadline clock its next deadline, the streaming gate its
 * snapshot).
 */
import pg from 'pg';
import type { Logger } from '../log.js';

const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_LONGEST_MS = 10_000;

export interface ListenerOptions {
  databaseUrl: string;
  /** Channel names: plain identifiers, written into the LISTEN statement. */
  channels: readonly string[];
  /** What listens, for the log lines ("the deadline clock"). */
  name: string;
  log: Logger;
  onNotification(channel: string, payload: string): void;
  /** Called after a lost connection is listening again (not after the first start). */
  onReconnected?(): void;
}

export class PgListener {
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: ListenerOptions) {
    for (const channel of options.channels)
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  }

  /** Listens; rejects when the first connection fails (the caller decides what comes next). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 10_000 });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || this.stopped) return;
      lost = true;
      void client.end().catch(() => undefined);
      this.reconnect(error);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.payload !== undefined) this.options.onNotification(message.channel, message.payload);
    });
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      lost = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) await client.end().catch(() => undefined);
    else this.client = client;
  }

  private reconnect(error?: Error): void {
    if (this.stopped) return;
    if (this.failures++ === 0)
      this.options.log.warn(`${this.options.name} lost its database connection; reconnecting`, {
        error: error?.message,
      });
    const delay = Math.min(RECONNECT_FIRST_MS * 2 ** Math.min(this.failures - 1, 5), RECONNECT_LONGEST_MS);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.stopped) return;
          this.options.log.info(`${this.options.name} is listening again`);
          this.failures = 0;
          this.options.onReconnected?.();
        },
        (failure: unknown) => this.reconnect(failure instanceof Error ? failure : new Error(String(failure))),
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}
