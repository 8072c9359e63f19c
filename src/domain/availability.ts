/**
 * Availability of a distribution server over time.
 *
 * A server carries `capacity` streams at once: it has that many stream slots ("lanes"), and a
 * reservation holds one lane for its whole time plus the server's buffer after it (set-up and
 * teardown between streams): it *occupies* [start, end + buffer). A request fits when some lane
 * is free over the range it would occupy. The database enforces the same rule with an exclusion
 * constraint per (server, lane), so no race can over-book a server.
 *
 * Compared with "fewer than `capacity` reservations overlap", this permits everything that rule
 * permits (if fewer than `capacity` bookings overlap, one lane is untouched) and never more than
 * `capacity` streams at one instant.
 */

export interface Interval {
  start: number; // epoch ms
  end: number; // epoch ms, exclusive
}

/** A range some reservation occupies, and the lane it holds. */
export interface Booking extends Interval {
  lane: number;
}

export interface ServerShape {
  capacity: number;
  bufferMs: number;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

/** What a reservation for `request` keeps busy on its server. */
export function occupiedRange(request: Interval, server: Pick<ServerShape, 'bufferMs'>): Interval {
  return { start: request.start, end: request.end + server.bufferMs };
}

/** The lowest lane free over `range`, or undefined when every lane is taken at some point of it. */
export function freeLane(range: Interval, capacity: number, booked: readonly Booking[]): number | undefined {
  // Called for every candidate slot when alternatives are searched on a busy server: no allocation
  // for the common single-lane server.
  if (capacity === 1) {
    for (const booking of booked) if (booking.lane === 0 && overlaps(range, booking)) return undefined;
    return 0;
  }
  const taken = new Uint8Array(capacity);
  for (const booking of booked) if (booking.lane < capacity && overlaps(range, booking)) taken[booking.lane] = 1;
  const lane = taken.indexOf(0);
  return lane === -1 ? undefined : lane;
}

/**
 * How far the occupied range `held` can grow at its end, up to `limit`, while one lane stays free
 * over all of it (its own booking left out of `booked`): what an extension that does not fit can
 * still have. `held.end` when no lane lets it grow at all.
 */
export function latestFreeEnd(held: Interval, capacity: number, booked: readonly Booking[], limit: number): number {
  let latest = held.end;
  for (let lane = 0; lane < capacity; lane++) {
    let end = limit;
    for (const booking of booked) {
      if (booking.lane !== lane) continue;
      if (overlaps(held, booking)) {
        end = held.end;
        break;
      }
      if (booking.start >= held.end) end = Math.min(end, booking.start);
    }
    latest = Math.max(latest, end);
  }
  return latest;
}

export function isAvailable(request: Interval, server: ServerShape, booked: readonly Booking[]): boolean {
  return freeLane(occupiedRange(request, server), server.capacity, booked) !== undefined;
}

/**
 * Up to `limit` free slots of the request's length on the same server, nearest to the requested
 * start first, returned in time order. Candidates are where a free slot can begin: as soon as a
 * booking's occupied range ends, or late enough to clear the buffer before one begins — and the
 * slot back to back beyond each of those. `isAllowed` filters out what policy forbids (the
 * past, beyond the horizon).
 */
export function nearestFreeSlots(
  request: Interval,
  server: ServerShape,
  booked: readonly Booking[],
  isAllowed: (slot: Interval) => boolean,
  limit = 3,
): Interval[] {
  const length = request.end - request.start;
  const span = length + server.bufferMs;
  const starts = new Set<number>();
  for (const booking of booked) {
    const after = booking.end;
    const before = booking.start - span;
    starts
      .add(after)
      .add(after + span)
      .add(before)
      .add(before - span);
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
