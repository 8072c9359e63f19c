import { neighbours, timelineQuerySchema, timelineRange, today } from '../../src/web/range.js';

const d = (year: number, month: number, day: number) => ({ year, month, day });

describe('timeline ranges', () => {
  test.each([
    [
      'a plain day in Tokyo',
      'day',
      d(2026, 12, 10),
      'Asia/Tokyo',
      '2026-12-09T15:00:00.000Z',
      '2026-12-10T15:00:00.000Z',
    ],
    [
      'the day Berlin moves its clocks forward: 23 hours',
      'day',
      d(2027, 3, 28),
      'Europe/Berlin',
      '2027-03-27T23:00:00.000Z',
      '2027-03-28T22:00:00.000Z',
    ],
    [
      'the day Berlin moves its clocks back: 25 hours',
      'day',
      d(2026, 10, 25),
      'Europe/Berlin',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      'a week, from the Monday of a Thursday',
      'week',
      d(2026, 12, 10),
      'UTC',
      '2026-12-07T00:00:00.000Z',
      '2026-12-14T00:00:00.000Z',
    ],
    [
      'a week from a Sunday starts the Monday before',
      'week',
      d(2026, 12, 13),
      'UTC',
      '2026-12-07T00:00:00.000Z',
      '2026-12-14T00:00:00.000Z',
    ],
  ] as const)('%s', (_name, kind, date, zone, start, end) => {
    const range = timelineRange(kind, date, zone);
    expect([range.start.toISOString(), range.end.toISOString()]).toEqual([start, end]);
  });

  test('GIVEN a day or a week THEN the arrows step by one of them, across months and years', () => {
    expect(neighbours('day', d(2026, 12, 31))).toEqual({ previous: d(2026, 12, 30), next: d(2027, 1, 1) });
    expect(neighbours('week', d(2026, 12, 31))).toEqual({ previous: d(2026, 12, 21), next: d(2027, 1, 4) });
  });

  test('GIVEN now THEN today is the day in the reader’s zone', () => {
    expect(today('Asia/Tokyo', new Date('2026-12-09T16:00:00Z'))).toEqual(d(2026, 12, 10));
    expect(today('America/New_York', new Date('2026-12-09T03:00:00Z'))).toEqual(d(2026, 12, 8));
  });

  test('GIVEN a query THEN bad parts are refused naming the field', () => {
    expect(timelineQuerySchema.parse({})).toEqual({ range: 'day' });
    expect(timelineQuerySchema.parse({ range: 'week', date: '2026-12-10', tz: 'europe/berlin' })).toEqual({
      range: 'week',
      date: d(2026, 12, 10),
      tz: 'Europe/Berlin',
    });
    const issues = (query: Record<string, string>) =>
      timelineQuerySchema.safeParse(query).error?.issues.map((issue) => [issue.path[0], issue.message]);
    expect(issues({ date: '2027-02-29' })).toEqual([['date', 'The date must be a real day written YYYY-MM-DD.']]);
    expect(issues({ range: 'month' })).toEqual([['range', 'The range must be day or week.']]);
    expect(issues({ tz: 'Mars/Base' })).toEqual([['tz', 'The time zone must be an IANA name such as Europe/Berlin.']]);
    expect(issues({ evil: '1' })?.[0]?.[0]).toBeUndefined();
  });
});
