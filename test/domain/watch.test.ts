import type { WatchFacts } from '../../src/domain/watch.js';
import { watchStatus } from '../../src/domain/watch.js';

const START = new Date('2026-12-10T19:00:00Z');
const END = new Date('2026-12-10T20:00:00Z');
const M = 60_000;
const at = (minutes: number) => new Date(START.getTime() + minutes * M);
const facts = (overrides: Partial<WatchFacts> = {}): WatchFacts => ({
  status: 'confirmed',
  startsAt: START,
  endsAt: END,
  bufferMs: 5 * M,
  ...overrides,
});

describe('watchStatus', () => {
  test.each([
    ['a day ahead', facts(), at(-24 * 60), 'scheduled', false],
    ['16 minutes ahead', facts(), at(-16), 'scheduled', false],
    ['15 minutes ahead', facts(), at(-15), 'starting_soon', false],
    ['past the start, nobody streaming yet', facts(), at(10), 'late', false],
    [
      'a second before the start, nobody streaming yet',
      facts(),
      new Date(START.getTime() - 1000),
      'starting_soon',
      false,
    ],
    ['streaming', facts({ status: 'live' }), at(10), 'live', true],
    ['streaming past the end, inside the teardown buffer', facts({ status: 'live' }), at(61), 'ending', true],
    ['streaming early, inside the buffer', facts({ status: 'live' }), at(-3), 'live', true],
    ['after end + buffer, never streamed', facts(), at(65), 'ended', false],
    ['inside the buffer after the end, never streamed', facts(), at(64), 'ended', false],
    ['completed', facts({ status: 'completed' }), at(70), 'ended', false],
    ['cancelled', facts({ status: 'cancelled' }), at(-60), 'cancelled', false],
    ['lapsed', facts({ status: 'lapsed', startsAt: START }), at(-60), 'lapsed', false],
    ['moved, still ahead', facts({ moved: { from: at(-120), to: START } }), at(-60), 'moved', false],
    ['moved and now starting soon', facts({ moved: { from: at(-120), to: START } }), at(-5), 'starting_soon', false],
    ['moved and live', facts({ status: 'live', moved: { from: at(-120), to: START } }), at(1), 'live', true],
  ] as const)('%s → %s', (_name, given, now, state, playing) => {
    expect(watchStatus(given, now)).toMatchObject({ state, playing });
  });

  test('GIVEN a permitted reservation THEN tentative; a long buffer opens "starting soon" earlier', () => {
    expect(watchStatus(facts({ status: 'permitted' }), at(-60))).toEqual({
      state: 'scheduled',
      playing: false,
      tentative: true,
    });
    expect(watchStatus(facts({ bufferMs: 30 * M }), at(-25)).state).toBe('starting_soon');
  });
});
