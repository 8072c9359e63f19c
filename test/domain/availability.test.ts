import {
  freeLane,
  isAvailable,
  latestFreeEnd,
  nearestFreeSlots,
  occupiedRange,
} from '../../src/domain/availability.js';
import type { Booking } from '../../src/domain/availability.js';

const H = 3_600_000;
const M = 60_000;
const span = (startH: number, endH: number) => ({ start: startH * H, end: endH * H });
const booking = (startH: number, endH: number, lane = 0): Booking => ({ ...span(startH, endH), lane });
const always = () => true;
const single = { capacity: 1, bufferMs: 0 };

describe('availability', () => {
  test('GIVEN back-to-back bookings [1,2) and [2,3) THEN they do not overlap', () => {
    expect(isAvailable(span(2, 3), single, [booking(1, 2)])).toBe(true);
    expect(isAvailable(span(1.5, 3), single, [booking(1, 2)])).toBe(false);
  });

  test('GIVEN a buffer THEN a reservation occupies its time plus the buffer after it', () => {
    expect(occupiedRange(span(1, 2), { bufferMs: 15 * M })).toEqual({ start: H, end: 2 * H + 15 * M });
  });

  test('GIVEN a buffer THEN the next stream must start at least one buffer after the last ends, on either side', () => {
    const server = { capacity: 1, bufferMs: 15 * M };
    const existing = [{ ...occupiedRange(span(1, 2), server), lane: 0 }];
    expect(isAvailable({ start: 2 * H + 10 * M, end: 3 * H }, server, existing)).toBe(false);
    expect(isAvailable({ start: 2 * H + 15 * M, end: 3 * H }, server, existing)).toBe(true);
    // Ending before it: the new stream's own buffer must end by the time the existing one starts.
    expect(isAvailable({ start: 0, end: 50 * M }, server, existing)).toBe(false);
    expect(isAvailable({ start: 0, end: 45 * M }, server, existing)).toBe(true);
  });

  test('GIVEN capacity 2 and one lane busy THEN the other lane is used', () => {
    expect(freeLane(span(1, 2), 2, [booking(1, 2, 0)])).toBe(1);
    expect(freeLane(span(1, 2), 2, [booking(1, 2, 0), booking(1, 2, 1)])).toBeUndefined();
  });

  test('GIVEN capacity 2 and fewer than 2 overlapping bookings THEN the request always fits (the issue’s rule never refuses more)', () => {
    // Exhaustive over small layouts: one overlapping booking in any lane leaves a lane free.
    for (const lane of [0, 1]) {
      expect(
        isAvailable(span(1, 4), { capacity: 2, bufferMs: 0 }, [booking(2, 3, lane), booking(5, 6, 1 - lane)]),
      ).toBe(true);
    }
  });

  test('GIVEN a taken hour THEN three nearest free slots of the same length surround it, in time order', () => {
    const slots = nearestFreeSlots(span(10, 11), single, [booking(10, 11)], always);
    expect(slots).toHaveLength(3);
    expect(slots).toContainEqual(span(9, 10));
    expect(slots).toContainEqual(span(11, 12));
    for (const slot of slots) expect(isAvailable(slot, single, [booking(10, 11)])).toBe(true);
    expect(slots.map((slot) => slot.start)).toEqual([...slots.map((slot) => slot.start)].sort((a, b) => a - b));
  });

  test('GIVEN a policy that forbids earlier slots THEN only later ones are offered', () => {
    const slots = nearestFreeSlots(span(10, 11), single, [booking(10, 11)], (slot) => slot.start >= 10 * H);
    expect(slots.every((slot) => slot.start >= 11 * H)).toBe(true);
    expect(slots[0]).toEqual(span(11, 12));
  });

  test('GIVEN buffers THEN offered slots keep the buffer on both sides', () => {
    const server = { capacity: 1, bufferMs: 30 * M };
    const existing = [{ ...occupiedRange(span(10, 11), server), lane: 0 }];
    const slots = nearestFreeSlots(span(10, 11), server, existing, always);
    expect(slots).toContainEqual({ start: 11 * H + 30 * M, end: 12 * H + 30 * M });
    expect(slots).toContainEqual({ start: 8 * H + 30 * M, end: 9 * H + 30 * M });
  });
});

describe('latestFreeEnd (how far a stream can still be extended)', () => {
  const held = { start: 100, end: 200 };
  test('GIVEN the next booking on the only lane THEN it can grow until that booking starts', () => {
    expect(latestFreeEnd(held, 1, [{ lane: 0, start: 250, end: 300 }], 400)).toBe(250);
  });
  test('GIVEN nothing after it THEN it can grow to the limit', () => {
    expect(latestFreeEnd(held, 1, [{ lane: 0, start: 0, end: 100 }], 400)).toBe(400);
  });
  test('GIVEN a booking right after it THEN it cannot grow', () => {
    expect(latestFreeEnd(held, 1, [{ lane: 0, start: 200, end: 300 }], 400)).toBe(200);
  });
  test('GIVEN two lanes THEN the lane free over its whole time that goes furthest counts', () => {
    const booked = [
      { lane: 0, start: 220, end: 300 },
      { lane: 1, start: 150, end: 160 },
      { lane: 1, start: 390, end: 500 },
    ];
    // Lane 1 is taken during the stream itself, so only lane 0 can carry it on.
    expect(latestFreeEnd(held, 2, booked, 400)).toBe(220);
    expect(
      latestFreeEnd(
        held,
        2,
        [
          { lane: 0, start: 220, end: 300 },
          { lane: 1, start: 390, end: 500 },
        ],
        400,
      ),
    ).toBe(390);
  });
});
