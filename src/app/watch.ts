/**
 * What a viewer's watch page shows, once the gate has checked their credentials (src/stream): the
 * reservation as it is now, the latest move of its start, and — for the organizer's page after
 * the stream — who watched.
 */
import type { Attendance } from '../domain/admission.js';
import { summarizeAttendance } from '../domain/admission.js';
import type { StoredReservation } from '../store/reservations.js';
import { findReservation } from '../store/reservations.js';
import { firstPublishAt, lastMove, viewerStays } from '../store/watch.js';
import type { AppDeps } from './deps.js';

export interface WatchDetails {
  reservation: StoredReservation;
  moved: { from: Date; to: Date } | undefined;
  /** When its stream first began: a stream cancelled after it ran says how long it ran. */
  firstPublishAt: Date | undefined;
}

export async function watchDetails(deps: AppDeps, reservationId: string): Promise<WatchDetails | undefined> {
  const [reservation, moved, firstPublish] = await Promise.all([
    findReservation(deps.pool, reservationId),
    lastMove(deps.pool, reservationId),
    firstPublishAt(deps.pool, reservationId),
  ]);
  return reservation && { reservation, moved, firstPublishAt: firstPublish };
}

/** Who watched, once the stream is over (nothing while it may still go on, or if nobody came). */
export async function attendanceOf(deps: AppDeps, reservation: StoredReservation): Promise<Attendance | undefined> {
  if (!['completed', 'cancelled', 'lapsed'].includes(reservation.status)) return undefined;
  const stays = await viewerStays(deps.pool, reservation.id);
  if (stays.length === 0) return undefined;
  return summarizeAttendance(stays, reservation.updatedAt);
}
