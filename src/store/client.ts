/**
 * Database access: one node-postgres pool, shared by two clients.
 *
 * - `prisma`: the Prisma 7 client (driver adapter, no Rust engine) for operator CRUD — servers,
 *   tokens — and for tests, typed from schema.prisma.
 * - `pool`: plain SQL for the use cases (src/store/sql.ts). Measured here, a Prisma interactive
 *   transaction costs about 1 ms of CPU per statement (874 tx/s for a 4-statement transaction
 *   with 16 clients, against 2,399 tx/s through node-postgres); a booking decision is such a
 *   transaction, so its SQL is written by hand (see bench/README.md).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Logger } from '../log.js';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export type { Prisma } from '../generated/prisma/client.js';

export interface DbHandle {
  prisma: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function openDb(url: string, options: { max?: number; log?: Logger } = {}): DbHandle {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20 });
  // An idle connection dropped by the server (a restart, an admin) must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', (error) => options.log?.warn('an idle database connection failed', { error: error.message }));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
