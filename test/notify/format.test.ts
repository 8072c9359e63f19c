/**
 * Times as e-mails write them: in the configured zone, named, with UTC alongside.
 */
import { describeChange, formatInstant, formatInstantWithUtc, formatRange, zoneName } from '../../src/notify/format.js';

const winter = new Date('2026-12-01T10:00:00Z');
const summer = new Date('2026-07-01T10:00:00Z');

describe('zone names', () => {
  test.each([
    ['Asia/Tokyo', winter, 'JST'],
    ['Europe/Paris', winter, 'CET'],
    ['Europe/Paris', summer, 'CEST'],
    ['Europe/London', winter, 'GMT'],
    ['Europe/London', summer, 'BST'],
    ['America/New_York', winter, 'EST'],
    ['America/Los_Angeles', summer, 'PDT'],
    ['Asia/Kolkata', winter, 'IST'],
    ['Australia/Sydney', winter, 'AEDT'],
    ['Asia/Singapore', winter, 'SGT'],
    ['UTC', winter, 'UTC'],
  ])('%s at %s is %s', (zone, date, name) => expect(zoneName(date, zone)).toBe(name));

  test.each([
    ['Asia/Seoul', 'GMT+9'],
    ['America/Sao_Paulo', 'GMT-3'],
    ['Asia/Kathmandu', 'GMT+5:45'],
  ])('%s, which no locale abbreviates, keeps its offset %s', (zone, offset) => {
    expect(zoneName(winter, zone)).toBe(offset);
    expect(zoneName(winter, zone)).toBe(offset); // the cached answer is the same
  });
});

test('an instant is written in the zone, in 24-hour time, with the zone named', () => {
  expect(formatInstant('2026-12-01T10:00:00Z', 'Asia/Tokyo')).toBe('Tue, 1 Dec 2026, 19:00 JST');
  expect(formatInstant(summer, 'Europe/Berlin')).toBe('Wed, 1 Jul 2026, 12:00 CEST');
});

test('with UTC alongside: the time alone on the same day, the whole date when the day differs, once in UTC', () => {
  expect(formatInstantWithUtc('2026-12-01T10:00:00Z', 'Europe/Paris')).toBe('Tue, 1 Dec 2026, 11:00 CET (10:00 UTC)');
  expect(formatInstantWithUtc('2026-12-01T20:00:00Z', 'Asia/Tokyo')).toBe(
    'Wed, 2 Dec 2026, 05:00 JST (Tue, 1 Dec 2026, 20:00 UTC)',
  );
  expect(formatInstantWithUtc('2026-12-01T20:00:00Z', 'UTC')).toBe('Tue, 1 Dec 2026, 20:00 UTC');
});

test('a range names each zone once, the day once when both ends share it, and gives UTC unless it is UTC', () => {
  expect(formatRange('2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z', 'Asia/Tokyo')).toBe(
    'Tue, 1 Dec 2026, 19:00 – 20:00 JST (10:00 – 11:00 UTC)',
  );
  expect(formatRange('2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z', 'UTC')).toBe('Tue, 1 Dec 2026, 10:00 – 11:00 UTC');
  // Across midnight in Tokyo: the end's date too.
  expect(formatRange('2026-12-01T14:30:00Z', '2026-12-01T15:30:00Z', 'Asia/Tokyo')).toBe(
    'Tue, 1 Dec 2026, 23:30 – Wed, 2 Dec 2026, 00:30 JST (14:30 – 15:30 UTC)',
  );
  // On another day in UTC: UTC's own date.
  expect(formatRange('2026-12-01T20:00:00Z', '2026-12-01T21:00:00Z', 'Asia/Tokyo')).toBe(
    'Wed, 2 Dec 2026, 05:00 – 06:00 JST (Tue, 1 Dec 2026, 20:00 – 21:00 UTC)',
  );
  // Summer time ends in between: each end names its own zone.
  expect(formatRange('2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', 'Europe/Paris')).toBe(
    'Sun, 25 Oct 2026, 02:30 CEST – 02:30 CET (00:30 – 01:30 UTC)',
  );
});

test('a change reads old → new; times in the zone and UTC, lists as lists, empty as (none)', () => {
  expect(
    describeChange({ field: 'startsAt', from: '2026-12-01T10:00:00Z', to: '2026-12-01T11:00:00Z' }, 'Asia/Tokyo'),
  ).toBe('Start: Tue, 1 Dec 2026, 19:00 JST (10:00 UTC) → Tue, 1 Dec 2026, 20:00 JST (11:00 UTC)');
  expect(describeChange({ field: 'emails', from: ['a@x.org'], to: ['a@x.org', 'b@x.org'] }, 'UTC')).toBe(
    'E-mail invitees: a@x.org → a@x.org, b@x.org',
  );
  expect(describeChange({ field: 'description', from: null, to: 'Notes' }, 'UTC')).toBe('Description: (none) → Notes');
});
