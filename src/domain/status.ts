/**
 * The reservation state machine. Pure: callers pass the current status and what is being done;
 * the answer is the next status or a refusal they can word for their users.
 *
 *   permitted ─reconfirm→ confirmed ─start→ live ─complete→ completed
 *   confirmed ─complete→ completed   (the slot ended on a server that enforces it and nobody streamed)
 *   permitted|confirmed|live ─cancel→ cancelled   (a live stream is cut at once)
 *   permitted ─lapse→ lapsed
 *   permitted|confirmed ─change→ (same status)
 */
export const RESERVATION_STATUSES = ['permitted', 'confirmed', 'live', 'completed', 'cancelled', 'lapsed'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export const RESERVATION_ACTIONS = ['reconfirm', 'change', 'cancel', 'lapse', 'start', 'complete'] as const;
export type ReservationAction = (typeof RESERVATION_ACTIONS)[number];

/** Statuses in which a reservation holds its slot on the server. */
export const SLOT_HOLDING_STATUSES: readonly ReservationStatus[] = ['permitted', 'confirmed', 'live'];

const TRANSITIONS: Record<ReservationAction, Partial<Record<ReservationStatus, ReservationStatus>>> = {
  reconfirm: { permitted: 'confirmed' },
  change: { permitted: 'permitted', confirmed: 'confirmed' },
  cancel: { permitted: 'cancelled', confirmed: 'cancelled', live: 'cancelled' },
  lapse: { permitted: 'lapsed' },
  start: { confirmed: 'live' },
  complete: { live: 'completed', confirmed: 'completed' },
};

export type Transition =
  | { ok: true; next: ReservationStatus }
  | { ok: false; reason: 'invalid_transition'; from: ReservationStatus; action: ReservationAction };

export function transition(from: ReservationStatus, action: ReservationAction): Transition {
  const next = TRANSITIONS[action][from];
  return next ? { ok: true, next } : { ok: false, reason: 'invalid_transition', from, action };
}

export function holdsSlot(status: ReservationStatus): boolean {
  return SLOT_HOLDING_STATUSES.includes(status);
}

/** Plain words for a refused transition, used by every front end. */
export function describeRefusedTransition(from: ReservationStatus, action: ReservationAction): string {
  const verb = {
    reconfirm: 'reconfirmed',
    change: 'changed',
    cancel: 'cancelled',
    lapse: 'lapsed',
    start: 'started',
    complete: 'completed',
  }[action];
  if (action === 'reconfirm' && from === 'confirmed') return 'This reservation is already reconfirmed.';
  return `A ${from} reservation cannot be ${verb}.`;
}
