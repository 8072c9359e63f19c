/**
 * A name one process holds on a database (the embedded server's EMBEDDED_NAME): held on a
 * connection of its own, against real PostgreSQL.
 */
import { silentLogger } from '../../src/log.js';
import { holdName } from '../../src/store/locks.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { waitFor } from '../support/fixtures.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** The backends holding an advisory lock in this test's database. */
async function holders(): Promise<number[]> {
  const { rows } = await db.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows.map((row) => row.pid);
}

test('GIVEN a held name THEN nobody else gets it; WHEN an administrator ends its connection THEN it is taken again; once released, another may take it', async () => {
  const held = await holdName(db.url, 'embedded:a', silentLogger);
  expect(held).toBeDefined();
  expect(await holdName(db.url, 'embedded:a', silentLogger)).toBeUndefined();

  const [before] = await holders();
  await db.pool.query('SELECT pg_terminate_backend($1)', [before]);
  await waitFor(async () => {
    const now = await holders();
    return now.length === 1 && now[0] !== before;
  });
  expect(await holdName(db.url, 'embedded:a', silentLogger)).toBeUndefined();

  await held!.release();
  const next = await holdName(db.url, 'embedded:a', silentLogger);
  expect(next).toBeDefined();
  await next!.release();
});
