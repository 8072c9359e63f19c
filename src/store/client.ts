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
import { guardConnections } from './connections.js';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export type { Prisma } from '../generated/prisma/client.js';

export interface DbHandle {
  prisma: Db;
  pool: pg.Pool;
  /** Resolves once every connection of the pool is closed, not merely asked to close. */
  close(): Promise<void>;
}

/** A server that does not answer a connection attempt within this is treated as down. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long `close` waits for the server to acknowledge the pool's goodbyes. */
const CLOSE_TIMEOUT_MS = 5_000;

export function openDb(url: string, options: { max?: number; log?: Logger } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 20,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  const connections = guardConnections(pool, options.log);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
      // pool.end() resolves as soon as it has asked each connection to close. Whoever stops the
      // server next (the embedded PostgreSQL) must not find one still open: its fast shutdown
      // would answer it with an error, on a client some library may still listen on.
      await connections.allClosed(CLOSE_TIMEOUT_MS);
    },
  };
}
