import { RESERVATION_ACTIONS, RESERVATION_STATUSES, holdsSlot, transition } from '../../src/domain/status.js';
import type { ReservationAction, ReservationStatus } from '../../src/domain/status.js';

// Every allowed transition; everything not listed here must be refused.
const ALLOWED: Array<[ReservationStatus, ReservationAction, ReservationStatus]> = [
  ['permitted', 'reconfirm', 'confirmed'],
  ['confirmed', 'start', 'live'],
  ['live', 'complete', 'completed'],
  ['confirmed', 'complete', 'completed'],
  ['permitted', 'cancel', 'cancelled'],
  ['confirmed', 'cancel', 'cancelled'],
  ['live', 'cancel', 'cancelled'],
  ['permitted', 'lapse', 'lapsed'],
  ['permitted', 'change', 'permitted'],
  ['confirmed', 'change', 'confirmed'],
];

const allowedKey = new Set(ALLOWED.map(([from, action]) => `${from}:${action}`));
const FORBIDDEN = RESERVATION_STATUSES.flatMap((from) =>
  RESERVATION_ACTIONS.filter((action) => !allowedKey.has(`${from}:${action}`)).map((action) => [from, action] as const),
);

describe('reservation state machine', () => {
  test.each(ALLOWED)('GIVEN %s WHEN %s THEN it becomes %s', (from, action, next) => {
    expect(transition(from, action)).toEqual({ ok: true, next });
  });

  test.each(FORBIDDEN)('GIVEN %s WHEN %s THEN it is refused', (from, action) => {
    expect(transition(from, action)).toEqual({ ok: false, reason: 'invalid_transition', from, action });
  });

  test('the table covers every status × action pair', () => {
    expect(ALLOWED.length + FORBIDDEN.length).toBe(RESERVATION_STATUSES.length * RESERVATION_ACTIONS.length);
  });

  test('only permitted, confirmed and live reservations hold a slot', () => {
    expect(RESERVATION_STATUSES.filter(holdsSlot)).toEqual(['permitted', 'confirmed', 'live']);
  });
});
