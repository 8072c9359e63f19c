/**
 * When a request is refused for time: the nearest free slots of the same length on the same
 * server, and the other servers free at the requested time.
 */
import type { Interval } from '../domain/availability.js';
import { isAvailable, nearestFreeSlots } from '../domain/availability.js';
import type { Policy } from '../domain/policy.js';
import { bookedIntervals } from '../store/reservations.js';
import type { ServerRow } from '../store/servers.js';
import { bufferMs } from '../store/servers.js';
import type { Tx } from '../store/transaction.js';
import type { Alternative } from './outcome.js';

// Far enough to find a gap on a busy server, near enough to stay one cheap index range scan.
const SEARCH_RADIUS_MS = 3 * 86_400_000;

export async function findAlternatives(
  tx: Tx,
  server: ServerRow | undefined,
  request: Interval,
  now: Date,
  policy: Policy,
  excludeId?: string,
): Promise<Alternative[]> {
  const alternatives: Alternative[] = [];
  const isAllowed = (slot: Interval) => slot.start > now.getTime() && slot.start <= now.getTime() + policy.horizonMs;

  if (server?.active) {
    const window = { start: request.start - SEARCH_RADIUS_MS, end: request.end + SEARCH_RADIUS_MS };
    const booked = (await bookedIntervals(tx, [server.id], window, excludeId)).get(server.id) ?? [];
    const shape = { capacity: server.capacity, bufferMs: bufferMs(server) };
    for (const slot of nearestFreeSlots(request, shape, booked, isAllowed)) {
      alternatives.push({
        kind: 'same_server_other_time',
        serverId: server.id,
        serverName: server.name,
        startsAt: new Date(slot.start),
        endsAt: new Date(slot.end),
      });
    }
  }

  const others = await tx.distributionServer.findMany({
    where: { active: true, ...(server ? { id: { not: server.id } } : {}) },
    orderBy: { name: 'asc' },
    take: 100,
  });
  if (others.length > 0) {
    const widest = Math.max(...others.map(bufferMs));
    const window = { start: request.start - widest, end: request.end + widest };
    const booked = await bookedIntervals(tx, others.map((other) => other.id), window, excludeId);
    for (const other of others) {
      const shape = { capacity: other.capacity, bufferMs: bufferMs(other) };
      if (!isAvailable(request, shape, booked.get(other.id) ?? [])) continue;
      alternatives.push({
        kind: 'other_server_same_time',
        serverId: other.id,
        serverName: other.name,
        startsAt: new Date(request.start),
        endsAt: new Date(request.end),
      });
      if (alternatives.filter((a) => a.kind === 'other_server_same_time').length === 3) break;
    }
  }
  return alternatives;
}
