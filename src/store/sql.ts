/**
 * Transactions in plain SQL over the shared node-postgres pool. A use case runs its work inside
 * `inTransaction`; every data-access function takes the `Sql` it runs on.
 *
 * Deadlocks (40P01) and serialization failures (40001) are retried from the start: PostgreSQL
 * aborted the whole transaction, so replaying it is safe.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

/** What data-access functions need: something to run a query on (a pool or a transaction). */
export type Sql = Pick<pg.ClientBase, 'query'>;

const statementNames = new Map<string, string>();

/**
 * A query as a named (prepared) statement: PostgreSQL parses and plans it once per connection
 * instead of on every call, which roughly doubled the booking rate in bench:reserve. The name is
 * derived from the text, so each distinct text is prepared once.
 */
export function statement(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (!name) {
    name = `slotcast_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

/** The SQLSTATE of a database error, however deeply a driver or Prisma wrapped it. */
export function sqlState(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const candidate = current as {
      code?: unknown;
      originalCode?: unknown;
      meta?: { code?: unknown; driverAdapterError?: unknown };
      cause?: unknown;
    };
    if (typeof candidate.originalCode === 'string') return candidate.originalCode;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) && !candidate.code.startsWith('P'))
      return candidate.code;
    if (typeof candidate.meta?.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.meta.code))
      return candidate.meta.code;
    current = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return undefined;
}

export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return (state !== undefined && RETRYABLE_SQLSTATES.has(state)) || (error as { code?: unknown })?.code === 'P2034';
}

/** A unique-constraint violation naming `target` (a constraint or column name). */
export function isUniqueViolation(error: unknown, target: string): boolean {
  const candidate = error as { code?: string; constraint?: string; meta?: Record<string, unknown>; message?: string };
  if (candidate?.code !== 'P2002' && sqlState(error) !== '23505') return false;
  return [candidate.constraint, JSON.stringify(candidate.meta ?? {}), candidate.message].some((text) =>
    String(text).includes(target),
  );
}

/**
 * Runs `work` on one pooled connection. Use it for statements that may fail on purpose (an
 * exclusion or unique violation): `pool.query` destroys the connection after any error, and
 * reconnecting costs far more than the statement.
 */
export async function withConnection<T>(pool: pg.Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

export interface TransactionOptions {
  attempts?: number;
  /** Also retry when this says so (e.g. a collision on a random code). */
  retryWhen?: (error: unknown) => boolean;
}

export async function inTransaction<T>(
  pool: pg.Pool,
  work: (sql: Sql) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const retry = isRetryable(error) || options.retryWhen?.(error) === true;
      if (!retry || attempt >= attempts) throw error;
    } finally {
      // A connection that could not even roll back is discarded, not returned to the pool.
      client.release(broken);
    }
    // Jitter, so the transactions that collided do not collide again in lockstep.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
  }
}
