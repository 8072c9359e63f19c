/**
 * A database of its own for each test file: a clone of the migrated template made by the global
 * setup, dropped when the file is done.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DbHandle } from '../../src/store/client.js';
import { openDb } from '../../src/store/client.js';

export interface TestDatabase extends DbHandle {
  url: string;
  name: string;
  /** Drops the database after closing every connection to it. */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.SLOTCAST_TEST_ADMIN_URL;
  if (!url)
    throw new Error(
      'SLOTCAST_TEST_ADMIN_URL is unset: run the tests through jest (npm test), whose global setup starts PostgreSQL.',
    );
  return url;
}

async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (no migrations), for tests of the migration runner itself. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `slotcast_test_${randomBytes(6).toString('hex')}`;
  await asAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const name = `slotcast_test_${randomBytes(6).toString('hex')}`;
  const template = process.env.SLOTCAST_TEST_TEMPLATE ?? 'slotcast_test_template';
  await asAdmin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const handle = openDb(url.toString(), { max: options.poolSize ?? 10 });
  return {
    ...handle,
    url: url.toString(),
    name,
    drop: async () => {
      await handle.close();
      await asAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
