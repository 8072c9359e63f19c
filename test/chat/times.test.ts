/**
 * Reading typed times in a zone, without infrastructure: ISO-8601, natural language, durations,
 * and the hours around daylight-saving changes.
 */
import { parseTypedDuration } from '../../src/domain/duration.js';
import { formatSlot, formatWallTime, parseEnd, parseInstant } from '../../src/chat/times.js';
import { canonicalZone, instantOf, offsetAt, resolveZone, zoneSchema } from '../../src/chat/zones.js';

const iso = (text: string, zone: string, now: string) => {
  const parsed = parseInstant(text, zone, new Date(now));
  return parsed.ok ? parsed.value.toISOString() : parsed.message;
};

describe('parseInstant', () => {
  test('GIVEN an ISO time with an offset THEN the offset wins over the zone', () => {
    expect(iso('2026-12-01T19:00:00+09:00', 'Europe/Berlin', '2026-11-01T00:00:00Z')).toBe('2026-12-01T10:00:00.000Z');
    expect(iso('2026-12-01T19:00Z', 'Asia/Tokyo', '2026-11-01T00:00:00Z')).toBe('2026-12-01T19:00:00.000Z');
  });

  test("GIVEN a time without an offset THEN it is read in the user's zone", () => {
    expect(iso('2026-12-01 19:00', 'Asia/Tokyo', '2026-11-01T00:00:00Z')).toBe('2026-12-01T10:00:00.000Z');
    expect(iso('2026-12-01T19:00', 'America/New_York', '2026-11-01T00:00:00Z')).toBe('2026-12-02T00:00:00.000Z');
  });

  test('GIVEN "tomorrow 19:00" THEN "tomorrow" is the zone\'s tomorrow, not UTC\'s', () => {
    // 23:30 UTC on 1 Dec is already 2 Dec in Tokyo: tomorrow there is 3 Dec.
    expect(iso('tomorrow 19:00', 'Asia/Tokyo', '2026-12-01T23:30:00Z')).toBe('2026-12-03T10:00:00.000Z');
    expect(iso('tomorrow 19:00', 'UTC', '2026-12-01T23:30:00Z')).toBe('2026-12-02T19:00:00.000Z');
  });

  test('GIVEN the day before clocks go forward THEN "tomorrow 19:00" uses the summer offset', () => {
    expect(iso('tomorrow 19:00', 'Europe/Berlin', '2027-03-27T12:00:00Z')).toBe('2027-03-28T17:00:00.000Z');
    expect(iso('tomorrow 19:00', 'America/New_York', '2027-03-13T18:00:00Z')).toBe('2027-03-14T23:00:00.000Z');
  });

  test('GIVEN the day before clocks go back THEN "tomorrow 19:00" uses the winter offset', () => {
    expect(iso('tomorrow 19:00', 'Europe/Berlin', '2027-10-30T12:00:00Z')).toBe('2027-10-31T18:00:00.000Z');
  });

  test('GIVEN "in 2 hours" across the change THEN it is two real hours later, rounded up to the minute', () => {
    expect(iso('in 2 hours', 'Europe/Berlin', '2027-03-28T00:30:20Z')).toBe('2027-03-28T02:31:00.000Z');
  });

  test('GIVEN a time that does not exist or occurs twice THEN it is moved past the gap, or the first is taken', () => {
    expect(iso('2027-03-28 02:30', 'Europe/Berlin', '2027-03-01T00:00:00Z')).toBe('2027-03-28T01:30:00.000Z'); // 03:30 CEST
    expect(iso('2027-10-31 02:30', 'Europe/Berlin', '2027-10-01T00:00:00Z')).toBe('2027-10-31T00:30:00.000Z'); // the CEST one
  });

  test('GIVEN text that is not a time, or a day without a time THEN the message says what to type', () => {
    expect(iso('banana', 'UTC', '2026-12-01T00:00:00Z')).toMatch(
      /not a time Slotcast understands; try e\.g\. "tomorrow 19:00"/,
    );
    expect(iso('tomorrow', 'UTC', '2026-12-01T00:00:00Z')).toMatch(/has no time of day/);
    expect(iso('lunch with bob tomorrow 12:00', 'UTC', '2026-12-01T00:00:00Z')).toMatch(/not a time/);
    expect(iso('', 'UTC', '2026-12-01T00:00:00Z')).toMatch(/A time is required/);
  });
});

describe('parseEnd and typed durations', () => {
  const start = new Date('2027-03-28T17:00:00Z');
  const end = (text: string) => {
    const parsed = parseEnd(text, start, 'Europe/Berlin');
    return parsed.ok ? parsed.value.toISOString() : parsed.message;
  };

  test('GIVEN durations in the usual spellings THEN they add to the start', () => {
    expect([
      parseTypedDuration('90m'),
      parseTypedDuration('1h30m'),
      parseTypedDuration('1.5h'),
      parseTypedDuration('2 hours'),
      parseTypedDuration('1 hour 30 minutes'),
    ]).toEqual([5_400_000, 5_400_000, 5_400_000, 7_200_000, 5_400_000]);
    expect(end('90m')).toBe('2027-03-28T18:30:00.000Z');
  });

  test('GIVEN a clock time THEN it is the first such time after the start, in the zone', () => {
    expect(end('20:30')).toBe('2027-03-28T18:30:00.000Z');
    expect(end('01:00')).toBe('2027-03-28T23:00:00.000Z');
  });

  test('GIVEN neither THEN the message offers both forms', () => {
    expect(end('soon-ish')).toMatch(/neither a duration \("90m", "2h"\) nor a time \("20:30"\)/);
  });
});

describe('zones and labels', () => {
  test('GIVEN Berlin THEN the offset is +1h in winter and +2h in summer, and wall times round-trip', () => {
    expect(offsetAt('Europe/Berlin', Date.parse('2027-01-15T12:00:00Z'))).toBe(3_600_000);
    expect(offsetAt('Europe/Berlin', Date.parse('2027-07-15T12:00:00Z'))).toBe(7_200_000);
    expect(
      new Date(
        instantOf({ year: 2027, month: 7, day: 15, hour: 14, minute: 0, second: 0 }, 'Europe/Berlin'),
      ).toISOString(),
    ).toBe('2027-07-15T12:00:00.000Z');
    expect(formatWallTime(new Date('2027-07-15T12:00:00Z'), 'Europe/Berlin')).toBe('2027-07-15 14:00');
  });

  test('GIVEN a slot THEN a button label writes it out in the zone, the end as a time', () => {
    expect(formatSlot(new Date('2027-07-15T12:00:00Z'), new Date('2027-07-15T13:30:00Z'), 'Europe/Berlin')).toBe(
      'Thu 15 Jul, 14:00–15:30',
    );
  });
});

describe('which zone', () => {
  test('GIVEN zones as users type them THEN the canonical name, or a message naming what to type', () => {
    expect(canonicalZone('europe/berlin')).toBe('Europe/Berlin');
    expect(zoneSchema.safeParse('asia/tokyo')).toEqual({ success: true, data: 'Asia/Tokyo' });
    expect(zoneSchema.safeParse('Mars/Olympus').error?.issues[0]?.message).toMatch(/not an IANA time zone/);
  });

  test("GIVEN stored zones THEN the user's wins, then the workspace's, then UTC; a zone ICU does not know is skipped", () => {
    expect(resolveZone({ user: 'Asia/Tokyo', workspace: 'Europe/Berlin' })).toEqual({
      zone: 'Asia/Tokyo',
      from: 'user',
    });
    expect(resolveZone({ user: 'Gone/Zone', workspace: 'Europe/Berlin' })).toEqual({
      zone: 'Europe/Berlin',
      from: 'workspace',
    });
    expect(resolveZone({ user: null, workspace: null })).toEqual({ zone: 'UTC', from: 'default' });
  });
});
