/**
 * A name only one process may hold on a database at a time: a PostgreSQL session advisory lock on
 * a connection of its own, held for as long as the process runs (PostgreSQL lets it go when the
 * connection ends, so a crashed holder frees the name at once). A lost connection (a database
 * restart, an administrator ending the session) loses the lock too: it is taken again as soon as
 * the database answers, and said loudly if another process took the name meanwhile.
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';

export interface HeldName {
  release(): Promise<void>;
}

const RETRY_FIRST_MS = 1_000;
const RETRY_LONGEST_MS = 10_000;

/** A connection holding the lock on `name`, or undefined when another process holds it. */
async function lock(databaseUrl: string, name: string): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ held: boolean }>(
      'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held',
      [`slotcast:${name}`],
    );
    if (rows[0]?.held) return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  await client.end();
  return undefined;
}

/** Holds `name`, or resolves undefined when another process holds it. */
export async function holdName(databaseUrl: string, name: string, log: Logger): Promise<HeldName | undefined> {
  const first = await lock(databaseUrl, name);
  if (!first) return undefined;
  let client = first;
  let released = false;
  let retry: NodeJS.Timeout | undefined;

  const takeAgain = (delay: number) => {
    retry = setTimeout(() => {
      lock(databaseUrl, name).then(
        (again) => {
          if (released) return void again?.end().catch(() => undefined);
          if (!again) {
            log.error('another process took a name this one held while its connection was lost', { name });
            return;
          }
          client = again;
          watch(again);
          log.info('holds its name again', { name });
        },
        () => takeAgain(Math.min(delay * 2, RETRY_LONGEST_MS)),
      );
    }, delay);
    retry.unref();
  };
  const watch = (held: pg.Client) => {
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || released) return;
      lost = true;
      void held.end().catch(() => undefined);
      log.warn('lost the database connection that holds a name; taking it again', {
        name,
        error: error ? coerceError(error).message : undefined,
      });
      takeAgain(RETRY_FIRST_MS);
    };
    held.on('error', onLost);
    held.on('end', () => onLost());
  };
  watch(first);
  return {
    release: async () => {
      released = true;
      clearTimeout(retry);
      await client.end().catch(() => undefined);
    },
  };
}
