/**
 * The timeline of every distribution server over a day or a week: who holds which stream slot
 * (lane) when, where the free time is, and where "now" is. Pure: the page draws what this returns.
 *
 * What a viewer may learn of a reservation is the rule every verb uses (`mayActOn`): the
 * organizer and the admins who may act on it see it in full and can open its card; everyone
 * else sees only that the slot is busy — its status, start and end, never its title, code or
 * organizer.
 */
import type { Interval } from './availability.js';
import type { Actor, Organizer } from './reservation.js';
import { mayActOn } from './reservation.js';
import type { ReservationStatus } from './status.js';

/**
 * The statuses drawn: those that hold or held a slot. Cancelled and lapsed reservations freed
 * theirs, so drawing them would show as busy a time that is free.
 */
export const TIMELINE_STATUSES: readonly ReservationStatus[] = ['permitted', 'confirmed', 'live', 'completed'];

export type TimelineKind = 'day' | 'week';

export interface TimelineRange {
  kind: TimelineKind;
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface TimelineServer {
  id: string;
  name: string;
  capacity: number;
  bufferMs: number;
}

export interface TimelineReservation {
  id: string;
  code: string;
  title: string;
  serverId: string;
  lane: number;
  startsAt: Date;
  endsAt: Date;
  status: ReservationStatus;
  organizer: Pick<Organizer, 'platform' | 'tenantId' | 'userId' | 'name'>;
}

/** Where something sits across the range, as fractions of its width (0 = range start, 1 = end). */
export interface Placement {
  left: number;
  width: number;
}

/** What the organizer and the admins who may act on the reservation see of it. */
export interface BarDetail {
  id: string;
  code: string;
  title: string;
  organizerName: string;
  /** The viewer's own reservation (not one an admin sees of someone else). */
  own: boolean;
}

export interface Bar extends Placement {
  status: ReservationStatus;
  start: Date;
  end: Date;
  /** End of the server's buffer after the stream: the lane is busy until then. */
  occupiedUntil: Date;
  /** The buffer's share of the width (part of `width`, at its right end). */
  bufferWidth: number;
  /** The bar begins before the range or runs past its end. */
  continuesBefore: boolean;
  continuesAfter: boolean;
  /** Absent on others' reservations: a busy block, nothing more. */
  detail?: BarDetail;
}

/** Time a new reservation could take on this lane, buffer included: from now on, within the range. */
export interface Gap extends Placement {
  start: Date;
  end: Date;
}

export interface Lane {
  index: number;
  bars: Bar[];
  gaps: Gap[];
}

export interface ServerTimeline {
  id: string;
  name: string;
  capacity: number;
  lanes: Lane[];
}

export interface Timeline {
  range: TimelineRange;
  /** The now marker, when now falls inside the range. */
  now?: { at: Date; position: number };
  servers: ServerTimeline[];
}

export interface TimelineInput {
  servers: readonly TimelineServer[];
  reservations: readonly TimelineReservation[];
  viewer: Actor;
  range: TimelineRange;
  now: Date;
}

export function buildTimeline({ servers, reservations, viewer, range, now }: TimelineInput): Timeline {
  const window: Interval = { start: range.start.getTime(), end: range.end.getTime() };
  const span = window.end - window.start;
  if (!(span > 0)) throw new RangeError('A timeline range must end after it starts.');
  const fraction = (at: number) => (Math.min(Math.max(at, window.start), window.end) - window.start) / span;
  const place = (start: number, end: number): Placement => ({
    left: fraction(start),
    width: fraction(end) - fraction(start),
  });

  const timelines = servers.map((server): ServerTimeline => {
    const drawn = reservations
      .filter((r) => r.serverId === server.id && TIMELINE_STATUSES.includes(r.status))
      .map((r) => ({
        reservation: r,
        occupied: { start: r.startsAt.getTime(), end: r.endsAt.getTime() + server.bufferMs },
      }))
      .filter(({ occupied }) => occupied.start < window.end && window.start < occupied.end);
    // A lane beyond today's capacity (the capacity was lowered) still shows what it holds.
    const laneCount = Math.max(server.capacity, ...drawn.map(({ reservation }) => reservation.lane + 1));
    const lanes: Lane[] = [];
    for (let index = 0; index < laneCount; index++) {
      const inLane = drawn
        .filter(({ reservation }) => reservation.lane === index)
        .sort((a, b) => a.occupied.start - b.occupied.start || a.reservation.id.localeCompare(b.reservation.id));
      const bars = inLane.map(({ reservation, occupied }): Bar => {
        const whole = place(occupied.start, occupied.end);
        return {
          ...whole,
          status: reservation.status,
          start: reservation.startsAt,
          end: reservation.endsAt,
          occupiedUntil: new Date(occupied.end),
          bufferWidth: whole.width - place(occupied.start, reservation.endsAt.getTime()).width,
          continuesBefore: occupied.start < window.start,
          continuesAfter: occupied.end > window.end,
          ...(mayActOn(viewer, { ...reservation.organizer, email: null })
            ? {
                detail: {
                  id: reservation.id,
                  code: reservation.code,
                  title: reservation.title,
                  organizerName: reservation.organizer.name,
                  own:
                    viewer.platform === reservation.organizer.platform &&
                    viewer.tenantId === reservation.organizer.tenantId &&
                    viewer.userId === reservation.organizer.userId,
                },
              }
            : {}),
        };
      });
      const gaps = freeGaps(
        inLane.map(({ occupied }) => occupied),
        { start: Math.max(window.start, now.getTime()), end: window.end },
        server.bufferMs,
      ).map((gap): Gap => ({ ...place(gap.start, gap.end), start: new Date(gap.start), end: new Date(gap.end) }));
      lanes.push({ index, bars, gaps });
    }
    return { id: server.id, name: server.name, capacity: server.capacity, lanes };
  });

  const at = now.getTime();
  return {
    range,
    ...(at >= window.start && at < window.end ? { now: { at: now, position: fraction(at) } } : {}),
    servers: timelines,
  };
}

/**
 * The stretches of `within` a new reservation could hold on a lane, given what the lane's
 * reservations occupy (sorted by start). A new stream keeps the buffer after itself free too, so
 * the time just before a booking, one buffer long, is not free: the gap ends a buffer before the
 * next booking starts (the rule of `isAvailable` in availability.ts).
 */
export function freeGaps(occupied: readonly Interval[], within: Interval, bufferMs: number): Interval[] {
  const gaps: Interval[] = [];
  let cursor = within.start;
  for (const booking of occupied) {
    const end = Math.min(booking.start - bufferMs, within.end);
    if (end > cursor) gaps.push({ start: cursor, end });
    cursor = Math.max(cursor, booking.end);
    if (cursor >= within.end) return gaps;
  }
  // After the last booking: free to the end of the range (a booking there would continue beyond it).
  if (within.end > cursor) gaps.push({ start: cursor, end: within.end });
  return gaps;
}
