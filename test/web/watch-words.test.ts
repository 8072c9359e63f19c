import { watchStatus } from '../../src/domain/watch.js';
import type { DescribedFacts } from '../../src/web/pages/watch.js';
import { describeState, lasted } from '../../src/web/pages/watch.js';

const START = new Date('2026-12-07T14:45:00Z');
const END = new Date('2026-12-07T15:45:00Z');
const M = 60_000;
const at = (minutes: number) => new Date(START.getTime() + minutes * M);
const facts = (overrides: Partial<DescribedFacts> = {}): DescribedFacts => ({
  startsAt: START,
  endsAt: END,
  bufferMs: 2 * M,
  cancelReason: null,
  cancelledAt: null,
  ...overrides,
});
const words = (status: Parameters<typeof watchStatus>[0]['status'], given: DescribedFacts, now: Date) =>
  describeState(watchStatus({ status, ...given }, now), given);

describe('the watch page’s words', () => {
  test('GIVEN a stream cancelled 12 minutes after it began THEN it says so, with the reason', () => {
    const given = facts({ firstPublishAt: at(1), cancelledAt: at(13), cancelReason: 'Fire alarm' });
    expect(words('cancelled', given, at(20))).toEqual({
      label: 'Cancelled',
      detail: ['The organizer cancelled it after 12 minutes of streaming. Reason given: Fire alarm'],
    });
  });

  test('GIVEN a stream cancelled before it began THEN it will not take place', () => {
    expect(words('cancelled', facts({ cancelledAt: at(-60) }), at(-30)).detail).toEqual([
      'It will not take place. No reason was given.',
    ]);
  });

  test('GIVEN the start passed with nobody streaming THEN "Starting late", naming the start as a moment', () => {
    expect(words('confirmed', facts(), at(3))).toEqual({
      label: 'Starting late',
      detail: [
        'It was due to start ',
        { at: START.toISOString() },
        ' and has not begun yet. Keep this page open: the player starts by itself.',
      ],
    });
  });

  test('GIVEN live past its end THEN "Ending", by end + buffer at the latest — never "until" a past time', () => {
    expect(words('live', facts(), at(61))).toEqual({
      label: 'Ending',
      detail: [
        'Its booked time is over: the stream stops by ',
        { at: new Date(END.getTime() + 2 * M).toISOString() },
        ' at the latest.',
      ],
    });
  });

  test.each([
    [30_000, 'less than a minute'],
    [M, '1 minute'],
    [12 * M, '12 minutes'],
    [89 * M, '89 minutes'],
    [125 * M, '2 hours 5 minutes'],
    [120 * M, '2 hours'],
  ])('lasted(%i) → %s', (ms, text) => {
    expect(lasted(ms)).toBe(text);
  });
});
