/**
 * Distribution servers.
 */
import type { Prisma } from '../generated/prisma/client.js';
import { isUuid } from './reservations.js';
import type { Tx } from './transaction.js';

export type ServerRow = Prisma.DistributionServerGetPayload<object>;

export async function findServer(tx: Tx, idOrName: string): Promise<ServerRow | undefined> {
  const byId = isUuid(idOrName) ? await tx.distributionServer.findUnique({ where: { id: idOrName } }) : null;
  return byId ?? (await tx.distributionServer.findUnique({ where: { name: idOrName } })) ?? undefined;
}

/**
 * Locks servers (in id order, so two transactions locking the same pair cannot deadlock) and
 * returns them fresh. Every booking decision on a server happens under this lock: that is what
 * makes over-booking impossible, for any capacity.
 */
export async function lockServers(tx: Tx, ids: string[]): Promise<Map<string, ServerRow>> {
  const sorted = [...new Set(ids)].sort();
  const locked = new Map<string, ServerRow>();
  for (const id of sorted) {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM distribution_server WHERE id = ${id}::uuid FOR UPDATE`;
    if (rows.length === 0) continue;
    const server = await tx.distributionServer.findUnique({ where: { id } });
    if (server) locked.set(id, server);
  }
  return locked;
}

export function bufferMs(server: Pick<ServerRow, 'bufferMinutes'>): number {
  return server.bufferMinutes * 60_000;
}
