/**
 * When a request is refused for time: the nearest free slots of the same length on the same
 * server, and the other servers free at the requested time. Advice, not a promise: it is read
 * without a lock, so a slot offered can be gone by the time it is asked for (and is then refused
 * like any other request).
 */
import type { Interval } from '../domain/availability.js';
import { isAvailable, nearestFreeSlots, occupiedRange } from '../domain/availability.js';
import type { Policy } from '../domain/policy.js';
import { bookingsNearby } from '../store/reservations.js';
import type { ServerDirectory, ServerRow } from '../store/servers.js';
import { bufferMs } from '../store/servers.js';
import type { Sql } from '../store/sql.js';
import type { Alternative } from './outcome.js';

// Far enough to find a gap on a busy server, near enough to stay one cheap index range scan.
const SEARCH_RADIUS_MS = 3 * 86_400_000;
const MAX_PER_KIND = 3;

/** Why a request (or a change) for that time on that server is refused. */
export function unavailableMessage(server: Pick<ServerRow, 'name' | 'active'>, startsAt: Date, endsAt: Date): string {
  return server.active
    ? `${server.name} is fully booked between ${startsAt.toISOString()} and ${endsAt.toISOString()}.`
    : `${server.name} is not taking reservations at the moment.`;
}

export async function findAlternatives(
  sql: Sql,
  servers: ServerDirectory,
  server: ServerRow,
  request: Interval,
  now: Date,
  policy: Policy,
  excludeId?: string,
): Promise<Alternative[]> {
  const others = (await servers.active()).filter((other) => other.id !== server.id);
  const widest = Math.max(0, ...others.map(bufferMs));
  const booked = await bookingsNearby(
    sql,
    {
      serverIds: server.active ? [server.id] : [],
      window: { start: request.start - SEARCH_RADIUS_MS, end: request.end + SEARCH_RADIUS_MS },
    },
    { serverIds: others.map((other) => other.id), window: occupiedRange(request, { bufferMs: widest }) },
    excludeId,
  );

  const alternatives: Alternative[] = [];
  if (server.active) {
    const isAllowed = (slot: Interval) => slot.start > now.getTime() && slot.start <= now.getTime() + policy.horizonMs;
    const shape = { capacity: server.capacity, bufferMs: bufferMs(server) };
    for (const slot of nearestFreeSlots(request, shape, booked.get(server.id) ?? [], isAllowed, MAX_PER_KIND)) {
      alternatives.push({
        kind: 'same_server_other_time',
        serverId: server.id,
        serverName: server.name,
        startsAt: new Date(slot.start),
        endsAt: new Date(slot.end),
      });
    }
  }
  const free = others.filter((other) =>
    isAvailable(request, { capacity: other.capacity, bufferMs: bufferMs(other) }, booked.get(other.id) ?? []),
  );
  for (const other of free.slice(0, MAX_PER_KIND)) {
    alternatives.push({
      kind: 'other_server_same_time',
      serverId: other.id,
      serverName: other.name,
      startsAt: new Date(request.start),
      endsAt: new Date(request.end),
    });
  }
  return alternatives;
}
