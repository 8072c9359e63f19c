import type { PublishRefusal } from '../../src/domain/notifications.js';
import { attendanceLines, refusalText } from '../../src/notify/stream.js';

const hhmm = (iso: string) => iso.slice(11, 16);
const refusal = (reason: PublishRefusal['reason']): PublishRefusal => ({
  reason,
  at: '2026-12-24T18:48:00.000Z',
  opensAt: '2026-12-24T18:50:00.000Z',
  closesAt: '2026-12-24T20:02:00.000Z',
});

describe('refusalText', () => {
  test.each([
    ['too_early', /^Your stream was refused at 18:48: the slot opens at 18:50\./],
    ['not_reconfirmed', /refused at 18:48: the reservation is not reconfirmed yet\. Reconfirm first \(before 18:00\)/],
    ['already_publishing', /someone else is already streaming with your key/],
    ['ended', /the slot ended at 20:02/],
    ['cancelled', /is cancelled/],
    ['lapsed', /lapsed/],
    ['wrong_server', /your slot is on another one/],
  ] as const)('%s: %s', (reason, wording) => {
    expect(refusalText(refusal(reason), hhmm, '2026-12-24T18:00:00.000Z')).toMatch(wording);
  });
});

test('attendance in words', () => {
  expect(attendanceLines({ viewers: 3, peakConcurrent: 2, invitees: ['ann@example.org'], passcodeViewers: 2 })).toEqual(
    [
      '3 viewers watched, at most 2 at the same time.',
      'Invitees who joined with their personal link: ann@example.org.',
      '2 viewers joined with the passcode.',
    ],
  );
  expect(attendanceLines({ viewers: 0, peakConcurrent: 0, invitees: [], passcodeViewers: 0 })[0]).toBe(
    'Nobody watched.',
  );
});
