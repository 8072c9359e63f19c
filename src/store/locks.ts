/**
 * A name only one process may hold on a database at a time: a PostgreSQL session advisory lock on
 * a connection of its own, held for as long as the process runs it (PostgreSQL lets it go when the
 * connection ends, so a crashed holder frees the name at once).
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';

export interface HeldName {
  release(): Promise<void>;
}

/** Holds `name`, or resolves undefined when another process holds it. */
export async function holdName(databaseUrl: string, name: string, log: Logger): Promise<HeldName | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  const { rows } = await client.query<{ held: boolean }>(
    'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held',
    [`slotcast:${name}`],
  );
  if (!rows[0]?.held) {
    await client.end();
    return undefined;
  }
  let released = false;
  // Losing the connection loses the lock: said once, loudly (another instance may now take the name).
  client.on('error', (error) => {
    if (!released)
      log.error('lost the database connection that holds a name', { name, error: coerceError(error).message });
  });
  return {
    release: async () => {
      released = true;
      await client.end().catch(() => undefined);
    },
  };
}
