import { formatMoment, localeOf } from '../../src/web/words.js';

const AT = new Date('2026-12-07T14:45:00Z');
const LATE = new Date('2026-12-07T23:45:00Z');

describe('formatMoment: the one way pages write a moment', () => {
  test.each([
    [AT, 'Europe/Berlin', 'en-GB', 'Mon, 7 Dec 2026, 15:45 CET (14:45 UTC)'],
    [AT, 'UTC', 'en-GB', 'Mon, 7 Dec 2026, 14:45 UTC'],
    // Another day in the zone than in UTC: UTC's date is named.
    [LATE, 'Europe/Berlin', 'en-GB', 'Tue, 8 Dec 2026, 00:45 CET (7 Dec, 23:45 UTC)'],
    [AT, 'America/New_York', 'en-US', 'Mon, Dec 7, 2026, 9:45 AM EST (2:45 PM UTC)'],
  ])('%s in %s, %s → %s', (at, zone, locale, text) => {
    // Spaces as any ICU writes them (some put a narrow no-break space before AM).
    expect(formatMoment(at, zone, locale).replace(/\s/g, ' ')).toBe(text);
  });
});

describe('localeOf', () => {
  test.each([
    ['en-US,en;q=0.9', 'en-US'],
    ['de-DE;q=1, en;q=0.5', 'de-DE'],
    ['*', 'en-GB'],
    ['not a tag!!, fr', 'fr'],
    [undefined, 'en-GB'],
    ['', 'en-GB'],
  ])('%s → %s', (header, locale) => {
    expect(localeOf(header)).toBe(locale);
  });
});
