/**
 * The database handle's close: whoever stops the server next (the embedded PostgreSQL stops right
 * after it) must find no connection of it still open, or the server's fast shutdown answers that
 * connection with an error some library may still be listening on.
 */
import pg from 'pg';
import { openDb } from '../../src/store/client.js';
import type { TestDatabase } from '../support/database.js';
import { createTestDatabase } from '../support/database.js';

let db: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new pg.Client({ connectionString: process.env.SLOTCAST_TEST_ADMIN_URL });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

const sessions = async () =>
  Number(
    (
      await admin.query<{ count: string }>(
        `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'close-test'`,
        [db.name],
      )
    ).rows[0]!.count,
  );

test('GIVEN a pool with open connections WHEN the handle is closed THEN the server has no session of it left', async () => {
  const url = new URL(db.url);
  url.searchParams.set('application_name', 'close-test');
  const handle = openDb(url.toString(), { max: 8 });
  // Eight connections at once, all back in the pool, idle.
  const clients = await Promise.all(Array.from({ length: 8 }, () => handle.pool.connect()));
  await Promise.all(clients.map((client) => client.query('SELECT 1')));
  for (const client of clients) client.release();
  expect(await sessions()).toBe(8);

  await handle.close();
  // Closed, not merely asked to close: pool.end() alone resolves while the goodbyes are in flight.
  const sockets = clients.map((client) => client as unknown as { connection: { stream: { destroyed: boolean } } });
  expect(sockets.map((client) => client.connection.stream.destroyed)).toEqual(Array(8).fill(true));
  expect(await sessions()).toBe(0);
});

test('GIVEN the server ends a checked-out connection THEN the process keeps running and the query fails', async () => {
  const url = new URL(db.url);
  url.searchParams.set('application_name', 'close-test');
  const handle = openDb(url.toString(), { max: 2 });
  const client = await handle.pool.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const sleeping = client.query('SELECT pg_sleep(30)');
  const ended = new Promise((resolve) => client.once('end', resolve));
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
  await expect(sleeping).rejects.toThrow(/terminating connection/);
  // The connection closes while still checked out: without a listener of its own, its 'error'
  // event ("Connection terminated unexpectedly") would have ended the process here.
  await ended;
  client.release(true);
  await expect(handle.pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
  await handle.close();
});
