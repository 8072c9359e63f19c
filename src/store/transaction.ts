/**
 * One use case, one transaction. Deadlocks (40P01) and serialization failures (40001) are retried
 * from the start: PostgreSQL aborted the whole transaction, so replaying it is safe.
 */
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from './client.js';

export type Tx = Prisma.TransactionClient;

const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

/** Prisma wraps driver errors; the SQLSTATE can sit at several depths depending on the path. */
export function sqlState(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const candidate = current as { code?: unknown; originalCode?: unknown; meta?: { code?: unknown; driverAdapterError?: unknown }; cause?: unknown };
    if (typeof candidate.originalCode === 'string') return candidate.originalCode;
    if (typeof candidate.meta?.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.meta.code)) return candidate.meta.code;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) && !candidate.code.startsWith('P')) return candidate.code;
    current = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return undefined;
}

export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  if (state && RETRYABLE_SQLSTATES.has(state)) return true;
  return (error as { code?: unknown })?.code === 'P2034';
}

/** A unique constraint violation on the given constraint or column. */
export function isUniqueViolation(error: unknown, target: string): boolean {
  const candidate = error as { code?: string; meta?: Record<string, unknown>; message?: string };
  if (candidate?.code !== 'P2002' && sqlState(error) !== '23505') return false;
  return JSON.stringify(candidate.meta ?? {}).includes(target) || String(candidate.message).includes(target);
}

export interface TransactionOptions {
  attempts?: number;
  /** Also retry when this says so (e.g. a collision on a random code). */
  retryWhen?: (error: unknown) => boolean;
}

export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work, { maxWait: 10_000, timeout: 20_000 });
    } catch (error) {
      const retry = isRetryable(error) || options.retryWhen?.(error) === true;
      if (!retry || attempt >= attempts) throw error;
      // Jitter so the transactions that collided do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
