/**
 * The buttons a reservation offers, at fixed instants around its reconfirmation deadline: what
 * every front end renders, and what the use cases refuse.
 */
import { actionRefusal, availableActions } from '../../src/domain/actions.js';
import type { ReservationStatus } from '../../src/domain/status.js';

const DEADLINE = new Date('2027-03-27T17:00:00.000Z');
const BEFORE = new Date('2027-03-27T16:59:59.999Z');
const PAST = new Date('2027-03-27T17:00:00.001Z');

const at = (status: ReservationStatus, now: Date) => availableActions({ status, reconfirmDeadline: DEADLINE }, now);

describe('availableActions', () => {
  test.each<[ReservationStatus, Date, string[]]>([
    ['permitted', BEFORE, ['reconfirm', 'change', 'cancel']],
    ['permitted', DEADLINE, ['reconfirm', 'change', 'cancel']],
    ['permitted', PAST, ['cancel']],
    ['confirmed', BEFORE, ['change', 'cancel']],
    ['confirmed', PAST, ['change', 'cancel']],
    // Cancelling a live reservation cuts its stream (issue 9); it cannot be moved while it runs.
    ['live', BEFORE, ['cancel']],
    ['live', PAST, ['cancel']],
    ['completed', PAST, []],
    ['cancelled', BEFORE, []],
    ['lapsed', PAST, []],
  ])('GIVEN a %s reservation at %s THEN it offers %j', (status, now, expected) => {
    expect(at(status, now)).toEqual(expected);
  });
});

describe('actionRefusal', () => {
  test('GIVEN a permitted reservation past its deadline THEN reconfirm and change are refused as too late, naming the deadline', () => {
    const reservation = { status: 'permitted' as const, reconfirmDeadline: DEADLINE };
    expect(actionRefusal(reservation, 'reconfirm', PAST)).toEqual({
      reason: 'deadline_passed',
      message:
        'The reconfirmation deadline (2027-03-27T17:00:00.000Z) has passed; the reservation can no longer be reconfirmed.',
    });
    expect(actionRefusal(reservation, 'change', PAST)).toEqual({
      reason: 'deadline_passed',
      message: 'The reconfirmation deadline has passed; this reservation can no longer be changed.',
    });
    expect(actionRefusal(reservation, 'cancel', PAST)).toBeUndefined();
  });

  test('GIVEN a live or confirmed reservation THEN the state machine words the refusal, whatever the time', () => {
    expect(actionRefusal({ status: 'live', reconfirmDeadline: DEADLINE }, 'change', BEFORE)).toEqual({
      reason: 'invalid_transition',
      message: 'A live reservation cannot be changed.',
    });
    expect(actionRefusal({ status: 'confirmed', reconfirmDeadline: DEADLINE }, 'reconfirm', PAST)).toEqual({
      reason: 'invalid_transition',
      message: 'This reservation is already reconfirmed.',
    });
  });
});
