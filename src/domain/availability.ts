/**
 * Availability of a distribution server over time. A request [start, end) on a server with buffer
 * b is checked over [start − b, end + b): the set-up and teardown time it needs around itself. It
 * is permitted while, at every instant of that window, fewer than `capacity` slot-holding
 * reservations are running.
 */

export interface Interval {
  start: number; // epoch ms
  end: number; // epoch ms, exclusive
}

export interface ServerShape {
  capacity: number;
  bufferMs: number;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The window a request occupies on its server, buffers included. */
export function blockedWindow(request: Interval, server: ServerShape): Interval {
  return { start: request.start - server.bufferMs, end: request.end + server.bufferMs };
}

/** The most reservations running at one instant inside `window`. */
export function peakConcurrency(window: Interval, booked: readonly Interval[]): number {
  // Sweep the starts and ends that fall inside the window; an end sorts before a start at the
  // same instant, because [a, b) and [b, c) do not overlap.
  const edges: Array<[number, number]> = [];
  for (const interval of booked) {
    if (!overlaps(window, interval)) continue;
    edges.push([Math.max(interval.start, window.start), +1], [interval.end, -1]);
  }
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let running = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    running += delta;
    peak = Math.max(peak, running);
  }
  return peak;
}

export function isAvailable(request: Interval, server: ServerShape, booked: readonly Interval[]): boolean {
  return peakConcurrency(blockedWindow(request, server), booked) < server.capacity;
}

/**
 * Up to `limit` free slots of the request's length on the same server, nearest to the requested
 * start first, returned in time order. Candidates are the places where a free slot can begin:
 * right after a booking ends (plus the buffer) or so as to end right before one starts, and the
 * slot back to back beyond each of those; `isAllowed` filters out what policy forbids (the past,
 * beyond the horizon).
 */
export function nearestFreeSlots(
  request: Interval,
  server: ServerShape,
  booked: readonly Interval[],
  isAllowed: (slot: Interval) => boolean,
  limit = 3,
): Interval[] {
  const length = request.end - request.start;
  const starts = new Set<number>();
  for (const interval of booked) {
    const after = interval.end + server.bufferMs;
    const before = interval.start - server.bufferMs - length;
    starts.add(after).add(after + length).add(before).add(before - length);
  }
  const byDistance = [...starts]
    .filter((start) => start !== request.start)
    .sort((a, b) => Math.abs(a - request.start) - Math.abs(b - request.start) || a - b);
  const found: Interval[] = [];
  for (const start of byDistance) {
    const slot = { start, end: start + length };
    if (isAllowed(slot) && isAvailable(slot, server, booked)) found.push(slot);
    if (found.length === limit) break;
  }
  return found.sort((a, b) => a.start - b.start);
}
