import { isAvailable, nearestFreeSlots, peakConcurrency } from '../../src/domain/availability.js';

const H = 3_600_000;
const M = 60_000;
const span = (startH: number, endH: number) => ({ start: startH * H, end: endH * H });
const always = () => true;

describe('availability', () => {
  test('GIVEN back-to-back bookings [1,2) and [2,3) THEN they do not overlap', () => {
    expect(isAvailable(span(2, 3), { capacity: 1, bufferMs: 0 }, [span(1, 2)])).toBe(true);
  });

  test('GIVEN a buffer THEN a request too close to a booking is refused, one far enough is permitted', () => {
    const server = { capacity: 1, bufferMs: 15 * M };
    expect(isAvailable({ start: 2 * H + 10 * M, end: 3 * H }, server, [span(1, 2)])).toBe(false);
    expect(isAvailable({ start: 2 * H + 15 * M, end: 3 * H }, server, [span(1, 2)])).toBe(true);
  });

  test('GIVEN capacity 2 and two bookings that never run at once THEN a third overlapping both fits', () => {
    // [1,2) and [3,4) overlap the request [1,4) but never each other: the peak is 1.
    expect(peakConcurrency(span(1, 4), [span(1, 2), span(3, 4)])).toBe(1);
    expect(isAvailable(span(1, 4), { capacity: 2, bufferMs: 0 }, [span(1, 2), span(3, 4)])).toBe(true);
  });

  test('GIVEN capacity 2 and two bookings running at once THEN a third overlapping them is refused', () => {
    expect(isAvailable(span(1, 4), { capacity: 2, bufferMs: 0 }, [span(1, 3), span(2, 4)])).toBe(false);
  });

  test('GIVEN a taken hour THEN the nearest free slots of the same length surround it, in time order', () => {
    const slots = nearestFreeSlots(span(10, 11), { capacity: 1, bufferMs: 0 }, [span(10, 11)], always);
    expect(slots).toHaveLength(3);
    expect(slots).toContainEqual(span(9, 10));
    expect(slots).toContainEqual(span(11, 12));
    for (const slot of slots) expect(isAvailable(slot, { capacity: 1, bufferMs: 0 }, [span(10, 11)])).toBe(true);
    expect(slots.map((slot) => slot.start)).toEqual([...slots.map((slot) => slot.start)].sort((a, b) => a - b));
  });

  test('GIVEN a policy that forbids earlier slots THEN only later ones are offered', () => {
    const slots = nearestFreeSlots(span(10, 11), { capacity: 1, bufferMs: 0 }, [span(10, 11)], (slot) => slot.start >= 10 * H);
    expect(slots.every((slot) => slot.start >= 11 * H)).toBe(true);
    expect(slots[0]).toEqual(span(11, 12));
  });

  test('GIVEN buffers THEN offered slots keep the buffer from the booking', () => {
    const server = { capacity: 1, bufferMs: 30 * M };
    const slots = nearestFreeSlots(span(10, 11), server, [span(10, 11)], always);
    expect(slots).toContainEqual({ start: 11 * H + 30 * M, end: 12 * H + 30 * M });
    expect(slots).toContainEqual({ start: 8 * H + 30 * M, end: 9 * H + 30 * M });
  });
});
