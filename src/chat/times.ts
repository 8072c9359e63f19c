/**
 * Times as people type them into a chat form that has no date picker (Discord's modals; the web
 * pages' free-text fields) — ISO-8601 ("2026-12-01T19:00+09:00", "2026-12-01 19:00") or natural
 * language ("tomorrow 19:00", "in 2 hours", "next friday 7pm") — read in the user's time zone with
 * chrono-node. Ends may also be durations ("90m", "1h30m", "2 hours"; the grammar is
 * src/domain/duration.ts). Front ends echo what was understood in their platform's own time
 * tokens, which every reader sees in their own zone; and they write times in a zone where tokens
 * cannot go (button labels, pre-filled fields) with the formatters at the end.
 */
import * as chrono from 'chrono-node';
import { parseTypedDuration } from '../domain/duration.js';
import { instantOf, offsetAt } from './zones.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const EXAMPLES = 'e.g. "tomorrow 19:00", "in 2 hours", "next friday 7pm" or "2026-12-01 19:00"';

/**
 * One point in time. Without an explicit offset, the text is read in `zone`; a date without a
 * time is refused rather than guessed.
 */
export function parseInstant(text: string, zone: string, now: Date): Parsed<Date> {
  const input = text.trim();
  if (input.length === 0) return { ok: false, message: `A time is required, ${EXAMPLES}.` };
  if (ISO_WITH_OFFSET.test(input) && !Number.isNaN(Date.parse(input))) return { ok: true, value: new Date(input) };

  // chrono takes a fixed offset; the one in force now places "tomorrow" and "today" on the
  // right calendar day. The wall-clock result is then placed with the offset in force at that
  // time, which differs across a daylight-saving change.
  const reference = { instant: now, timezone: offsetAt(zone, now.getTime()) / 60_000 };
  const results = chrono.parse(input, reference, { forwardDate: true });
  const result = results[0];
  const leftover = result
    ? (input.slice(0, result.index) + input.slice(result.index + result.text.length)).replace(/[\s,.;]+/g, '')
    : input;
  if (!result || results.length > 1 || leftover.length > 0) {
    return { ok: false, message: `"${clip(input)}" is not a time Slotcast understands; try ${EXAMPLES}.` };
  }
  const start = result.start;
  // "in 3 days" keeps the time of day of now; "tomorrow" alone names no time and is not guessed.
  if (!start.isCertain('hour') && !result.tags().has('result/relativeDate'))
    return { ok: false, message: `"${clip(input)}" has no time of day; add one, e.g. "${clip(input)} 19:00".` };
  // An explicit offset in the text ("19:00 +09:00"), or a relative time ("in 2 hours"): chrono's
  // instant is exact.
  if (start.isCertain('timezoneOffset'))
    return { ok: true, value: relative(result) ? nextMinute(start.date()) : start.date() };
  const wall = {
    year: start.get('year') ?? 1970,
    month: start.get('month') ?? 1,
    day: start.get('day') ?? 1,
    hour: start.get('hour') ?? 0,
    minute: start.get('minute') ?? 0,
    second: start.get('second') ?? 0,
  };
  const instant = new Date(instantOf(wall, zone));
  return { ok: true, value: relative(result) ? nextMinute(instant) : instant };
}

const relative = (result: chrono.ParsedResult): boolean => result.tags().has('result/relativeDate');

/** "in 2 hours" at 14:37:12 means 16:38, not 16:37:12: slots are booked in whole minutes. */
function nextMinute(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / 60_000) * 60_000);
}

/** The end: a duration from the start, or a time (read as the first such time after the start). */
export function parseEnd(text: string, start: Date, zone: string): Parsed<Date> {
  const input = text.trim();
  if (input.length === 0)
    return { ok: false, message: 'An end time or a duration is required, e.g. "90m", "2h" or "20:30".' };
  const length = parseTypedDuration(input);
  if (length !== undefined) return { ok: true, value: new Date(start.getTime() + length) };
  const end = parseInstant(input, zone, start);
  if (!end.ok)
    return { ok: false, message: `"${clip(input)}" is neither a duration ("90m", "2h") nor a time ("20:30").` };
  return end;
}

/** How a time is pre-filled in a modal: the wall clock in the user's zone, which parseInstant reads back. */
export function formatWallTime(date: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(date);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

const slotDay = new Map<string, Intl.DateTimeFormat>();
const slotTime = new Map<string, Intl.DateTimeFormat>();

function cached(cache: Map<string, Intl.DateTimeFormat>, zone: string, options: Intl.DateTimeFormatOptions) {
  let format = cache.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', ...options });
    cache.set(zone, format);
  }
  return format;
}

/** The wall clock in `zone`, "19:05". */
export function formatClock(at: Date, zone: string): string {
  return cached(slotTime, zone, { hour: '2-digit', minute: '2-digit' }).format(at);
}

/** A slot where no time token renders (a button label): "Tue 1 Dec, 19:00–20:00" in `zone`. */
export function formatSlot(startsAt: Date, endsAt: Date, zone: string): string {
  const day = cached(slotDay, zone, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  return `${day.format(startsAt)}–${formatClock(endsAt, zone)}`;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
