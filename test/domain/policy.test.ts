import { checkTimeRange, reconfirmDeadline } from '../../src/domain/policy.js';
import { formatDuration, parseDuration, parseTypedDuration } from '../../src/domain/duration.js';
import { defaultPolicy, HOUR, MINUTE } from '../support/fixtures.js';

const now = new Date('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);

describe('reconfirmation deadline = max(start − lead, min(now + window, start))', () => {
  test('GIVEN a start days away THEN the deadline is a full lead before it', () => {
    expect(reconfirmDeadline(at(72 * HOUR), now, defaultPolicy)).toEqual(at(48 * HOUR));
  });
  test('GIVEN a start sooner than the lead THEN the organizer still gets the minimum window', () => {
    expect(reconfirmDeadline(at(2 * HOUR), now, defaultPolicy)).toEqual(at(15 * MINUTE));
  });
  test('GIVEN a start sooner than the minimum window THEN the deadline is the start itself', () => {
    expect(reconfirmDeadline(at(5 * MINUTE), now, defaultPolicy)).toEqual(at(5 * MINUTE));
  });
});

describe('time range policy', () => {
  test('GIVEN a valid range THEN there are no errors', () => {
    expect(checkTimeRange(at(HOUR), at(2 * HOUR), now, defaultPolicy)).toEqual([]);
  });
  test.each([
    ['end before start', at(2 * HOUR), at(HOUR), 'endsAt', /after the start/],
    ['end equal to start', at(2 * HOUR), at(2 * HOUR), 'endsAt', /after the start/],
    ['longer than the maximum', at(HOUR), at(14 * HOUR), 'endsAt', /at most 12h/],
    ['start in the past', at(-HOUR), at(HOUR), 'startsAt', /past/],
    ['beyond the horizon', at(91 * 24 * HOUR), at(91 * 24 * HOUR + HOUR), 'startsAt', /at most 90d ahead/],
  ])('GIVEN %s THEN the field is named with a reason', (_case, start, end, field, message) => {
    const errors = checkTimeRange(start, end, now, defaultPolicy);
    expect(errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]),
    );
  });
});

describe('durations', () => {
  test.each([
    ['30s', 30_000],
    ['15m', 15 * MINUTE],
    ['1d', 24 * HOUR],
    ['1d12h', 36 * HOUR],
    ['90d', 90 * 24 * HOUR],
    ['1h30m', 90 * MINUTE],
  ])('%s parses to %i ms and formats back the same', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(formatDuration(ms)).toBe(text);
  });
  test('24h is the same as 1d', () => expect(parseDuration('24h')).toBe(parseDuration('1d')));
  test.each(['', 'abc', '10', '-5m', '5 minutes', '1.5h'])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('durations typed in a chat form (the same grammar, a wider dialect)', () => {
  test.each([
    ['90m', 90 * MINUTE],
    ['1h30m', 90 * MINUTE],
    ['1.5h', 90 * MINUTE],
    ['1,5h', 90 * MINUTE],
    ['2 hours', 2 * HOUR],
    ['1 hour 30 minutes', 90 * MINUTE],
    ['1 day', 24 * HOUR],
    ['45 mins', 45 * MINUTE],
  ])('"%s" is %i ms', (text, ms) => expect(parseTypedDuration(text)).toBe(ms));
  test.each(['', '90s', '0m', '90', 'soon', '2 fortnights', '20:30', '-1h'])('"%s" is not a typed duration', (text) => {
    expect(parseTypedDuration(text)).toBeUndefined();
  });
  test('GIVEN a length formatted for a pre-filled form THEN it reads back the same', () => {
    expect(parseTypedDuration(formatDuration(95 * MINUTE))).toBe(95 * MINUTE);
  });
});
