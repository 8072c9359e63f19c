/**
 * What the organizer can do to a reservation from a card — Reconfirm, Change, Cancel — and why one
 * is refused. Every front end renders its buttons from `availableActions`, and the use cases
 * refuse with `actionRefusal`, so a button is offered exactly when pressing it is not certain to
 * be refused. (Who presses is a separate question: `mayActOn` in reservation.ts.)
 */
import type { Reservation } from './reservation.js';
import { isEnforcing } from './server-kind.js';
import { describeRefusedTransition, holdsSlot, transition } from './status.js';

export const CARD_ACTIONS = ['reconfirm', 'change', 'cancel'] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

export interface ActionRefusal {
  reason: 'invalid_transition' | 'deadline_passed';
  message: string;
}

type Timing = Pick<Reservation, 'status' | 'reconfirmDeadline'>;

/** The deadline itself still counts: only after it is the organizer too late (claim 6, docs/method.md). */
export function isPastDeadline(reservation: Pick<Reservation, 'reconfirmDeadline'>, now: Date): boolean {
  return now.getTime() > reservation.reconfirmDeadline.getTime();
}

/**
 * Why `action` would be refused now, or undefined when it would not. The state machine first;
 * then the deadline: a permitted reservation past it can no longer be reconfirmed or changed (the
 * slot is about to lapse), though it can still be cancelled.
 */
export function actionRefusal(reservation: Timing, action: CardAction, now: Date): ActionRefusal | undefined {
  if (!transition(reservation.status, action).ok) {
    return { reason: 'invalid_transition', message: describeRefusedTransition(reservation.status, action) };
  }
  if (reservation.status !== 'permitted' || !isPastDeadline(reservation, now)) return undefined;
  switch (action) {
    case 'reconfirm':
      return {
        reason: 'deadline_passed',
        message:
          `The reconfirmation deadline (${reservation.reconfirmDeadline.toISOString()}) has passed; ` +
          'the reservation can no longer be reconfirmed.',
      };
    case 'change':
      return {
        reason: 'deadline_passed',
        message: 'The reconfirmation deadline has passed; this reservation can no longer be changed.',
      };
    case 'cancel':
      return undefined;
  }
}

/** The buttons a card shows, in this order. */
export function availableActions(reservation: Timing, now: Date): CardAction[] {
  return CARD_ACTIONS.filter((action) => actionRefusal(reservation, action, now) === undefined);
}

/**
 * What the organizer can do to a stream while it holds its slot (issue 17): push its end later,
 * and replace a leaked stream key. Shown beside the card's buttons, refused by the use cases
 * (src/app/stream-actions.ts) with the same words.
 */
export const STREAM_ACTIONS = ['extend', 'rotate_key'] as const;
export type StreamAction = (typeof STREAM_ACTIONS)[number];

/** The steps the cards offer to extend by; the API takes any whole number of minutes. */
export const EXTEND_STEPS_MINUTES = [15, 30] as const;

type StreamTiming = Pick<Reservation, 'status' | 'startsAt' | 'endsAt'> & {
  server: Pick<Reservation['server'], 'kind' | 'bufferSeconds'>;
};

/**
 * Why `action` would be refused now, or undefined when it would not. Extending is for a stream
 * that has begun — live, or confirmed and past its start — and is not over: until end + buffer
 * on a server Slotcast enforces (the teardown the stream may still run in), until the end
 * elsewhere. A key can be replaced while the slot is held on a server that checks keys.
 */
export function streamActionRefusal(
  reservation: StreamTiming,
  action: StreamAction,
  now: Date,
): ActionRefusal | undefined {
  const refuse = (message: string): ActionRefusal => ({ reason: 'invalid_transition', message });
  const enforcing = isEnforcing(reservation.server.kind);
  if (action === 'rotate_key') {
    if (!holdsSlot(reservation.status))
      return refuse(`A ${reservation.status} reservation has no stream key to replace.`);
    if (!enforcing) return refuse('Slotcast does not check stream keys on this server, so there is none to replace.');
    return undefined;
  }
  const begun =
    reservation.status === 'live' ||
    (reservation.status === 'confirmed' && now.getTime() >= reservation.startsAt.getTime());
  if (!begun) {
    return refuse(
      holdsSlot(reservation.status)
        ? 'Only a stream that has started can be extended; change the reservation to move its end.'
        : `A ${reservation.status} reservation cannot be extended.`,
    );
  }
  const over = reservation.endsAt.getTime() + (enforcing ? (reservation.server.bufferSeconds ?? 0) * 1_000 : 0);
  if (now.getTime() >= over) return refuse('This stream is over; it can no longer be extended.');
  return undefined;
}

/** The stream controls a card shows, in this order. */
export function availableStreamActions(reservation: StreamTiming, now: Date): StreamAction[] {
  return STREAM_ACTIONS.filter((action) => streamActionRefusal(reservation, action, now) === undefined);
}
