/**
 * What a use case tells the rest of the service after its transaction has committed: the job
 * runtime delivers the notifications it queued and reschedules the reservation's timers. Who
 * listens is decided in the composition root (src/main.ts), not here.
 */
import type { Reservation } from '../domain/reservation.js';
import type { Logger } from '../log.js';

export type ReservationEventKind =
  | 'requested'
  | 'reconfirmed'
  | 'changed'
  | 'cancelled'
  | 'lapsed'
  | 'started'
  | 'completed'
  /** The streaming server refused a publish (issue 9); the organizer's notice, if any, is queued. */
  | 'publish_refused'
  /** A stream is over and its attendance summary queued. */
  | 'attendance_summarized'
  /** Nobody streamed by start + NO_SHOW_AFTER; the organizer's notice is queued. */
  | 'no_show'
  /** The organizer replaced the stream key (issue 17); the streaming gate cuts the old key's publisher. */
  | 'stream_key_replaced';

/** Events after which a reservation's timers stay as they are. */
export const KEEPS_TIMERS: ReadonlySet<ReservationEventKind> = new Set([
  'started',
  'publish_refused',
  'attendance_summarized',
  'no_show',
  'stream_key_replaced',
]);

/** Told after a use case's transaction has committed. */
export interface CommittedEvent {
  kind: ReservationEventKind;
  reservation: Reservation;
  /** Outbox rows the transaction wrote, ready to be delivered. */
  notificationIds: string[];
}

/**
 * The seam for later layers: the job queue schedules deadlines and reminders and enqueues
 * deliveries from here. A failing listener must not undo a committed use case, so errors are
 * logged, not thrown (the outbox sweeper catches whatever a failed listener missed).
 */
export type CommitListener = (event: CommittedEvent) => void | Promise<void>;

export async function announce(
  deps: { listeners: CommitListener[]; log: Logger },
  event: CommittedEvent,
): Promise<void> {
  for (const listener of deps.listeners) {
    try {
      await listener(event);
    } catch (error) {
      deps.log.error('a listener failed after commit', {
        event: event.kind,
        reservation: event.reservation.code,
        error,
      });
    }
  }
}
