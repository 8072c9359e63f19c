/**
 * What a viewer's watch page shows, once the gate has checked their credentials (src/stream): the
 * reservation as it is now, the latest move of its start, and — for the organizer's page after
 * the stream — who watched.
 */
import type { Attendance, InviteeWatchTime } from '../domain/admission.js';
import { inviteeWatchTimes, summarizeAttendance } from '../domain/admission.js';
import type { StoredReservation } from '../store/reservations.js';
import { findReservation } from '../store/reservations.js';
import { hasPublished } from '../store/streaming.js';
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

/** The organizer's "Who watched": the summary the attendance e-mail gives, and each invitee's time. */
export interface AttendanceReport extends Attendance {
  watched: InviteeWatchTime[];
}

/**
 * Who watched, once the stream is over: nothing while it may still go on, nor when there was no
 * stream (nobody published and nobody watched) — a slot never used has no audience to report.
 */
export async function attendanceOf(
  deps: AppDeps,
  reservation: StoredReservation,
): Promise<AttendanceReport | undefined> {
  if (!['completed', 'cancelled', 'lapsed'].includes(reservation.status)) return undefined;
  const [stays, published] = await Promise.all([
    viewerStays(deps.pool, reservation.id),
    hasPublished(deps.pool, reservation.id),
  ]);
  if (stays.length === 0 && !published) return undefined;
  return {
    ...summarizeAttendance(stays, reservation.updatedAt),
    watched: inviteeWatchTimes(stays, reservation.updatedAt),
  };
}
