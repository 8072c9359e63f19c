/**
 * The timeline of every server (issue 11): what each lane holds over a day or a week, read in one
 * query, drawn by the domain's rule of who sees what (src/domain/timeline.ts).
 */
import type { Actor } from '../domain/reservation.js';
import type { Timeline, TimelineRange, TimelineServer } from '../domain/timeline.js';
import { buildTimeline } from '../domain/timeline.js';
import { timelineRows } from '../store/reservations.js';
import { bufferMs } from '../store/servers.js';
import type { ServerRow } from '../store/servers.js';
import type { AppDeps } from './deps.js';

/** Days a timeline may span at most (a week, and a little for a daylight-saving change). */
const LONGEST_RANGE_MS = 8 * 86_400_000;

export async function timelineFor(deps: AppDeps, viewer: Actor, range: TimelineRange): Promise<Timeline> {
  if (range.end.getTime() - range.start.getTime() > LONGEST_RANGE_MS)
    throw new RangeError('A timeline covers a day or a week.');
  const [active, rows] = await Promise.all([
    deps.servers.active(),
    timelineRows(deps.pool, { from: range.start, to: range.end }),
  ]);
  // A server taken out of service still shows what it held.
  const servers: ServerRow[] = [...active];
  for (const id of new Set(rows.map((row) => row.serverId))) {
    if (servers.some((server) => server.id === id)) continue;
    const inactive = await deps.servers.find(id);
    if (inactive) servers.push(inactive);
  }
  const shapes: TimelineServer[] = servers.map((server) => ({
    id: server.id,
    name: server.name,
    capacity: server.capacity,
    bufferMs: bufferMs(server),
  }));
  return buildTimeline({ servers: shapes, reservations: rows, viewer, range, now: deps.clock() });
}
