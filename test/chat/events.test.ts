/** What a reservation's scheduled event becomes after a commit (src/chat/events.ts): plain data. */
import { nextEventStatus } from '../../src/chat/events.js';

test.each([
  ['live', undefined, 'active'],
  ['live', 'confirmed', 'active'],
  ['live', 'live', undefined],
  ['completed', 'live', 'completed'],
  ['cancelled', 'live', 'completed'],
  ['completed', undefined, undefined],
  ['cancelled', 'cancelled', undefined],
  ['completed', 'completed', undefined],
  ['confirmed', undefined, undefined],
] as const)(
  'GIVEN the reservation %s and the event last set for %s THEN the event becomes %s',
  (status, drawn, next) => {
    expect(nextEventStatus(status, drawn)).toBe(next);
  },
);
