/**
 * The buttons a reservation offers, at fixed instants around its reconfirmation deadline: what
 * every front end renders, and what the use cases refuse.
 */
import {
  actionRefusal,
  availableActions,
  availableStreamActions,
  streamActionRefusal,
} from '../../src/domain/actions.js';
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

describe('availableStreamActions (issue 17)', () => {
  const START = new Date('2027-03-28T10:00:00.000Z');
  const END = new Date('2027-03-28T11:00:00.000Z');
  const ms = (date: Date, offset: number) => new Date(date.getTime() + offset);
  const streamAt = (status: ReservationStatus, now: Date, kind: 'embedded' | 'external' = 'embedded') =>
    availableStreamActions({ status, startsAt: START, endsAt: END, server: { kind, bufferSeconds: 120 } }, now);

  test.each<[string, ReservationStatus, Date, 'embedded' | 'external', string[]]>([
    ['a confirmed one before its start', 'confirmed', ms(START, -1), 'embedded', ['rotate_key']],
    ['a confirmed one at its start', 'confirmed', START, 'embedded', ['extend', 'rotate_key']],
    ['a live one', 'live', ms(START, 60_000), 'embedded', ['extend', 'rotate_key']],
    ['a live one in its teardown buffer', 'live', ms(END, 119_999), 'embedded', ['extend', 'rotate_key']],
    ['a live one at end + buffer', 'live', ms(END, 120_000), 'embedded', ['rotate_key']],
    ['a live one on a server that checks no keys, after its end', 'live', END, 'external', []],
    ['a live one on a server that checks no keys', 'live', START, 'external', ['extend']],
    ['a permitted one', 'permitted', ms(START, -1), 'embedded', ['rotate_key']],
    ['a completed one', 'completed', START, 'embedded', []],
    ['a cancelled one', 'cancelled', START, 'embedded', []],
  ])('GIVEN %s THEN it offers %j', (_what, status, now, kind, expected) => {
    expect(streamAt(status, now, kind)).toEqual(expected);
  });

  test('GIVEN a stream that has not begun THEN extending is refused with what to do instead', () => {
    const refusal = streamActionRefusal(
      { status: 'confirmed', startsAt: START, endsAt: END, server: { kind: 'embedded', bufferSeconds: 0 } },
      'extend',
      ms(START, -1),
    );
    expect(refusal?.message).toMatch(/change the reservation to move its end/);
  });
});
