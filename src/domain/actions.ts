/**
 * What the organizer can do to a reservation from a card — Reconfirm, Change, Cancel — and why one
 * is refused. Every front end renders its buttons from `availableActions`, and the use cases
 * refuse with `actionRefusal`, so a button is offered exactly when pressing it is not certain to
 * be refused. (Who presses is a separate question: `mayActOn` in reservation.ts.)
 */
import type { Reservation } from './reservation.js';
import { describeRefusedTransition, transition } from './status.js';

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
