import type { AdmissionReservation, ViewerStay } from '../../src/domain/admission.js';
import {
  cutReason,
  decidePublish,
  decideViewer,
  inviteeWatchTimes,
  summarizeAttendance,
} from '../../src/domain/admission.js';
import { tokenOwner, viewerToken } from '../../src/domain/viewer-token.js';

const START = new Date('2026-12-24T19:00:00Z');
const END = new Date('2026-12-24T20:00:00Z');
const BUFFER = 120_000;
const at = (iso: string) => new Date(`2026-12-24T${iso}Z`);

function reservation(overrides: Partial<AdmissionReservation> = {}): AdmissionReservation {
  return {
    id: 'r1',
    serverId: 's1',
    status: 'confirmed',
    startsAt: START,
    endsAt: END,
    bufferMs: BUFFER,
    ...overrides,
  };
}

describe('decidePublish', () => {
  test.each([
    ['no reservation has the key', undefined, 's1', '19:00:00', false, 'unknown_key'],
    ['the key is for another server', reservation(), 's2', '19:00:00', false, 'wrong_server'],
    [
      'permitted, not reconfirmed, in the window',
      reservation({ status: 'permitted' }),
      's1',
      '19:00:00',
      false,
      'not_reconfirmed',
    ],
    ['confirmed, one millisecond before start − buffer', reservation(), 's1', '18:57:59.999', false, 'too_early'],
    ['confirmed, at start − buffer', reservation(), 's1', '18:58:00', false, 'admitted'],
    ['confirmed, in the slot', reservation(), 's1', '19:30:00', false, 'admitted'],
    [
      'live, a reconnect in the teardown buffer',
      reservation({ status: 'live' }),
      's1',
      '20:01:59.999',
      false,
      'admitted',
    ],
    ['live, at end + buffer', reservation({ status: 'live' }), 's1', '20:02:00', false, 'ended'],
    ['completed', reservation({ status: 'completed' }), 's1', '19:30:00', false, 'ended'],
    ['cancelled', reservation({ status: 'cancelled' }), 's1', '19:30:00', false, 'cancelled'],
    ['lapsed', reservation({ status: 'lapsed' }), 's1', '19:30:00', false, 'lapsed'],
    ['another publisher holds it', reservation({ status: 'live' }), 's1', '19:30:00', true, 'already_publishing'],
    [
      'a permitted one with another publisher: not reconfirmed first',
      reservation({ status: 'permitted' }),
      's1',
      '19:30:00',
      true,
      'not_reconfirmed',
    ],
  ] as const)('GIVEN %s THEN %s', (_situation, given, serverId, time, otherPublisher, expected) => {
    const decision = decidePublish({ reservation: given, serverId, now: at(time), otherPublisher });
    expect(decision.admitted ? 'admitted' : decision.reason).toBe(expected);
  });

  test('a refusal carries the window, for the organizer to be told when the slot opens', () => {
    const decision = decidePublish({
      reservation: reservation(),
      serverId: 's1',
      now: at('18:48:00'),
      otherPublisher: false,
    });
    expect(decision).toEqual({
      admitted: false,
      reason: 'too_early',
      window: { opensAt: at('18:58:00'), closesAt: at('20:02:00') },
    });
  });
});

describe('cutReason', () => {
  test.each([
    ['live in the slot', reservation({ status: 'live' }), '19:30:00', undefined],
    ['live at end + buffer', reservation({ status: 'live' }), '20:02:00', 'window_ended'],
    ['cancelled while live', reservation({ status: 'cancelled' }), '19:30:00', 'cancelled'],
    [
      'moved to tomorrow while live',
      reservation({ status: 'live', startsAt: at('23:00:00'), endsAt: at('23:30:00') }),
      '19:30:00',
      'moved',
    ],
    [
      'moved earlier, so that it is already over',
      reservation({ status: 'live', endsAt: at('19:10:00') }),
      '19:30:00',
      'window_ended',
    ],
    ['extended while live', reservation({ status: 'live', endsAt: at('21:00:00') }), '20:30:00', undefined],
  ] as const)('GIVEN %s THEN %s', (_situation, given, time, expected) => {
    expect(cutReason(given, at(time))).toBe(expected);
  });
});

describe('decideViewer', () => {
  const viewed = (overrides: Partial<AdmissionReservation> = {}) => ({
    ...reservation(overrides),
    passcode: 'K7PQ2MX9AB',
  });
  test.each([
    ['no credentials', viewed({ status: 'live' }), {}, undefined, '19:30:00', 'missing_credentials'],
    ['a wrong passcode', viewed({ status: 'live' }), { passcode: 'WRONG' }, undefined, '19:30:00', 'wrong_credentials'],
    [
      'a token that matches nobody',
      viewed({ status: 'live' }),
      { token: 'x'.repeat(22) },
      undefined,
      '19:30:00',
      'wrong_credentials',
    ],
    [
      'the passcode while live',
      viewed({ status: 'live' }),
      { passcode: 'k7pq2mx9ab' },
      undefined,
      '19:30:00',
      'passcode',
    ],
    ['a personal token while live', viewed({ status: 'live' }), { token: 't' }, 'ann@example.org', '19:30:00', 'token'],
    [
      'the passcode, confirmed, inside the window',
      viewed(),
      { passcode: 'K7PQ2MX9AB' },
      undefined,
      '18:59:00',
      'passcode',
    ],
    ['the passcode, confirmed, an hour early', viewed(), { passcode: 'K7PQ2MX9AB' }, undefined, '18:00:00', 'not_live'],
    ['the passcode after the window', viewed(), { passcode: 'K7PQ2MX9AB' }, undefined, '20:05:00', 'over'],
    ['a token after cancel', viewed({ status: 'cancelled' }), { token: 't' }, 'ann@example.org', '19:30:00', 'over'],
    [
      'a wrong token after cancel: still only wrong',
      viewed({ status: 'cancelled' }),
      { token: 't' },
      undefined,
      '19:30:00',
      'wrong_credentials',
    ],
  ] as const)('GIVEN %s THEN %s', (_situation, given, credentials, invitee, time, expected) => {
    const decision = decideViewer({ reservation: given, credentials, tokenInvitee: invitee, now: at(time) });
    expect(decision.admitted ? decision.credential : decision.reason).toBe(expected);
  });
});

describe('viewer tokens', () => {
  const key = 'k'.repeat(64);
  test('a token names its invitee among the current ones, and nobody once they are removed or on another reservation', () => {
    const token = viewerToken(key, 'r1', 'Ann@Example.org');
    expect(token).toMatch(/^[\w-]{22}$/);
    expect(tokenOwner(key, 'r1', ['bob@example.org', 'ann@example.org'], token)).toBe('ann@example.org');
    expect(tokenOwner(key, 'r1', ['bob@example.org'], token)).toBeUndefined();
    expect(tokenOwner(key, 'r2', ['ann@example.org'], token)).toBeUndefined();
    expect(tokenOwner('other'.repeat(13), 'r1', ['ann@example.org'], token)).toBeUndefined();
  });
});

describe('summarizeAttendance', () => {
  const stay = (overrides: Partial<ViewerStay>): ViewerStay => ({
    credential: 'passcode',
    invitee: null,
    ip: '10.0.0.1',
    joinedAt: at('19:00:00'),
    leftAt: at('19:10:00'),
    ...overrides,
  });
  test('counts each invitee once, passcode viewers once per address, and the peak of overlapping stays', () => {
    const summary = summarizeAttendance(
      [
        stay({ credential: 'token', invitee: 'bob@example.org' }),
        stay({ credential: 'token', invitee: 'ann@example.org', joinedAt: at('19:05:00'), leftAt: null }),
        stay({ credential: 'token', invitee: 'ann@example.org', joinedAt: at('19:20:00'), leftAt: at('19:30:00') }),
        stay({ ip: '10.0.0.2', joinedAt: at('19:09:00') }),
        stay({ ip: '10.0.0.2', joinedAt: at('19:40:00'), leftAt: at('19:50:00') }),
        // Leaves at the instant another joins: not at the same time.
        stay({ ip: '10.0.0.3', joinedAt: at('19:10:00'), leftAt: at('19:11:00') }),
      ],
      at('20:00:00'),
    );
    expect(summary).toEqual({
      viewers: 4,
      peakConcurrent: 3,
      invitees: ['ann@example.org', 'bob@example.org'],
      passcodeViewers: 2,
    });
  });

  test('nobody watched', () => {
    expect(summarizeAttendance([], at('20:00:00'))).toEqual({
      viewers: 0,
      peakConcurrent: 0,
      invitees: [],
      passcodeViewers: 0,
    });
  });
});

describe('inviteeWatchTimes', () => {
  const stay = (overrides: Partial<ViewerStay>): ViewerStay => ({
    credential: 'token',
    invitee: 'ann@example.org',
    ip: '10.0.0.1',
    joinedAt: at('19:00:00'),
    leftAt: at('19:10:00'),
    ...overrides,
  });
  test('GIVEN overlapping tabs, a reconnect and a stay still open THEN each invitee’s time is the union of their stays', () => {
    const times = inviteeWatchTimes(
      [
        stay({ invitee: 'bob@example.org', joinedAt: at('19:30:00'), leftAt: null }),
        stay({}),
        // A second tab from 19:05 to 19:12 adds two minutes, not seven.
        stay({ ip: '10.0.0.9', joinedAt: at('19:05:00'), leftAt: at('19:12:00') }),
        // After a gap: five more minutes.
        stay({ joinedAt: at('19:20:00'), leftAt: at('19:25:00') }),
        // Passcode viewers are not named, so not timed.
        stay({ credential: 'passcode', invitee: null }),
      ],
      at('19:45:00'),
    );
    expect(times).toEqual([
      { invitee: 'ann@example.org', watchedMs: 17 * 60_000 },
      { invitee: 'bob@example.org', watchedMs: 15 * 60_000 },
    ]);
  });
});
