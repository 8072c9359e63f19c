/**
 * Which timed jobs a reservation needs in its current state. Pure: the job runtime cancels a
 * reservation's jobs and schedules these after every change, and every job re-checks the
 * reservation when it runs, so a stale job does nothing.
 *
 * The reconfirmation deadline is listed for completeness; the runtime does not queue it as a job
 * but leaves it to the deadline clock (src/jobs/deadlines.ts).
 */
import type { Reservation } from './reservation.js';
import { inviteeCount } from './reservation.js';
import { isEnforcing } from './server-kind.js';

export const RESERVATION_JOBS = [
  'deadline',
  'reconfirm-reminder',
  'viewer-reminder',
  'start',
  'end',
  'no-show',
] as const;
export type ReservationJob = (typeof RESERVATION_JOBS)[number];

export interface ReminderSettings {
  /** The organizer is reminded this long before the reconfirmation deadline (default 2h). */
  reconfirmBeforeDeadlineMs: number;
  /** Viewers are reminded this long before the start (default 15m). */
  viewersBeforeStartMs: number;
  /** On an enforced server, the organizer is told when nobody has streamed this long after the start (default 10m). */
  noShowAfterMs: number;
}

export interface TimedJob {
  job: ReservationJob;
  at: Date;
}

/**
 * When a reservation is over. On a server Slotcast enforces, the stream may run until
 * end + buffer (teardown), and only then is it cut and completed; elsewhere at the end.
 */
export function completesAt(reservation: Pick<Reservation, 'endsAt'> & { server?: Reservation['server'] }): Date {
  const buffer = isEnforcing(reservation.server?.kind) ? (reservation.server?.bufferSeconds ?? 0) * 1_000 : 0;
  return new Date(reservation.endsAt.getTime() + buffer);
}

export function jobsFor(
  reservation: Pick<Reservation, 'status' | 'reconfirmDeadline' | 'startsAt' | 'endsAt' | 'invitees'> & {
    server?: Reservation['server'];
  },
  now: Date,
  reminders: ReminderSettings,
): TimedJob[] {
  // On a server Slotcast enforces, the stream, not the clock, makes the reservation live.
  const clockStarts = !isEnforcing(reservation.server?.kind);
  const jobs: TimedJob[] = [];
  const later = (job: ReservationJob, at: number) => {
    // A reminder whose moment has passed is skipped; a transition is never skipped (it runs now).
    if (job.endsWith('reminder') && at <= now.getTime()) return;
    jobs.push({ job, at: new Date(at) });
  };
  switch (reservation.status) {
    case 'permitted':
      later('reconfirm-reminder', reservation.reconfirmDeadline.getTime() - reminders.reconfirmBeforeDeadlineMs);
      later('deadline', reservation.reconfirmDeadline.getTime());
      break;
    case 'confirmed':
      if (inviteeCount(reservation.invitees) > 0)
        later('viewer-reminder', reservation.startsAt.getTime() - reminders.viewersBeforeStartMs);
      if (clockStarts) later('start', reservation.startsAt.getTime());
      // Only a server Slotcast enforces says whether anyone streamed.
      else if (reservation.startsAt.getTime() + reminders.noShowAfterMs < reservation.endsAt.getTime())
        later('no-show', reservation.startsAt.getTime() + reminders.noShowAfterMs);
      later('end', completesAt(reservation).getTime());
      break;
    case 'live':
      later('end', completesAt(reservation).getTime());
      break;
    default:
      break;
  }
  return jobs;
}
