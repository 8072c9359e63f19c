/**
 * The timeline's query (`/timeline?range=day|week&date=YYYY-MM-DD&tz=Zone`) read into the range it
 * covers: a day from local midnight to the next (23 or 25 hours across a daylight-saving change),
 * or a week from Monday. Days are the reader's: in `tz` when the browser sent it, else in the
 * zone they set in chat, else UTC.
 */
import { z } from 'zod';
import { canonicalZone, instantOf, wallClockAt } from '../chat/zones.js';
import type { TimelineKind, TimelineRange } from '../domain/timeline.js';

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(text: string): CalendarDate | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day)
    return undefined;
  return { year, month, day };
}

export const timelineQuerySchema = z.strictObject({
  range: z.enum(['day', 'week'], { error: 'The range must be day or week.' }).default('day'),
  date: z
    .string()
    .transform((text, context) => {
      const date = parseDate(text);
      if (!date) {
        context.addIssue({ code: 'custom', message: 'The date must be a real day written YYYY-MM-DD.' });
        return z.NEVER;
      }
      return date;
    })
    .optional(),
  tz: z
    .string()
    .max(64)
    .transform((text, context) => {
      const zone = canonicalZone(text);
      if (!zone) {
        context.addIssue({ code: 'custom', message: 'The time zone must be an IANA name such as Europe/Berlin.' });
        return z.NEVER;
      }
      return zone;
    })
    .optional(),
});
export type TimelineQuery = z.output<typeof timelineQuerySchema>;

/** Calendar arithmetic on dates alone (UTC noon is never ambiguous). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days, 12));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

export function formatDate(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** The day it is in `zone` at `now`. */
export function today(zone: string, now: Date): CalendarDate {
  const wall = wallClockAt(zone, now.getTime());
  return { year: wall.year, month: wall.month, day: wall.day };
}

const midnight = (date: CalendarDate, zone: string) =>
  new Date(instantOf({ ...date, hour: 0, minute: 0, second: 0 }, zone));

/** The first day of the range: the date itself, or the Monday of its week. */
export function rangeStartDate(kind: TimelineKind, date: CalendarDate): CalendarDate {
  if (kind === 'day') return date;
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

export function timelineRange(kind: TimelineKind, date: CalendarDate, zone: string): TimelineRange {
  const first = rangeStartDate(kind, date);
  const after = addDays(first, kind === 'day' ? 1 : 7);
  return { kind, start: midnight(first, zone), end: midnight(after, zone) };
}

/** Where the page's arrows go: the range before and after, and the days it covers. */
export function neighbours(kind: TimelineKind, date: CalendarDate): { previous: CalendarDate; next: CalendarDate } {
  const first = rangeStartDate(kind, date);
  const step = kind === 'day' ? 1 : 7;
  return { previous: addDays(first, -step), next: addDays(first, step) };
}

/** The days of a range, each with its local midnight: the week's columns, the axis labels. */
export function daysOf(
  kind: TimelineKind,
  date: CalendarDate,
  zone: string,
): Array<{ date: CalendarDate; start: Date }> {
  const first = rangeStartDate(kind, date);
  return Array.from({ length: kind === 'day' ? 1 : 7 }, (_, index) => {
    const day = addDays(first, index);
    return { date: day, start: midnight(day, zone) };
  });
}
